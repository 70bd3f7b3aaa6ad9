"""One workload end to end: map and price the chip, load data, train, replay iterations in the engine.

`run` only orchestrates; whoever wants to see or keep the run passes `Observer`s (the CLI's progress
display, `report.files.RunFiles` writing results.json after every epoch, a notebook's callback).
BLAS is pinned to one thread around training: it is faster on this class of machine for these
matrix sizes and makes every float sum reproducible. Before any work, a run whose estimated peak
memory (`footprint`) exceeds the memory available is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
from threadpoolctl import threadpool_limits

from cyclesim import data, footprint
from cyclesim.config import Workload
from cyclesim.engine import schedule
from cyclesim.errors import interruption
from cyclesim.hw import area as area_mod
from cyclesim.hw import floorplan as floorplan_mod
from cyclesim.hw import inventory
from cyclesim.learn.train import EpochStats, Trainer, check_batch
from cyclesim.result import Result

ENGINE_NOTE = (
    "latency and energy come from replaying hardware-mode iterations with ADCs; "
    "run with mode=hardware, effects.adc=true and sim.iterations_per_epoch >= 1"
)


class Observer:
    """Receives a run's progress as it happens; subclasses override what they need (all no-ops here).

    `started` comes once the chip is mapped and the data loaded, `batch` after every training batch,
    `simulated` after every iteration the engine replays, `epoch` after every completed epoch, and
    `finished` last, always (status complete, interrupted or failed), before `run` returns or raises.
    """

    def started(self, result: Result) -> None:
        pass

    def batch(self, epoch: int, done: int, total: int) -> None:
        pass

    def simulated(self, iteration: schedule.IterationResult) -> None:
        pass

    def epoch(self, result: Result, stats: EpochStats) -> None:
        pass

    def finished(self, result: Result) -> None:
        pass


def engine_applies(workload: Workload) -> bool:
    """Whether the engine replays iterations: hardware mode with ADCs and at least one per epoch."""
    return workload.mode == "hardware" and workload.effects.adc and workload.sim.simulates


def run(workload: Workload, *, data_dir: str | None = None, observers: Iterable[Observer] = ()) -> Result:
    """Train `workload`, telling `observers` about every batch, simulated iteration and epoch.

    The first `sim.iterations_per_epoch` iterations of every epoch (or all of them) are recorded and
    replayed by the event-driven engine as soon as each is trained (with `training.epochs=0`, one
    iteration on the first batch), so no recorded iteration outlives its replay.
    KeyboardInterrupt (Ctrl-C, or SIGTERM as `errors.Interrupted`) ends the run cleanly: status says
    "interrupted", the observers are told (`finished`) and the exception is re-raised for the caller
    to report. MemoryBudgetError before any work when `footprint.check` finds the run too large.
    The result keeps the last simulated iteration whole (its probe: timeline, contention, trace) and of
    the others the figures latency and energy are averaged from (`result.Simulated`).
    """
    observers = list(observers)
    t0 = time.perf_counter()
    footprint.check(workload)
    fp = floorplan_mod.plan(workload)
    inv = inventory.build(workload, fp)  # the chip, built once: the area and the engine read it
    result = Result(workload=workload, floorplan=fp, area=area_mod.roll_up(inv))
    dataset = data.load(workload.dataset, data_dir, seed=workload.training.seed, shape=workload.image_shape)
    result.data_source = dataset.source
    check_batch(workload, len(dataset.train_x), dataset.name)  # before any file is written
    engine = engine_applies(workload)
    result.engine_note = None if engine else ENGINE_NOTE
    for ob in observers:
        ob.started(result)
    seeds = np.random.SeedSequence(workload.training.seed)
    try:
        # Overflow on the way to a divergence is detected and reported as DivergenceError.
        with threadpool_limits(limits=1), np.errstate(over="ignore", invalid="ignore"):
            trainer = Trainer(workload, dataset, seeds)
            result.batches_per_epoch = trainer.batches_per_epoch

            def simulate(trace) -> None:
                sim = schedule.simulate(inv, trainer.net, trace)
                result.add_simulated(trace.epoch, sim)
                for ob in observers:
                    ob.simulated(sim)

            def batch(epoch: int, done: int, total: int) -> None:
                for ob in observers:
                    ob.batch(epoch, done, total)

            if workload.training.epochs == 0 and engine:
                simulate(trainer.trace_first_batch())
            record = range(workload.sim.recorded(trainer.batches_per_epoch) if engine else 0)
            for epoch in range(1, workload.training.epochs + 1):
                stats, _ = trainer.run_epoch(epoch, record, lambda i, n, _e=epoch: batch(_e, i, n), simulate)
                result.epochs.append(stats)
                result.wall_s = time.perf_counter() - t0
                for ob in observers:
                    ob.epoch(result, stats)
    except BaseException as exc:
        stop = interruption(exc)  # an interrupt inside a numba kernel arrives wrapped in a SystemError
        if stop is not None:
            result.status = "interrupted"
        else:
            result.status = "failed"
            result.error = str(exc) or type(exc).__name__
        _finish(observers, result, t0, failing=True)
        if stop is not None and stop is not exc:
            raise stop from None
        raise
    result.status = "complete"
    _finish(observers, result, t0, failing=False)
    return result


def _finish(observers: list[Observer], result: Result, t0: float, *, failing: bool) -> None:
    """Tell every observer the run has finished. While the run is already failing (or interrupted),
    an observer's own error (e.g. a results file that cannot be written) does not replace the
    run's error and does not keep the other observers from hearing of it."""
    result.wall_s = time.perf_counter() - t0
    for ob in observers:
        if not failing:
            ob.finished(result)
            continue
        try:
            ob.finished(result)
        except Exception:  # the run's own error is the one to report
            continue
