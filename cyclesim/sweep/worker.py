"""The work of one sweep point, wherever it runs (this process, a local worker process, a Dask worker).

`run_point` runs one workload into its own folder and returns the point's record (status, results
or error and traceback); it never raises for a failing point, so one bad point cannot stop a sweep.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from pathlib import Path

from threadpoolctl import threadpool_limits

from cyclesim import config, runner
from cyclesim.config import Network, Training, Workload
from cyclesim.errors import UserError, one_line
from cyclesim.report.files import RunFiles


def run_point(key: str, workload: Workload, run_dir: str, data_dir: str | None) -> dict:
    """Run one point (in a worker process or in-process) and return its point record; never raises
    for a failing point (except KeyboardInterrupt): the error and traceback go into the record."""
    t0 = time.perf_counter()
    record = {"key": key, "config": config.to_dict(workload)}
    try:
        with threadpool_limits(limits=1):
            result = runner.run(workload, data_dir=data_dir, observers=[RunFiles(Path(run_dir))])
        record.update(status="complete", results=result.to_json())
    except Exception as exc:
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
