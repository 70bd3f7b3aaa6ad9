"""The work of one sweep point, wherever it runs (this process, a local worker process, a Dask worker).

`run_point` runs one workload into its own folder and returns the point's record (status, results
or error and traceback); it never raises for a failing point, so one bad point cannot stop a sweep.

A local worker process (`sweep.local`) starts with `init_process(parent)`: SIGINT and SIGTERM stop
the point it runs as an interrupt (its run folder then says "interrupted") and end the process, at
once when it is idle; and the process stops when its parent dies, however it dies (SIGKILL too):
Linux tells it at once (PR_SET_PDEATHSIG), and everywhere a watchdog thread notices within
`WATCH_S` that its parent pid changed. A worker whose point does not stop within `GRACE_S` exits.
Its points share the datasets they load (`data.reusing`, open for the process's life). `pool_point`
is the task a local worker runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from threadpoolctl import threadpool_limits

from cyclesim import config, data, runner
from cyclesim.config import Network, Training, Workload
from cyclesim.errors import UserError, interrupt, interruption, one_line
from cyclesim.report.files import RunFiles

WATCH_S = 0.5
"""How often a worker process checks that its parent is alive."""

GRACE_S = 10.0
"""How long a stopped worker process may take to record its interrupted point before it exits."""

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
"""The signals that stop a worker (or a sweep) cleanly."""

PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process gets when its parent dies."""


class _Worker:
    busy = False  # running a point (else waiting for one)
    stopping = False  # told to stop (a signal, or the parent died)
    datasets = contextlib.ExitStack()  # a worker process's `data.reusing()`, never closed


_worker = _Worker()


def run_point(key: str, workload: Workload, run_dir: str, data_dir: str | None) -> dict:
    """Run one point (in a worker process or in-process) and return its point record; never raises
    for a failing point (except KeyboardInterrupt): the error and traceback go into the record."""
    t0 = time.perf_counter()
    record = {"key": key, "config": config.to_dict(workload)}
    try:
        with threadpool_limits(limits=1):
            result = runner.run(workload, data_dir=data_dir, observers=[RunFiles(Path(run_dir), "sweep run folder")])
        record.update(status="complete", results=result.to_json())
    except Exception as exc:
        stop = interruption(exc)
        if stop is not None:  # an interrupt that numba wrapped in a SystemError: not a failing point
            raise stop from None
        msg = one_line(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {one_line(exc)}"
        record.update(status="failed", error=msg or type(exc).__name__, traceback=traceback.format_exc())
    record["wall_s"] = time.perf_counter() - t0
    return record


def warm_numba() -> None:
    """Compile (or load from numba's cache) every kernel once, so parallel workers don't all compile."""
    wl = Workload(
        name="warm",
        network=Network(sizes=(784, 16, 10)),
        dataset="synthetic",
        mode="hardware",
        training=Training(epochs=1, batch_size=50, train_limit=50, test_limit=50),
    )
    with contextlib.suppress(Exception):  # a warm-up problem is not the sweep's; the points report theirs
        runner.run(wl)


# ------------------------------------------------------------------------------- local worker process


def _exit(code: int) -> None:
    """End this worker process now (no cleanup of the pool's queues: its parent has stopped)."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _on_signal(signum: int, frame) -> None:
    """SIGINT/SIGTERM in a worker: idle, exit at once; running a point, interrupt it (the runner
    records "interrupted" and `pool_point` exits); and exit anyway after GRACE_S."""
    if not _worker.stopping:
        _worker.stopping = True
        timer = threading.Timer(GRACE_S, _exit, args=(128 + signum,))
        timer.daemon = True
        timer.start()
    if not _worker.busy:
        _exit(128 + signum)
    interrupt(signum, frame)


def _watch(parent: int) -> None:
    """Watchdog thread: once the parent is gone (this process re-parented), stop like on SIGTERM
    (sent to the main thread, which may be blocked reading the pool's pipe), and exit after GRACE_S
    whatever the main thread does."""
    while os.getppid() == parent:
        time.sleep(WATCH_S)
    signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
    time.sleep(GRACE_S)
    _exit(128 + signal.SIGTERM)


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM when the parent dies (a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def init_process(parent: int) -> None:
    """Initializer of a local worker process (see the module doc); `parent` is the sweep's pid."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    if hasattr(signal, "pthread_sigmask"):  # born with them blocked (`local.held_stop_signals`)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before this process was set up
        _exit(128 + signal.SIGTERM)
    threading.Thread(target=_watch, args=(parent,), name="cyclesim-parent-watch", daemon=True).start()
    _worker.datasets.enter_context(data.reusing())


def pool_point(key: str, workload: Workload, run_dir: str, data_dir: str | None) -> dict:
    """`run_point` in a local worker process; an interrupt ends the process once the point's run folder
    records it (the sweep does not record the point: a rerun computes it again)."""
    if _worker.stopping:
        _exit(128 + signal.SIGTERM)
    _worker.busy = True
    try:
        return run_point(key, workload, run_dir, data_dir)
    except KeyboardInterrupt as exc:
        _exit(getattr(exc, "exit_code", 130))
    finally:
        _worker.busy = False
