"""Signal handling of `cyclesim.errors`: a signal that lands inside numba's compiler is delivered again
once control is back in Python code of our own (else llvmlite's ctypes callback would print it as
"Exception ignored" with a traceback and drop it)."""

import signal
import sys
import time

import pytest

from cyclesim import errors


def _frame_in(path: str):
    """A live frame whose code claims to come from `path`."""
    namespace = {"sys": sys}
    exec(compile("def here():\n    return sys._getframe()\n", path, "exec"), namespace)
    return namespace["here"]()


def test_signal_inside_the_compiler_is_sent_again_and_raised_outside():
    frame = _frame_in("/site-packages/llvmlite/binding/executionengine.py")
    assert errors._in_compiler(frame)
    with errors.on_signals(), pytest.raises(errors.Interrupted) as caught:
        errors.interrupt(signal.SIGTERM, frame)  # held: nothing raised here
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the retry arrives within RETRY_S and raises here
            time.sleep(0.01)
    assert caught.value.name == "SIGTERM"


def test_signal_in_our_code_raises_at_once():
    frame = sys._getframe()
    assert not errors._in_compiler(frame)
    with errors.on_signals(), pytest.raises(errors.Interrupted):
        errors.interrupt(signal.SIGINT, frame)
