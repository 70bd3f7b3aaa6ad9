"""Sweeps: many workloads (points) run as independent processes, each result kept as it finishes.

Every finished point is written atomically to `<out>/points/<key>.json` (and its run folder to
`<out>/runs/<key>/`), so an interrupted sweep resumes where it stopped, and `<out>/table.csv` /
`table.json` summarise all points. The package: `spec` (sweep files, points and keys), `grid`
(helpers that build points), `worker` (one point), `local` and `cluster` (two executors of one
shape: local processes, a Dask cluster), `table` (the summary), and `run_sweep` here.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from cyclesim.errors import ConfigError, one_line, uninterrupted
from cyclesim.report import files
from cyclesim.sweep.local import LocalExecutor
from cyclesim.sweep.spec import Sweep, config_hash, load_sweep, point_key, seed_values
from cyclesim.sweep.table import TABLE_RESULTS, flatten_config, load_table, read_point, table_rows, write_table

__all__ = [
    "TABLE_RESULTS",
    "Sweep",
    "SweepProgress",
    "SweepSummary",
    "config_hash",
    "flatten_config",
    "load_sweep",
    "load_table",
    "point_key",
    "run_sweep",
    "seed_values",
    "table_rows",
    "write_table",
]


@attrs.frozen
class SweepProgress:
    """Where a running sweep stands: `finished` counts every point with a result (including the
    `skipped` ones, complete before this run, and the `failed` ones); `running` those being computed."""

    total: int
    skipped: int
    finished: int
    running: int
    failed: int


@attrs.frozen
class SweepSummary:
    """Counts of one `run_sweep`: total points, done (complete now), skipped (already complete), failed."""

    total: int
    done: int
    skipped: int
    failed: int
    out_dir: Path

    @property
    def ok(self) -> bool:
        return self.failed == 0


def _executor(workers: int, scheduler: str | None):
    """The executor for `--workers` / `--scheduler` (Dask is imported only when a scheduler is given)."""
    if scheduler is None:
        return LocalExecutor(workers)
    try:
        from cyclesim.sweep.cluster import DaskExecutor
    except ModuleNotFoundError as exc:
        if exc.name not in ("dask", "distributed"):
            raise
        raise ConfigError("--scheduler needs Dask's distributed package: pip install 'cyclesim[dask]'") from None
    return DaskExecutor(scheduler)


def _check_portable(points: list) -> None:
    """ConfigError unless every point can be sent to another process (a rule class defined in the
    sweep file itself cannot: pickle finds classes by module)."""
    for key, wl in points:
        try:
            pickle.dumps(wl)
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise ConfigError(
                f"point {key}: its workload cannot be sent to worker processes ({one_line(exc)}); a rule "
                f"defined in the sweep or workload file runs with --workers 1, or move it into an importable module"
            ) from None


def run_sweep(
    sweep: Sweep,
    out_dir: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    data_dir: str | None = None,
    overrides: Iterable[str] = (),
    progress: Callable[[SweepProgress], None] | None = None,
) -> SweepSummary:
    """Run every point not already complete in `out_dir/points/`, then write table.csv/table.json.

    `overrides` are `--set` assignments applied to every point (validated before any work starts).
    workers == 1 runs the points in this process; more use a spawn ProcessPoolExecutor. `scheduler`,
    a Dask scheduler address, runs them on that cluster instead (see cyclesim.sweep.cluster). Each record is
    written as its point finishes; `progress` is called with the counts at the start and after each.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers must be a positive integer, got {workers!r}")
    if scheduler is not None and workers != 1:
        raise ConfigError(
            "--workers is for local processes; with a Dask scheduler (--scheduler or "
            "$CYCLESIM_SCHEDULER) the cluster's workers run the points"
        )
    sweep = sweep.with_overrides(overrides)
    out_dir = Path(out_dir)
    points_dir = out_dir / "points"
    files.check_folder(out_dir, "--out")  # before any work; made once the executor is ready
    todo, skipped = [], 0
    for key, wl in sweep.points:
        rec = read_point(points_dir / f"{key}.json")
        if rec is not None and rec.get("status") == "complete":
            skipped += 1
        else:
            todo.append((key, wl))
    total = len(sweep.points)
    done = failed = 0

    if todo and (workers > 1 or scheduler is not None):
        _check_portable(todo)
    with contextlib.ExitStack() as stack:
        executor = stack.enter_context(_executor(workers, scheduler if todo else None))
        # Every output folder is made and test-written before any point runs; temporary files of a
        # sweep killed while writing (SIGKILL) are removed.
        for folder in (out_dir, points_dir, out_dir / "runs"):
            files.make_folder(folder, "--out")
        files.remove_stale(out_dir, ("table.csv", "table.json"), temporaries_only=True)
        files.remove_stale(points_dir, [f"{key}.json" for key, _wl in sweep.points], temporaries_only=True)
        records = executor.run(todo, out_dir / "runs", data_dir)
        stack.enter_context(contextlib.closing(records))

        def report() -> None:
            if progress is not None:
                left = len(todo) - done - failed
                progress(
                    SweepProgress(
                        total=total,
                        skipped=skipped,
                        finished=skipped + done + failed,
                        running=min(executor.slots(), left) if left else 0,
                        failed=failed,
                    )
                )

        report()
        for rec in records:
            with uninterrupted():  # a point's run folder and record are written together
                remote = rec.pop("files", None)  # a remote worker's run folder
                if remote is not None:
                    run_dir = files.make_folder(out_dir / "runs" / rec["key"], "--out")
                    files.remove_stale(run_dir, files.RUN_FILES)
                    for name, text in remote.items():
                        files.write_atomic(run_dir / name, text)
                files.write_json(points_dir / f"{rec['key']}.json", rec, indent=1)
            if rec["status"] == "complete":
                done += 1
            else:
                failed += 1
            report()

    write_table(sweep, out_dir)
    return SweepSummary(total=total, done=done, skipped=skipped, failed=failed, out_dir=out_dir)
