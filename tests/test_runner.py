"""Tests of cyclesim.runner: `run` orchestrates and tells its observers everything, in order, and
always says how it finished."""

from __future__ import annotations

import attrs
import pytest

from cyclesim import runner
from cyclesim.config import Network, Training, Workload
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
    assert log.calls == [
        ("started", "running"),
        *batches[:4],
        ("simulated",),
        ("epoch", 1, 1),
        *batches[4:],
        ("simulated",),
        ("epoch", 2, 2),
        ("finished", "complete"),
    ]
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
