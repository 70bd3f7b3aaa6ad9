"""User-facing errors, and how a run is stopped.

Every problem the user can fix (a bad workload file, an impossible configuration, a missing or
corrupt dataset, an unmappable network, a diverging run, an output path that cannot be written, a
run that would not fit in memory) is raised as a `UserError`. The CLI prints its message as one line
and exits with code 2; nothing else is ever shown as a traceback for these. A message that echoes
what the user typed passes it through `shorten`, so a 10,000-character value is not printed whole.

SIGINT (Ctrl-C) and SIGTERM (`timeout`, SLURM, `docker stop`) stop a run alike: `on_signals`
installs `interrupt` as their handler, which raises `Interrupted` (a KeyboardInterrupt) in the main
thread, except inside `uninterrupted()` (an atomic file write), where it is held until the write is
done, so no file is half-written and no temporary file is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

ECHO_LIMIT = 60
"""Characters of a user's value that a message echoes before `shorten` cuts it."""


def shorten(value: object, limit: int = ECHO_LIMIT) -> str:
    """`value` as text for a message: whole when at most `limit` characters, else its first `limit`
    characters and how long it was, e.g. `xxxx…(10000 chars)`."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…({len(text)} chars)"


def show(value: object, limit: int = ECHO_LIMIT) -> str:
    """repr(value) for a message, shortened as `shorten` does (a value whose repr fails, such as an int
    of more than 4300 digits, shows as its type)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} too large to show>"
    return shorten(text, limit)


def shorten_words(text: str, limit: int = 4 * ECHO_LIMIT) -> str:
    """`text` with every word (a run without whitespace) longer than `limit` characters shortened by
    `shorten`: the last guard of a printed message against an echoed value nobody shortened."""
    if len(text) <= limit:
        return text
    return " ".join(w if len(w) <= limit else shorten(w) for w in text.split(" "))


def one_line(text: object) -> str:
    """`text` (or an exception's message) on one line: every run of whitespace, newlines included,
    becomes one space."""
    return " ".join(str(text).split())


class UserError(Exception):
    """A problem with the user's input; the message names the problem and the fix."""


class ConfigError(UserError):
    """An invalid configuration, workload file or override."""


class DataError(UserError):
    """A dataset that cannot be found, read or verified."""


class TechError(UserError):
    """A malformed technology file under tech/."""


class MappingError(UserError):
    """A network that does not fit the configured chip."""


class DivergenceError(UserError):
    """Training produced NaN or infinite values."""


class OutputError(ConfigError, OSError):
    """An output path that cannot be written (a file in the way, no permission, a full disk). Also an
    OSError, which is what it reports."""


class MemoryBudgetError(UserError):
    """A run whose estimated peak memory exceeds the memory available to it."""


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop: Ctrl-C (SIGINT) or SIGTERM (what `timeout`, SLURM and `docker
    stop` send). A KeyboardInterrupt, so every layer treats both alike; `signum` says which and
    `exit_code` is the conventional 128 + signal number (130 for SIGINT, 143 for SIGTERM)."""

    def __init__(self, signum: int = signal.SIGINT, *_):
        signum = int(signum)
        super().__init__(signum)  # args == (signum,): copies made with type(e)(*e.args) stay equal
        self.signum = signum

    @property
    def name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        return self.name


def interruption(exc: BaseException | None) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt `exc` is or was caused by, if any. An interrupt raised while numba's
    compiled code called back into Python comes out as a SystemError caused by it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


REPEAT_GRACE_S = 5.0
"""After an interrupt is raised, further SIGINT/SIGTERM within this many seconds are ignored, so
that the run can record its interrupted state (a terminal's Ctrl-C reaches every process of the
group, and a parent stopping its workers may signal them again); a later signal raises again."""


class _State:
    depth = 0  # nesting of `uninterrupted` sections in the main thread
    pending: int | None = None  # a signal held back by an `uninterrupted` section
    raised_at: float | None = None  # when the last Interrupted was raised


_state = _State()


def _raise(signum: int):
    _state.raised_at = time.monotonic()
    raise Interrupted(signum)


RETRY_S = 0.05
"""How soon a signal that arrived inside numba's compiler is sent again."""


def _in_compiler(frame) -> bool:
    """Whether `frame` runs inside numba's compiler or llvmlite. An exception raised there by a signal
    handler can land in one of llvmlite's ctypes callbacks, where Python prints it as "Exception
    ignored" with a traceback and drops it."""
    while frame is not None:
        path = frame.f_code.co_filename
        if f"{os.sep}numba{os.sep}" in path or f"{os.sep}llvmlite{os.sep}" in path:
            return True
        frame = frame.f_back
    return False


def interrupt(signum: int, frame=None) -> None:
    """Signal handler: raise `Interrupted`, or hold the signal while an `uninterrupted` section runs.
    A signal that arrives while numba compiles is sent again `RETRY_S` later, until it lands in
    cyclesim's own code."""
    if _state.raised_at is not None and time.monotonic() - _state.raised_at < REPEAT_GRACE_S:
        return
    if _state.depth:
        _state.pending = signum
        return
    if _in_compiler(frame):
        retry = threading.Timer(RETRY_S, os.kill, (os.getpid(), signum))
        retry.daemon = True
        retry.start()
        return
    _raise(signum)


@contextlib.contextmanager
def uninterrupted():
    """Hold SIGINT/SIGTERM (as handled by `interrupt`) until the block is done, then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers run in the main thread only
        return
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if not _state.depth and _state.pending is not None:
            signum, _state.pending = _state.pending, None
            _raise(signum)


@contextlib.contextmanager
def on_signals(signums=(signal.SIGINT, signal.SIGTERM), *, then_ignore: bool = False):
    """Handle `signums` with `interrupt` inside the block (main thread only; elsewhere a no-op),
    restoring the previous handlers after it; or, `then_ignore`, ignoring them from then on: a
    process whose work is done and reported then exits as it said, whatever signal comes late
    (Python resets its own handlers to the default, deadly action while it shuts down)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.depth, _state.pending, _state.raised_at = 0, None, None
    previous = {s: signal.signal(s, interrupt) for s in signums}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_IGN if then_ignore else handler)
