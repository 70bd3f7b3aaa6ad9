"""Sweep points on a Dask `distributed` cluster (`python -m cyclesim sweep FILE --scheduler ADDRESS`).

Every pending point becomes one task, prioritised in the order given (the longest first); its record
streams back to the client as it finishes. A task carries the point's configuration (a Workload),
never arrays: the worker loads the dataset from its own data folder ($CYCLESIM_DATA), runs the point
in a temporary folder and returns that folder's files with the record. Each worker is set up as it
joins (`WorkerSetup`): numba's cache warmed, one worker per host at a time so no two compile into the
same cache, glibc's large-allocation threshold restored after Dask's nanny froze it
(`heap_for_large_arrays`), and its points sharing the datasets they load (`data.reusing`). A task
whose worker dies is rerun on another worker by the scheduler (up to its
`distributed.scheduler.allowed-failures`). `DaskExecutor` has the shape of `local.LocalExecutor`.
Imported only when a scheduler is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import os
import socket
import tempfile
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import distributed

from cyclesim import data
from cyclesim.config import Workload
from cyclesim.errors import ConfigError, one_line
from cyclesim.sweep.worker import run_point, warm_numba
from cyclesim.version import __version__

CONNECT_TIMEOUT_S = 5
"""How long `connect` waits for the scheduler to answer."""

M_MMAP_THRESHOLD = -3
"""glibc's mallopt parameter number for the size from which malloc maps memory instead of using the heap."""


def connect(address: str) -> distributed.Client:
    """A client of the Dask scheduler at `address`; ConfigError (one line) when the address is malformed
    or no scheduler answers within CONNECT_TIMEOUT_S."""
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError) as exc:
        problem = one_line(exc)
    # Close the half-built Client now, while its event loop still runs: left to the interpreter's
    # exit, its close would wait twice the timeout and print a traceback.
    gc.collect()
    raise ConfigError(f"--scheduler {address}: cannot reach a Dask scheduler there ({problem})")


def heap_for_large_arrays() -> None:
    """Let glibc serve large allocations from the heap again in a worker started by Dask's nanny.

    The nanny sets MALLOC_TRIM_THRESHOLD_, and any such setting also freezes glibc's mmap threshold
    at 128 KiB: every larger numpy temporary becomes a fresh mmap whose pages fault in zeroed, which
    made points run twice as slow. Set the threshold to 32 MiB, the ceiling glibc's own adaptive
    threshold grows to on 64-bit; trimming stays as Dask asked.
    """
    if not os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: the variable means nothing there
        return
    libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)


class WorkerSetup(distributed.WorkerPlugin):
    """Prepare every worker as it joins: `heap_for_large_arrays`, datasets reused by its points until it
    leaves (`data.reusing`), then compile (or load from numba's cache) every kernel holding a
    cluster-wide lock per host, so the first worker of a host compiles into the cache and the others
    only load it. Registered once per scheduler (idempotent)."""

    name = "cyclesim-worker-setup"
    idempotent = True

    async def setup(self, worker: distributed.Worker) -> None:
        heap_for_large_arrays()
        self.datasets = contextlib.ExitStack()
        self.datasets.enter_context(data.reusing())
        lock = await distributed.Semaphore(
            max_leases=1,
            name=f"cyclesim-warm-numba-{socket.gethostname()}",
            scheduler_rpc=worker.scheduler,
            loop=worker.loop,
        )
        async with lock:
            await asyncio.to_thread(warm_numba)

    def teardown(self, worker: distributed.Worker) -> None:
        self.datasets.close()


def slots(client: distributed.Client) -> int:
    """Points the cluster can run at once: the threads of its workers."""
    return sum(client.nthreads().values())


def worker_point(key: str, workload: Workload, data_dir: str | None, version: str) -> dict:
    """Run one point on this worker (see `run_point`); the record names the worker (in `error` too,
    when the point failed) and carries the files of the point's run folder under `files`."""
    where = f"worker {distributed.get_worker().address} ({socket.gethostname()})"
    if version != __version__:
        record = {
            "key": key,
            "status": "failed",
            "traceback": None,
            "wall_s": None,
            "error": f"cyclesim {__version__} is installed there but the client runs "
            f"{version}; install the same version on every worker",
        }
    else:
        with tempfile.TemporaryDirectory(prefix="cyclesim-point-") as tmp:
            record = run_point(key, workload, tmp, data_dir)
            record["files"] = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(tmp).iterdir())}
    record["worker"] = where
    if record["status"] == "failed":
        record["error"] = f"{where}: {record['error']}"
    return record


def run_points(
    client: distributed.Client, points: list[tuple[str, Workload, Path]], data_dir: str | None
) -> Iterator[tuple[tuple, dict]]:
    """Set the workers up (ConfigError if they cannot load cyclesim), submit every point (key,
    workload, run folder) as one task, the first the most urgent, and yield each point with its record
    as it finishes (once per point). A task the cluster could not run (e.g. its workers kept dying)
    yields a failed record; closing the generator early cancels the tasks not yet finished."""
    try:
        client.register_plugin(WorkerSetup())
    except Exception as exc:  # e.g. a worker without cyclesim cannot even load the plugin
        raise ConfigError(
            f"the cluster's workers cannot set up cyclesim ({one_line(exc)}); install it, "
            f"version {__version__} as here, on every worker"
        ) from None
    run = uuid.uuid4().hex[:8]  # task keys distinct from any earlier run; `i` between two sweeps' equal keys
    pending = {}
    for i, point in enumerate(points):  # Dask starts the highest priority first
        key, wl, _run_dir = point
        fut = client.submit(worker_point, key, wl, data_dir, __version__, key=f"cyclesim-{key}-{run}-{i}", priority=-i)
        pending[fut] = point
    try:
        for fut in distributed.as_completed(list(pending), loop=client.loop):
            point = pending.pop(fut)
            try:
                record = fut.result()
            except Exception as exc:
                record = {
                    "key": point[0],
                    "status": "failed",
                    "wall_s": None,
                    "error": f"the cluster could not run this point: {type(exc).__name__}: {one_line(exc)}",
                    "traceback": "".join(traceback.format_exception(exc)),
                }
            fut.release()
            yield point, record
    finally:
        if pending:
            client.cancel(list(pending))


class DaskExecutor:
    """Points as tasks on the Dask cluster whose scheduler is at `address` (connected on `__enter__`)."""

    def __init__(self, address: str):
        self.address = address
        self.client: distributed.Client | None = None

    def __enter__(self) -> DaskExecutor:
        self.client = connect(self.address)
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()

    def slots(self) -> int:
        """Points the cluster can run at once: the threads of its workers."""
        return slots(self.client)

    def run(self, points: list[tuple[str, Workload, Path]], data_dir: str | None) -> Iterator[tuple[tuple, dict]]:
        """Run `points` (key, workload, run folder) on the cluster; yield every point with its record
        (carrying its run folder's files) as it finishes. The caller writes those files into the run
        folder; workers use temporary folders."""
        return run_points(self.client, points, data_dir)
