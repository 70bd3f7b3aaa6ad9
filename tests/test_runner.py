"""Tests of cyclesim.runner: `run` orchestrates and tells its observers everything, in order, and
always says how it finished."""

from __future__ import annotations

import signal

import attrs
import pytest

from cyclesim import runner
from cyclesim.config import Network, Sim, Training, Workload
from cyclesim.errors import DivergenceError, Interrupted
from cyclesim.learn import train as train_mod

TINY = Workload(
    name="tiny",
    network=Network(sizes=(784, 16, 10)),
    dataset="synthetic",
    training=Training(epochs=2, batch_size=50, train_limit=200, test_limit=100),
)


class Log(runner.Observer):
    def __init__(self):
        self.calls = []

    def started(self, result):
        self.calls.append(("started", result.status))

    def batch(self, epoch, done, total):
        self.calls.append(("batch", epoch, done, total))

    def simulated(self, iteration):
        self.calls.append(("simulated",))

    def epoch(self, result, stats):
        self.calls.append(("epoch", stats.epoch, len(result.epochs)))

    def finished(self, result):
        self.calls.append(("finished", result.status))


def test_observers_hear_every_step_in_order():
    log = Log()
    result = runner.run(TINY, observers=[log])
    batches = [("batch", e, i, 4) for e in (1, 2) for i in range(1, 5)]
    assert (
        log.calls
        == [
            ("started", "running"),
            batches[0],
            ("simulated",),  # the recorded iteration is replayed as soon as it is trained
            *batches[1:4],
            ("epoch", 1, 1),
            batches[4],
            ("simulated",),
            *batches[5:],
            ("epoch", 2, 2),
            ("finished", "complete"),
        ]
    )
    assert result.status == "complete" and len(result.simulated) == 2


def test_finished_is_told_of_an_interrupt(monkeypatch):
    def interrupted(self, epoch, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_mod.Trainer, "run_epoch", interrupted)
    log = Log()
    with pytest.raises(KeyboardInterrupt):
        runner.run(TINY, observers=[log])
    assert log.calls[-1] == ("finished", "interrupted")


def test_no_engine_outside_hardware_mode():
    result = runner.run(attrs.evolve(TINY, mode="ideal"))
    assert result.simulated == [] and result.engine_note == runner.ENGINE_NOTE
    assert result.latency() is None and result.energy() is None


def test_an_interrupt_inside_a_numba_kernel_is_an_interrupt(monkeypatch):
    """A signal handler that raises while numba's compiled code calls back into Python surfaces as a
    SystemError caused by the interrupt: the run still says interrupted and re-raises the interrupt."""

    def wrapped(self, *args, **kwargs):
        try:
            raise Interrupted(signal.SIGTERM)
        except Interrupted as exc:
            raise SystemError(
                "CPUDispatcher(<function bitserial_mvm>) returned a result with an exception set"
            ) from exc

    monkeypatch.setattr(train_mod.Trainer, "run_epoch", wrapped)
    log = Log()
    with pytest.raises(Interrupted) as info:
        runner.run(TINY, observers=[log])
    assert info.value.exit_code == 143
    assert log.calls[-1] == ("finished", "interrupted")


def test_an_observer_failing_to_finish_does_not_hide_the_runs_error(monkeypatch):
    def diverge(self, epoch, *args, **kwargs):
        raise DivergenceError("training diverged")

    class Broken(runner.Observer):
        def finished(self, result):
            raise OSError("disk full")

    monkeypatch.setattr(train_mod.Trainer, "run_epoch", diverge)
    log = Log()
    with pytest.raises(DivergenceError):
        runner.run(TINY, observers=[Broken(), log])
    assert log.calls[-1] == ("finished", "failed")


def test_every_simulated_iteration_is_summarised_and_the_last_kept_whole():
    result = runner.run(attrs.evolve(TINY, training=attrs.evolve(TINY.training, epochs=3)))
    assert [r.epoch for r in result.simulated] == [1, 2, 3]
    assert all(r.cycles > 0 for r in result.simulated) and result.latency()["simulated_iterations"] == 3
    assert result.last_iteration.cycles == result.simulated[-1].cycles
    rows = result.epoch_rows()
    assert [r["simulated_iterations"] for r in rows] == [1, 1, 1]
    assert [r["iteration_s"] for r in rows] == [r.seconds for r in result.simulated]


def test_all_iterations_are_simulated_and_reported_per_epoch():
    wl = attrs.evolve(TINY, training=attrs.evolve(TINY.training, epochs=2), sim=Sim(iterations_per_epoch="all"))
    result = runner.run(wl)
    per_epoch = result.batches_per_epoch
    assert per_epoch > 1 and len(result.simulated) == 2 * per_epoch
    rows = result.epoch_rows()
    assert [r["simulated_iterations"] for r in rows] == [per_epoch, per_epoch]
    assert all(r["iteration_s"] > 0 and r["iteration_j"] > 0 for r in rows)
    assert result.latency()["simulated_iterations"] == 2 * per_epoch
