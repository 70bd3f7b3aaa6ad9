"""Sweep points on this machine: in this process (one worker) or a pool of spawned processes.

An executor runs points and yields each point's record as it finishes; `LocalExecutor` and
`cluster.DaskExecutor` have the same shape, so `run_sweep` does not care where points run.

Worker processes never outlive the sweep: each stops when its parent dies (`worker.init_process`),
and a sweep that stops early (Ctrl-C, SIGTERM, an error) sends its workers SIGTERM, so each records
its point as interrupted in its run folder, waits `STOP_S` for them and kills what is left.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from cyclesim import data
from cyclesim.config import Workload
from cyclesim.errors import one_line, uninterrupted
from cyclesim.sweep.worker import GRACE_S, STOP_SIGNALS, init_process, pool_point, run_point, warm_numba

STOP_S = GRACE_S + 2.0
"""How long a stopping sweep waits for its worker processes before killing them."""


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM every worker process of `pool`, wait up to STOP_S for them to exit, SIGKILL the rest,
    then shut the pool down without waiting (its pending points are cancelled)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    with uninterrupted():  # a second Ctrl-C must not leave the workers running
        for proc in procs:
            if proc.is_alive():
                with contextlib.suppress(OSError):
                    os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_S
        for proc in procs:
            proc.join(max(deadline - time.monotonic(), 0.0))
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)
        pool.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def held_stop_signals():
    """Block SIGINT and SIGTERM in this thread inside the block; a signal that arrives meanwhile is
    delivered when it ends. Worker processes started inside inherit the block (the signal mask
    survives exec) and lift it once their handlers are set (`worker.init_process`): a Ctrl-C while a
    worker is still starting waits for it instead of breaking its start-up with a traceback, and the
    parent never stops half-way through writing a worker's start-up data."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        with uninterrupted():
            yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        with uninterrupted():  # another thread (the progress bar's) may still take the signal
            yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class LocalExecutor:
    """`workers` points at a time: in this process when 1, else in a pool of spawned processes."""

    def __init__(self, workers: int = 1):
        self.workers = workers

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def slots(self) -> int:
        """Points that can run at once."""
        return self.workers

    def run(self, points: list[tuple[str, Workload, Path]], data_dir: str | None) -> Iterator[tuple[tuple, dict]]:
        """Run `points` (key, workload, run folder), started in this order; yield every point with its
        record as it finishes. In this process the points share the datasets they load (`data.reusing`)."""
        if self.workers == 1 or len(points) <= 1:
            with data.reusing():
                for point in points:
                    key, wl, run_dir = point
                    yield point, run_point(key, wl, str(run_dir), data_dir)
            return
        warm_numba()
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(points)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_process,
            initargs=(os.getpid(),),
        )
        try:
            with held_stop_signals():  # the workers start with them held too (see `held_stop_signals`)
                futures = {
                    pool.submit(pool_point, key, wl, str(run_dir), data_dir): (key, wl, run_dir)
                    for key, wl, run_dir in points
                }
            for fut in as_completed(futures):
                try:
                    rec = fut.result()
                except Exception as exc:  # the worker process itself died (e.g. killed, out of memory)
                    rec = {
                        "key": futures[fut][0],
                        "status": "failed",
                        "error": f"worker process failed: {type(exc).__name__}: {one_line(exc)}",
                        "traceback": "".join(traceback.format_exception(exc)),
                        "wall_s": None,
                    }
                yield futures[fut], rec
        except BaseException:  # including GeneratorExit: the sweep stopped early
            stop_workers(pool)
            raise
        pool.shutdown(wait=True)
