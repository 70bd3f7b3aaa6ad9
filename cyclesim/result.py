"""What a run produced: accuracy per epoch, the floorplan and area, and the simulated iterations.

A `Result` grows while its workload trains (one `EpochStats` per completed epoch, one `Simulated`
summary per simulated iteration, and the last engine `IterationResult` whole) and derives every
reported figure from those records: latency and energy are the mean of the simulated iterations,
extrapolated to an epoch (and per epoch, so a run that simulates every iteration shows them change as
training converges), and the throughput / efficiency figures NeuroSim reports (`performance`) follow
from them. `to_json` is the
results.json document (README, "results.json reference").
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


@attrs.frozen
class Simulated:
    """What a `Result` keeps of one simulated iteration: the figures its means are taken over."""

    epoch: int  # 1-based (0: the iteration of a `training.epochs=0` run)
    cycles: int
    clock_hz: float
    seconds: float
    events: int
    leakage_w: float
    phase_time: dict  # phase -> cycles (IterationResult.phase_time)
    energy_by_component: dict  # joules
    energy_by_phase: dict  # joules
    energy_table: dict  # (category, phase) -> joules
    forward_s: float  # cycle 0 to the end of the last "fw" interval (`forward_end`)
    forward_dynamic_j: float  # energy charged in "fw", DRAM aside

    @classmethod
    def of(cls, epoch: int, it) -> Simulated:
        """The summary of engine `IterationResult` `it`."""
        probe = it.probe
        return cls(
            epoch=epoch,
            cycles=it.cycles,
            clock_hz=it.clock_hz,
            seconds=it.seconds,
            events=it.events,
            leakage_w=it.leakage_w,
            phase_time=it.phase_time(),
            energy_by_component=probe.energy_by_component(),
            energy_by_phase=probe.energy_by_phase(),
            energy_table=probe.energy_table(),
            forward_s=forward_end(it) / it.clock_hz,
            forward_dynamic_j=sum(
                j for (comp, phase), j in probe.energy_table().items() if phase == "fw" and comp != "dram"
            ),
        )

    @property
    def energy_j(self) -> float:
        """Dynamic plus leakage energy of the iteration."""
        return sum(self.energy_by_component.values()) + self.leakage_w * self.seconds


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
    simulated: list = attrs.field(factory=list)  # Simulated per simulated iteration
    last_iteration: object = None  # the last simulated iteration whole (engine IterationResult)
    batches_per_epoch: int = 0
    engine_note: str | None = None

    def add_simulated(self, epoch: int, it) -> None:
        """Record simulated iteration `it` (an engine IterationResult) of `epoch`."""
        self.simulated.append(Simulated.of(epoch, it))
        self.last_iteration = it

    def latency(self) -> dict | None:
        """Mean simulated iteration, extrapolated to an epoch: epoch_s = iteration_s x batches per epoch."""
        if not self.simulated:
            return None
        n = len(self.simulated)
        clk = self.simulated[0].clock_hz
        cycles = sum(r.cycles for r in self.simulated) / n
        shares = [r.phase_time for r in self.simulated]
        phases = {p: sum(s[p] for s in shares) / n / clk for p in (*PHASES, IDLE)}
        return {
            "iteration_s": cycles / clk,
            "iteration_cycles": cycles,
            "epoch_s": cycles / clk * self.batches_per_epoch,
            "per_phase_s": phases,
            "per_layer": self.last_iteration.per_layer(),
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
            for k, v in r.energy_by_component.items():
                per_comp[k] = per_comp.get(k, 0.0) + v / n
            for k, v in r.energy_by_phase.items():
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

    def macs_per_image(self) -> int:
        """Multiply-accumulates of one forward pass of one image: sum over layers of positions x fan_in x
        fan_out (a dense layer has one position)."""
        return self.workload.geometry.macs

    def performance(self) -> dict | None:
        """Throughput, energy efficiency and leakage power of the simulated iterations (means over
        them, as `latency` and `energy`), in the terms NeuroSim compares chips by.

        Operations are counted as NeuroSim counts them, 2 per multiply-accumulate (MAC) with
        MACs = sum over layers of fan_in x fan_out per image: a training image costs 6 x MACs (forward,
        activation gradient and weight gradient of every layer), an inference image 2 x MACs (forward
        only). NeuroSim's run A (784-256-256-10) reports 0.0185375 TOPS and 4.3501 s per epoch of
        50,000 images: 0.0185375e12 x 4.3501 = 6 x 268,800 x 50,000.

        - ``training_images_per_s``: batch size / mean iteration seconds.
        - ``inference_images_per_s``: batch size / mean forward seconds. The forward pass of an
          iteration lasts from cycle 0 to the end of its last busy interval of phase "fw" (the cycle
          the last layer's forward output and its write-back are done). This is not the equal-share
          ``phase_time()["fw"]``: that splits every cycle among the phases busy in it, so where other
          phases overlap the forward pass (DRTP learns during it) the forward pass would look shorter
          than the time a batch takes to get through the network.
        - ``training_tops_per_w``: (6 x MACs x batch) / iteration energy (dynamic + leakage, as
          `energy` sums it), in TOPS/W (= operations per picojoule).
        - ``inference_tops_per_w``: (2 x MACs x batch) / forward energy, where forward energy is the
          energy charged in phase "fw" except the DRAM component, plus leakage over the forward time.
          DRAM is left out, as NeuroSim's forward pass leaves it out: in training the forward pass
          reads the images from DRAM and keeps each hidden output there for the weight gradient.
        - ``ops_per_image_training``, ``ops_per_image_inference``: 6 x MACs and 2 x MACs.
        - ``forward_s``, ``forward_j``: the mean forward time and energy behind the inference figures.
        - ``leakage_w``: the chip's static power (mean over the simulated iterations).

        None when no iteration was simulated (as `latency`).
        """
        if not self.simulated:
            return None
        n = len(self.simulated)
        batch = self.workload.training.batch_size
        macs = self.macs_per_image()
        iteration_s = sum(r.seconds for r in self.simulated) / n
        iteration_j = self.energy()["iteration_j"]
        forward_s = forward_j = 0.0
        for r in self.simulated:
            forward_s += r.forward_s / n
            forward_j += (r.forward_dynamic_j + r.leakage_w * r.forward_s) / n
        return {
            "training_images_per_s": batch / iteration_s if iteration_s > 0 else None,
            "inference_images_per_s": batch / forward_s if forward_s > 0 else None,
            "training_tops_per_w": 6 * macs * batch / iteration_j / 1e12 if iteration_j > 0 else None,
            "inference_tops_per_w": 2 * macs * batch / forward_j / 1e12 if forward_j > 0 else None,
            "ops_per_image_training": 6 * macs,
            "ops_per_image_inference": 2 * macs,
            "forward_s": forward_s,
            "forward_j": forward_j,
            "leakage_w": sum(r.leakage_w for r in self.simulated) / n,
        }

    def contention(self) -> list | None:
        if not self.simulated:
            return None
        last = self.last_iteration
        rows = last.probe.contention(last.cycles)
        return sorted(rows, key=lambda r: -r["utilization"])

    @property
    def seed(self) -> int:
        return self.workload.training.seed

    def epoch_rows(self) -> list[dict]:
        """Per completed epoch its `EpochStats` and what the engine measured of it: the iterations
        simulated and their mean latency (s) and energy (J, dynamic + leakage); None where none was."""
        rows = []
        for e in self.epochs:
            sims = [r for r in self.simulated if r.epoch == e.epoch]
            n = len(sims)
            rows.append(
                {
                    **attrs.asdict(e),
                    "simulated_iterations": n,
                    "iteration_s": sum(r.seconds for r in sims) / n if n else None,
                    "iteration_j": sum(r.energy_j for r in sims) / n if n else None,
                }
            )
        return rows

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
            "performance": self.performance(),
            "contention": self.contention(),
            "engine_note": self.engine_note,
            "epochs": self.epoch_rows(),
            "wall_s": self.wall_s,
            "environment": {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "platform": platform.platform(),
            },
        }


def forward_end(iteration) -> int:
    """The cycle at which an iteration's forward pass is over: the end of its last busy interval of
    phase "fw" (0 when nothing was busy in "fw")."""
    return max((iv[1] for iv in iteration.probe.every_interval() if iv[2] == "fw"), default=0)
