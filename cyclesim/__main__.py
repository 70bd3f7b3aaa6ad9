"""`python -m cyclesim ...`: see cyclesim.cli.

Ctrl-C or SIGTERM while the simulator is still loading (before `cli.main` takes over the signals)
ends the process at once with one line and the usual exit code (130, 143): nothing has been written.
"""

import os
import signal
import sys


def _stopped_while_loading(signum, _frame):
    name = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    sys.stderr.write(f"{name} while loading; nothing was written\n")
    sys.stderr.flush()
    os._exit(128 + signum)


for _signum in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_signum, _stopped_while_loading)

from cyclesim.cli import main  # noqa: E402 (after the handlers: importing takes a moment)

sys.exit(main())
