"""Sweeps: many workloads (points) run as independent processes, each result kept as it finishes.

Every finished point is written atomically to `<out>/points/<key>.json` (and its run folder to
`<out>/runs/<key>/`), so an interrupted sweep resumes where it stopped, and `<out>/table.csv` /
`table.json` summarise all points. The package: `spec` (sweep files, points and keys), `grid`
(helpers that build points), `cost` (a point's estimated cost: the longest run first), `worker`
(one point), `local` and `cluster` (two executors of one shape: local processes, a Dask cluster),
`table` (the summary), and `run_sweep` / `run_sweeps` (several sweeps through one executor) here.
"""

from __future__ import annotations

import contextlib
import pickle
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import attrs

from cyclesim.errors import ConfigError, OutputError, one_line, shorten, uninterrupted
from cyclesim.report import files
from cyclesim.sweep.cost import longest_first
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
    "run_sweeps",
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
    """Counts of one sweep: total points, done (complete now), skipped (already complete), failed; and
    the parallel efficiency of the run that computed them (shared by the sweeps of one `run_sweeps`):

        efficiency = sum of the wall_s of the points run / (wall time of the run x slots)

    with slots the points the executor runs at once (`--workers`); None when no point ran."""

    total: int
    done: int
    skipped: int
    failed: int
    out_dir: Path
    efficiency: float | None = None

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
    for key, wl, _run_dir in points:
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
    a Dask scheduler address, runs them on that cluster instead (see cyclesim.sweep.cluster). The
    longest points start first (`cost.longest_first`). Each record is written as its point finishes;
    `progress` is called with the counts at the start and after each.
    """
    (summary,) = run_sweeps(
        [(sweep, out_dir)],
        workers=workers,
        scheduler=scheduler,
        data_dir=data_dir,
        overrides=overrides,
        progress=progress,
    )
    return summary


def run_sweeps(
    sweeps: Sequence[tuple[Sweep, str | Path]],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    data_dir: str | None = None,
    overrides: Iterable[str] = (),
    progress: Callable[[SweepProgress], None] | None = None,
) -> list[SweepSummary]:
    """`run_sweep` of several (sweep, out_dir) pairs through one executor: the points of all of them,
    longest first, so no worker idles at the end of one sweep while another has points left. Every
    sweep keeps its own folder (points, runs, table) exactly as `run_sweep` writes it; `progress`
    counts the points of all sweeps. Returns one summary per sweep, in order.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers must be a positive integer, got {workers!r}")
    if scheduler is not None and workers != 1:
        raise ConfigError(
            "--workers is for local processes; with a Dask scheduler (--scheduler or "
            "$CYCLESIM_SCHEDULER) the cluster's workers run the points"
        )
    overrides = list(overrides)
    runs = [(sweep.with_overrides(overrides), Path(out_dir)) for sweep, out_dir in sweeps]
    seen = set()
    for _sweep, out_dir in runs:
        files.check_folder(out_dir, "--out")  # before any work; made once the executor is ready
        if out_dir.resolve() in seen:
            raise OutputError(f"--out {shorten(out_dir, files.PATH_ECHO)}: two sweeps cannot share one folder")
        seen.add(out_dir.resolve())
    todo, owner, skipped = [], {}, [0] * len(runs)
    for i, (sweep, out_dir) in enumerate(runs):
        for key, wl in sweep.points:
            rec = read_point(out_dir / "points" / f"{key}.json")
            if rec is not None and rec.get("status") == "complete":
                skipped[i] += 1
            else:
                todo.append((key, wl, out_dir / "runs" / key))
                owner[out_dir / "runs" / key] = i
    todo = longest_first(todo)
    total = sum(len(sweep.points) for sweep, _out_dir in runs)
    done, failed = [0] * len(runs), [0] * len(runs)
    worker_s = 0.0

    if todo and (workers > 1 or scheduler is not None):
        _check_portable(todo)
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        executor = stack.enter_context(_executor(workers, scheduler if todo else None))
        slots = executor.slots()
        # Every output folder is made and test-written before any point runs; temporary files of a
        # sweep killed while writing (SIGKILL) are removed.
        for sweep, out_dir in runs:
            for folder in (out_dir, out_dir / "points", out_dir / "runs"):
                files.make_folder(folder, "--out")
            files.remove_stale(out_dir, ("table.csv", "table.json"), temporaries_only=True)
            keys = [f"{key}.json" for key, _wl in sweep.points]
            files.remove_stale(out_dir / "points", keys, temporaries_only=True)
        records = executor.run(todo, data_dir)
        stack.enter_context(contextlib.closing(records))

        def report() -> None:
            if progress is not None:
                left = len(todo) - sum(done) - sum(failed)
                progress(
                    SweepProgress(
                        total=total,
                        skipped=sum(skipped),
                        finished=sum(skipped) + sum(done) + sum(failed),
                        running=min(executor.slots(), left) if left else 0,
                        failed=sum(failed),
                    )
                )

        report()
        for (key, _wl, run_dir), rec in records:
            i = owner[run_dir]
            points_dir = runs[i][1] / "points"
            with uninterrupted():  # a point's run folder and record are written together
                remote = rec.pop("files", None)  # a remote worker's run folder
                if remote is not None:
                    files.make_folder(run_dir, "--out")
                    files.remove_stale(run_dir, files.RUN_FILES)
                    for name, text in remote.items():
                        files.write_atomic(run_dir / name, text)
                files.write_json(points_dir / f"{key}.json", rec, indent=1)
            if rec["status"] == "complete":
                done[i] += 1
            else:
                failed[i] += 1
            worker_s += rec.get("wall_s") or 0.0
            report()
        wall_s = time.perf_counter() - t0
        slots = max(slots, executor.slots())  # a cluster may have grown meanwhile

    efficiency = worker_s / (wall_s * slots) if todo and slots else None
    summaries = []
    for i, (sweep, out_dir) in enumerate(runs):
        write_table(sweep, out_dir)
        summaries.append(
            SweepSummary(
                total=len(sweep.points),
                done=done[i],
                skipped=skipped[i],
                failed=failed[i],
                out_dir=out_dir,
                efficiency=efficiency,
            )
        )
    return summaries
