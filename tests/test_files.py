"""Tests of cyclesim.report.files: every file cyclesim writes (results.json, epochs.csv, layers.csv,
traces, sweep tables) is complete, parseable and written atomically."""

from __future__ import annotations

import csv
import io
import json
import os

import numpy
import pytest

from cyclesim import data, runner
from cyclesim.config import Network, Training, Workload
from cyclesim.engine.schedule import simulate
from cyclesim.errors import ConfigError
from cyclesim.hw.floorplan import plan
from cyclesim.learn.train import Trainer
from cyclesim.report.export import chrome_trace
from cyclesim.report.files import RunFiles, layers_csv, write_atomic, write_table, write_trace

TINY = Workload(
    name="tiny",
    network=Network(sizes=(784, 16, 10)),
    dataset="synthetic",
    training=Training(epochs=2, batch_size=50, train_limit=200, test_limit=100),
)


@pytest.fixture(scope="module")
def iteration():
    wl = Workload(
        rule="bp",
        network=Network(sizes=(784, 64, 32, 10)),
        dataset="synthetic",
        training=Training(epochs=0, batch_size=20, train_limit=200),
    )
    tr = Trainer(wl, data.synthetic(0, 400, 100), numpy.random.SeedSequence(0))
    return simulate(wl, plan(wl), tr.net, tr.trace_first_batch())


def test_trace_round_trip(iteration, tmp_path):
    doc = chrome_trace(iteration)
    path = tmp_path / "sub" / "trace.json"
    write_trace(path, iteration)
    text = path.read_text()
    assert ", " not in text and ": " not in text  # compact
    assert json.loads(text) == json.loads(json.dumps(doc))
    write_trace(path, iteration, window=(0, 10))
    assert json.loads(path.read_text())["otherData"]["window"] == [0, 10]


def test_layers_csv(iteration):
    rows = list(csv.reader(io.StringIO(layers_csv(iteration))))
    assert rows[0] == ["layer", "fw_cycles", "ag_cycles", "wg_cycles", "wu_cycles"]
    assert [int(r[0]) for r in rows[1:]] == [1, 2, 3]
    for r, want in zip(rows[1:], iteration.per_layer()):
        assert [int(v) for v in r[1:]] == [want["fw"], want["ag"], want["wg"], want["wu"]]


def test_run_files_follow_every_epoch(tmp_path):
    seen = []

    class Peek(runner.Observer):
        def epoch(self, result, stats):  # RunFiles (first in the list) has already saved this epoch
            seen.append(json.loads((tmp_path / "results.json").read_text())["accuracy"]["test"])

    result = runner.run(TINY, observers=[RunFiles(tmp_path), Peek()])
    assert [len(s) for s in seen] == [1, 2]
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["status"] == "complete" and doc["accuracy"] == result.accuracy()
    assert len(list(csv.DictReader(io.StringIO((tmp_path / "epochs.csv").read_text())))) == 2
    assert (tmp_path / "layers.csv").read_text() == layers_csv(result.simulated[-1])
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_run_files_refuse_a_folder_they_cannot_create(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot create this folder"):
        RunFiles(tmp_path / "file" / "sub")


def test_write_atomic_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    write_atomic(target, "old")

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["a.txt"]


def test_write_table(tmp_path):
    rows = [{"key": "p000", "status": "complete", "x": 1.5}, {"key": "p001", "status": "failed", "x": None}]
    write_table(tmp_path, rows, ["key", "status", "x"])
    assert (tmp_path / "table.csv").read_text() == "key,status,x\np000,complete,1.5\np001,failed,\n"
    assert json.loads((tmp_path / "table.json").read_text()) == rows
