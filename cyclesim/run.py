"""One workload end to end: load data, train through the crossbar model, write results.

Results are written after every epoch (temp file + rename), so an interrupted or failed run keeps
every epoch it completed. BLAS is pinned to one thread around training: it is faster on this
class of machine for these matrix sizes and makes every float sum reproducible.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Callable

import attrs
import numpy as np
from threadpoolctl import threadpool_limits

import cyclesim
from cyclesim import data
from cyclesim.config import Workload, to_dict
from cyclesim.engine import schedule
from cyclesim.errors import ConfigError
from cyclesim.hw import area as area_mod
from cyclesim.hw import floorplan as floorplan_mod
from cyclesim.learn.train import EpochStats, Trainer


@attrs.define
class Result:
    """What a run produced so far; `to_json` is the results.json document (DESIGN.md section 6)."""

    workload: Workload
    epochs: list = attrs.field(factory=list)  # EpochStats
    status: str = "running"  # running | complete | interrupted | failed
    error: str | None = None
    wall_s: float = 0.0
    out_dir: Path | None = None
    data_source: str = ""
    floorplan: floorplan_mod.Floorplan | None = None
    area: area_mod.AreaReport | None = None
    simulated: list = attrs.field(factory=list)  # schedule.IterationResult per simulated iteration
    batches_per_epoch: int = 0
    engine_note: str | None = None

    def latency(self) -> dict | None:
        """Mean simulated iteration, extrapolated to an epoch (DESIGN.md section 6)."""
        if not self.simulated:
            return None
        n = len(self.simulated)
        clk = self.simulated[0].clock_hz
        cycles = sum(r.cycles for r in self.simulated) / n
        shares = [r.phase_time() for r in self.simulated]
        phases = {p: sum(s[p] for s in shares) / n / clk for p in ("fw", "ag", "wg", "wu", "idle")}
        return {
            "iteration_s": cycles / clk,
            "iteration_cycles": cycles,
            "epoch_s": cycles / clk * self.batches_per_epoch,
            "per_phase_s": phases,
            "per_layer": self.simulated[-1].per_layer(),
            "simulated_iterations": n,
            "events_per_iteration": sum(r.events for r in self.simulated) / n,
        }

    def energy(self) -> dict | None:
        if not self.simulated:
            return None
        n = len(self.simulated)
        per_comp: dict = {}
        per_phase: dict = {}
        for r in self.simulated:
            for k, v in r.probe.energy_by_component().items():
                per_comp[k] = per_comp.get(k, 0.0) + v / n
            for k, v in r.probe.energy_by_phase().items():
                per_phase[k] = per_phase.get(k, 0.0) + v / n
        dynamic = sum(per_comp.values())
        leak = sum(r.leakage_w * r.seconds for r in self.simulated) / n
        return {
            "iteration_j": dynamic + leak,
            "epoch_j": (dynamic + leak) * self.batches_per_epoch,
            "leakage_j": leak,
            "per_phase_j": per_phase,
            "per_component_j": per_comp,
        }

    def __rich__(self):
        """The run's report as rich renderables (built by cyclesim.report.console)."""
        from cyclesim.report import (
            console,  # the report layer; the core itself never imports rich
        )

        return console.render_result(self)

    def contention(self) -> list | None:
        if not self.simulated:
            return None
        last = self.simulated[-1]
        rows = last.probe.contention(last.cycles)
        return sorted(rows, key=lambda r: -r["utilization"])

    @property
    def seed(self) -> int:
        return self.workload.training.seed

    def accuracy(self) -> dict:
        test = [e.test_accuracy for e in self.epochs]
        return {
            "train": [e.train_accuracy for e in self.epochs],
            "test": test,
            "final_test": test[-1] if test else None,
        }

    def to_json(self) -> dict:
        return {
            "cyclesim_version": cyclesim.__version__,
            "status": self.status,
            "error": self.error,
            "config": to_dict(self.workload),
            "seed": self.seed,
            "dataset_source": self.data_source,
            "accuracy": self.accuracy(),
            "floorplan": self.floorplan.to_json() if self.floorplan is not None else None,
            "area": self.area.to_json() if self.area is not None else None,
            "latency": self.latency(),
            "energy": self.energy(),
            "contention": self.contention(),
            "engine_note": self.engine_note,
            "epochs": [attrs.asdict(e) for e in self.epochs],
            "wall_s": self.wall_s,
            "environment": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "platform": platform.platform(),
            },
        }


def write_atomic(path: Path, text: str) -> None:
    """Write text to `path` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; results are ordinary readable files
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def epochs_csv(epochs: list[EpochStats]) -> str:
    """epochs.csv: one row per completed epoch."""
    buf = io.StringIO()
    names = [f.name for f in attrs.fields(EpochStats)]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for e in epochs:
        w.writerow([getattr(e, n) for n in names])
    return buf.getvalue()


def layers_csv(result) -> str:
    """layers.csv: per layer (1-based), the busy cycles of its resources in each phase."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["layer", "fw_cycles", "ag_cycles", "wg_cycles", "wu_cycles"])
    for row in result.per_layer():
        w.writerow([row["layer"], row["fw"], row["ag"], row["wg"], row["wu"]])
    return buf.getvalue()


def save(result: Result) -> None:
    """Write results.json and epochs.csv for what the run has completed."""
    if result.out_dir is None:
        return
    write_atomic(result.out_dir / "results.json", json.dumps(result.to_json(), indent=2) + "\n")
    write_atomic(result.out_dir / "epochs.csv", epochs_csv(result.epochs))
    if result.simulated:
        write_atomic(result.out_dir / "layers.csv", layers_csv(result.simulated[-1]))


def default_out_dir(workload: Workload) -> Path:
    return Path("runs") / f"{workload.name}-{time.strftime('%Y%m%d-%H%M%S')}"


def _engine_applies(workload: Workload) -> bool:
    return (workload.mode == "hardware" and workload.effects.adc and workload.sim.iterations_per_epoch > 0)


def run(
    workload: Workload,
    *,
    out_dir: Path | None = None,
    data_dir: str | None = None,
    on_epoch: Callable[[EpochStats], None] | None = None,
    on_batch: Callable[[int, int, int], None] | None = None,
    on_simulated: Callable[[schedule.IterationResult], None] | None = None,
) -> Result:
    """Train `workload`, writing results under `out_dir` after every epoch.

    The first `sim.iterations_per_epoch` iterations of every epoch are recorded and replayed by the
    event-driven engine (with `training.epochs=0`, one iteration on the first batch).
    KeyboardInterrupt ends the run cleanly: the completed epochs stay written and status says
    "interrupted" (the exception is re-raised for the caller to report).
    """
    t0 = time.perf_counter()
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out {out_dir}: cannot create this folder ({exc.strerror})") from None
    fp = floorplan_mod.plan(workload)
    result = Result(workload=workload, out_dir=out_dir, floorplan=fp, area=area_mod.chip_area(workload, fp))
    dataset = data.load(workload.dataset, data_dir, seed=workload.training.seed)
    result.data_source = dataset.source
    seeds = np.random.SeedSequence(workload.training.seed)
    try:
        # Overflow on the way to a divergence is detected and reported as DivergenceError.
        with threadpool_limits(limits=1), np.errstate(over="ignore", invalid="ignore"):
            trainer = Trainer(workload, dataset, seeds)
            result.batches_per_epoch = trainer.batches_per_epoch
            engine = _engine_applies(workload)
            result.engine_note = None if engine else (
                "latency and energy come from replaying hardware-mode iterations with ADCs; "
                "run with mode=hardware, effects.adc=true and sim.iterations_per_epoch >= 1"
            )

            def simulate(traces):
                for tr in traces:
                    sim = schedule.simulate(workload, fp, trainer.net, tr)
                    result.simulated.append(sim)
                    if on_simulated is not None:
                        on_simulated(sim)

            record = range(workload.sim.iterations_per_epoch if engine else 0)
            if workload.training.epochs == 0 and engine:
                simulate([trainer.trace_first_batch()])
            for epoch in range(1, workload.training.epochs + 1):
                batch_cb = (lambda i, n, _e=epoch: on_batch(_e, i, n)) if on_batch else None
                stats, traces = trainer.run_epoch(epoch, record, batch_cb)
                simulate(traces)
                result.epochs.append(stats)
                result.wall_s = time.perf_counter() - t0
                save(result)
                if on_epoch is not None:
                    on_epoch(stats)
        result.status = "complete"
    except KeyboardInterrupt:
        result.status = "interrupted"
        raise
    except Exception as exc:
        result.status = "failed"
        result.error = str(exc)
        raise
    finally:
        result.wall_s = time.perf_counter() - t0
        save(result)
    return result
