"""Sweeps: many workloads (points) run as independent processes, each result kept as it finishes.

A sweep file is plain Python defining `points` (Workloads built with `attrs.evolve`) and optionally
`seeds` and `name`; every finished point is written atomically to `<out>/points/<key>.json`, so an
interrupted sweep resumes where it stopped, and `<out>/table.csv` / `table.json` summarise all points.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import attrs
import numpy as np

from cyclesim import config
from cyclesim import workload as workload_file
from cyclesim.config import Workload
from cyclesim.errors import ConfigError, UserError, one_line

TABLE_RESULTS = (
    "seed",
    "final_test",
    "area_total_um2",
    "iteration_latency_s",
    "epoch_latency_s",
    "iteration_energy_j",
    "wall_s",
    "error",
)
"""Result columns of table.csv / table.json, after `key`, `status` and the flattened config."""


@attrs.frozen
class Sweep:
    """A loaded sweep: its name and the expanded points as (key, Workload), in run order."""

    name: str
    points: list = attrs.field(converter=list)  # list[tuple[str, Workload]]

    def with_overrides(self, overrides: Iterable[str]) -> Sweep:
        """Every point with `--set` assignments applied (and re-keyed: the key hashes the config)."""
        overrides = list(overrides)
        if not overrides:
            return self
        out = []
        for key, wl in self.points:
            wl = workload_file.apply(wl, overrides)
            out.append((_rekey(key, wl), wl))
        return Sweep(name=self.name, points=out)


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


# ----------------------------------------------------------------------------------------------
# Loading


def config_hash(wl: Workload) -> str:
    """8 hex digits of sha256 over the workload's canonical JSON (sorted keys)."""
    text = json.dumps(config.to_dict(wl), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def point_key(index: int, seed_index: int, wl: Workload) -> str:
    """`p<index>-s<seed index>-<config hash>`, e.g. `p003-s0-1a2b3c4d`: stable and filesystem-safe."""
    return f"p{index:03d}-s{seed_index}-{config_hash(wl)}"


def _rekey(key: str, wl: Workload) -> str:
    return key.rsplit("-", 1)[0] + "-" + config_hash(wl)


def seed_values(n: int, root: int = 0) -> list[int]:
    """The `n` training seeds of a sweep: child j of `numpy.random.SeedSequence(root).spawn(n)`
    turned into an int as `int(child.generate_state(1)[0])` (a uint32; child j does not depend on n)."""
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(root).spawn(n)]


def load_sweep(path: str | Path, *, seed: int | None = None) -> Sweep:
    """Run a sweep file and expand its points: every point once per seed (see `seed_values`), with
    `training.seed` set to that seed; root seed `seed` (default 0). Raises ConfigError (one line)
    for a missing or broken file, a missing/empty `points`, a non-Workload point or bad `seeds`."""
    path = Path(path)
    ns = workload_file.run_file(path, "sweep")
    if "points" not in ns:
        raise ConfigError(f"{path} does not define `points`; add `points = [attrs.evolve(base, ...), ...]`")
    try:
        points = list(ns["points"])
    except TypeError:
        raise ConfigError(f"{path}: `points` must be a list of Workloads, got {type(ns['points']).__name__}") from None
    if not points:
        raise ConfigError(f"{path}: `points` is empty")
    for i, wl in enumerate(points):
        if not isinstance(wl, Workload):
            raise ConfigError(f"{path}: points[{i}] must be a cyclesim.Workload, got {type(wl).__name__}")
    seeds = ns.get("seeds", 1)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ConfigError(f"{path}: `seeds` must be a positive integer, got {seeds!r}")
    root = 0 if seed is None else seed
    if isinstance(root, bool) or not isinstance(root, int) or root < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {root!r}")
    name = ns.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: `name` must be a non-empty string, got {name!r}")
    values = seed_values(seeds, root)
    expanded = []
    for i, wl in enumerate(points):
        for j, s in enumerate(values):
            w = attrs.evolve(wl, training=attrs.evolve(wl.training, seed=s))
            expanded.append((point_key(i, j, w), w))
    return Sweep(name=name.strip(), points=expanded)


# ----------------------------------------------------------------------------------------------
# Running


def run_point(key: str, workload: Workload, run_dir: str, data_dir: str | None) -> dict:
    """Run one point (in a worker process or in-process) and return its point record; never raises
    for a failing point (except KeyboardInterrupt): the error and traceback go into the record."""
    from threadpoolctl import threadpool_limits

    from cyclesim import run as run_mod

    t0 = time.perf_counter()
    record = {"key": key, "config": config.to_dict(workload)}
    try:
        with threadpool_limits(limits=1):
            result = run_mod.run(workload, out_dir=Path(run_dir), data_dir=data_dir)
        record.update(status="complete", results=result.to_json())
    except Exception as exc:
        msg = one_line(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {one_line(exc)}"
        record.update(status="failed", error=msg or type(exc).__name__, traceback=traceback.format_exc())
    record["wall_s"] = time.perf_counter() - t0
    return record


def warm_numba() -> None:
    """Compile (or load from numba's cache) every kernel once, so parallel workers don't all compile."""
    from cyclesim import run as run_mod
    from cyclesim.config import Network, Training

    wl = Workload(name="warm", network=Network(sizes=(784, 16, 10)), dataset="synthetic", mode="hardware",
                  training=Training(epochs=1, batch_size=50, train_limit=50, test_limit=50))
    try:
        run_mod.run(wl)
    except Exception:  # a warm-up problem is not the sweep's problem; the points will report theirs
        pass


def _read_point(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _local_points(points: list[tuple[str, Workload]], runs_dir: Path, workers: int,
                  data_dir: str | None) -> Iterator[dict]:
    """Run `points` in this process (workers == 1) or a spawn process pool; yield records as they finish."""
    args = [(key, wl, str(runs_dir / key), data_dir) for key, wl in points]
    if workers == 1 or len(args) <= 1:
        for a in args:
            yield run_point(*a)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    warm_numba()
    pool = ProcessPoolExecutor(max_workers=min(workers, len(args)), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(run_point, *a): a[0] for a in args}
        for fut in as_completed(futures):
            try:
                rec = fut.result()
            except Exception as exc:  # the worker process itself died (e.g. killed, out of memory)
                rec = {"key": futures[fut], "status": "failed",
                       "error": f"worker process failed: {type(exc).__name__}: {one_line(exc)}",
                       "traceback": "".join(traceback.format_exception(exc)), "wall_s": None}
            yield rec
    except BaseException:  # including GeneratorExit: the sweep stopped early
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _cluster_module():
    try:
        from cyclesim import cluster
    except ModuleNotFoundError as exc:
        if exc.name not in ("dask", "distributed"):
            raise
        raise ConfigError("--scheduler needs Dask's distributed package: pip install 'cyclesim[dask]'") from None
    return cluster


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
    a Dask scheduler address, runs them on that cluster instead (see cyclesim.cluster). Each record is
    written as its point finishes; `progress` is called with the counts at the start and after each.
    """
    from cyclesim.run import write_atomic

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers must be a positive integer, got {workers!r}")
    if scheduler is not None and workers != 1:
        raise ConfigError("--workers is for local processes; with a Dask scheduler (--scheduler or "
                          "$CYCLESIM_SCHEDULER) the cluster's workers run the points")
    sweep = sweep.with_overrides(overrides)
    out_dir = Path(out_dir)
    points_dir = out_dir / "points"
    todo, skipped = [], 0
    for key, wl in sweep.points:
        rec = _read_point(points_dir / f"{key}.json")
        if rec is not None and rec.get("status") == "complete":
            skipped += 1
        else:
            todo.append((key, wl))
    total = len(sweep.points)
    done = failed = 0

    with contextlib.ExitStack() as stack:
        if scheduler is not None and todo:
            cluster = _cluster_module()
            client = stack.enter_context(cluster.connect(scheduler))

            def slots() -> int:
                return cluster.slots(client)

            records = cluster.run_points(client, todo, data_dir)
        else:
            def slots() -> int:
                return workers

            records = _local_points(todo, out_dir / "runs", workers, data_dir)
        stack.enter_context(contextlib.closing(records))
        try:
            points_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out {out_dir}: cannot create this folder ({exc.strerror})") from None

        def report() -> None:
            if progress is not None:
                left = len(todo) - done - failed
                progress(SweepProgress(total=total, skipped=skipped, finished=skipped + done + failed,
                                       running=min(slots(), left) if left else 0, failed=failed))

        report()
        for rec in records:
            for name, text in rec.pop("files", {}).items():  # a remote worker's run folder
                write_atomic(out_dir / "runs" / rec["key"] / name, text)
            write_atomic(points_dir / f"{rec['key']}.json", json.dumps(rec, indent=1) + "\n")
            if rec["status"] == "complete":
                done += 1
            else:
                failed += 1
            report()

    write_table(sweep, out_dir)
    return SweepSummary(total=total, done=done, skipped=skipped, failed=failed, out_dir=out_dir)


# ----------------------------------------------------------------------------------------------
# Table


def flatten_config(wl: Workload) -> dict:
    """Every scalar config field as `section.field` (top-level fields by name); tuples joined with "-"."""
    out = {}

    def walk(prefix: str, d: dict) -> None:
        for k, v in d.items():
            name = f"{prefix}{k}"
            if isinstance(v, dict):
                walk(name + ".", v)
            elif isinstance(v, list):
                out[name] = "-".join(str(x) for x in v)
            else:
                out[name] = v

    walk("", config.to_dict(wl))
    return out


def _get(doc, *path):
    for p in path:
        if not isinstance(doc, dict) or doc.get(p) is None:
            return None
        doc = doc[p]
    return doc


def table_rows(sweep: Sweep, out_dir: str | Path) -> list[dict]:
    """One row per point of `sweep`, from its point file (status "missing" if it has none)."""
    points_dir = Path(out_dir) / "points"
    rows = []
    for key, wl in sweep.points:
        rec = _read_point(points_dir / f"{key}.json") or {"status": "missing"}
        res = rec.get("results") or {}
        row = {"key": key, "status": rec.get("status", "missing")}
        row.update(flatten_config(wl))
        row.update({
            "seed": wl.training.seed,
            "final_test": _get(res, "accuracy", "final_test"),
            "area_total_um2": _get(res, "area", "total_um2"),
            "iteration_latency_s": _get(res, "latency", "iteration_s"),
            "epoch_latency_s": _get(res, "latency", "epoch_s"),
            "iteration_energy_j": _get(res, "energy", "iteration_j"),
            "wall_s": rec.get("wall_s"),
            "error": rec.get("error"),
        })
        rows.append(row)
    return rows


def write_table(sweep: Sweep, out_dir: str | Path) -> list[dict]:
    """Write `<out>/table.csv` and `<out>/table.json` (the same rows; None is an empty CSV cell)."""
    from cyclesim.run import write_atomic

    out_dir = Path(out_dir)
    rows = table_rows(sweep, out_dir)
    columns = list(rows[0]) if rows else ["key", "status", *TABLE_RESULTS]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", restval="")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    write_atomic(out_dir / "table.csv", buf.getvalue())
    write_atomic(out_dir / "table.json", json.dumps(rows, indent=1) + "\n")
    return rows


def load_table(out_dir: str | Path) -> list[dict]:
    """The rows of `<out>/table.json`."""
    path = Path(out_dir) / "table.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found; run the sweep first") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
