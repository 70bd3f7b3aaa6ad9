"""What a run produced: accuracy per epoch, the floorplan and area, and the simulated iterations.

A `Result` grows while its workload trains (one `EpochStats` per completed epoch, one engine
`IterationResult` per simulated iteration) and derives every reported figure from those records:
latency and energy are the mean of the simulated iterations, extrapolated to an epoch. `to_json` is
the results.json document (README, "results.json reference").
"""

from __future__ import annotations

import platform

import attrs
import numpy as np

from cyclesim.config import Workload, to_dict
from cyclesim.hw import area as area_mod
from cyclesim.hw import floorplan as floorplan_mod
from cyclesim.terms import IDLE, PHASES
from cyclesim.version import __version__


@attrs.define
class Result:
    """What a run produced so far; `to_json` is the results.json document."""

    workload: Workload
    epochs: list = attrs.field(factory=list)  # EpochStats
    status: str = "running"  # running | complete | interrupted | failed
    error: str | None = None
    wall_s: float = 0.0
    data_source: str = ""
    floorplan: floorplan_mod.Floorplan | None = None
    area: area_mod.AreaReport | None = None
    simulated: list = attrs.field(factory=list)  # schedule.IterationResult per simulated iteration
    batches_per_epoch: int = 0
    engine_note: str | None = None

    def latency(self) -> dict | None:
        """Mean simulated iteration, extrapolated to an epoch: epoch_s = iteration_s x batches per epoch."""
        if not self.simulated:
            return None
        n = len(self.simulated)
        clk = self.simulated[0].clock_hz
        cycles = sum(r.cycles for r in self.simulated) / n
        shares = [r.phase_time() for r in self.simulated]
        phases = {p: sum(s[p] for s in shares) / n / clk for p in (*PHASES, IDLE)}
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
            "cyclesim_version": __version__,
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
