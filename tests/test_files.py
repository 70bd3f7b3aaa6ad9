"""Tests of cyclesim.report.files: every file cyclesim writes (results.json, epochs.csv, layers.csv,
traces, sweep tables) is complete, parseable and written atomically."""

from __future__ import annotations

import csv
import io
import json
import os

import attrs
import numpy
import pytest

from cyclesim import data, runner
from cyclesim.config import Network, Training, Workload
from cyclesim.engine.schedule import simulate
from cyclesim.errors import ConfigError, OutputError
from cyclesim.hw import inventory
from cyclesim.learn.train import Trainer
from cyclesim.report.export import chrome_trace
from cyclesim.report.files import (
    RunFiles,
    check_file,
    check_folder,
    layers_csv,
    write_atomic,
    write_table,
    write_trace,
)

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
    return simulate(inventory.of(wl), tr.net, tr.trace_first_batch())


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
    assert (tmp_path / "layers.csv").read_text() == layers_csv(result.last_iteration)
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


# -- output paths, write errors, stale files, interrupts during a write ---------------------------


def test_check_folder_refuses_what_cannot_be_written(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    for path, needle in (
        ("", "an empty path"),
        (tmp_path / "file", "it is a file"),
        (tmp_path / "file" / "a" / "b", "file is a file"),
    ):
        with pytest.raises(OutputError, match=needle):
            check_folder(path, "--out")
    assert check_folder(tmp_path / "new" / "deeper", "--out") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # a check creates nothing
    # Read-only for an ordinary user (root ignores the mode bits, so os.access is what tells).
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(OutputError, match="is not writable"):
        check_folder(tmp_path, "--out")


def test_check_folder_probes_the_folder(tmp_path, monkeypatch):
    import errno
    import tempfile

    def read_only_fs(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only_fs)
    with pytest.raises(OutputError, match="Read-only file system"):
        check_folder(tmp_path, "--out")


def test_check_file_refuses_a_folder_and_a_path_under_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a folder; name a file"):
        check_file(tmp_path, "--trace")
    with pytest.raises(OutputError, match="file is a file"):
        check_file(tmp_path / "file" / "t.json", "--trace")
    with pytest.raises(OutputError, match="an empty path"):
        check_file("", "--trace")
    assert check_file(tmp_path / "sub" / "t.json", "--trace") == tmp_path / "sub" / "t.json"


def test_run_files_remove_an_earlier_runs_files(tmp_path):
    for name in ("results.json", "epochs.csv", "layers.csv", ".layers.csv.abc123.tmp", "mine.txt"):
        (tmp_path / name).write_text("old")
    RunFiles(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["mine.txt"]  # only cyclesim's own files go
    ideal = attrs.evolve(TINY, mode="ideal", training=attrs.evolve(TINY.training, epochs=1))
    runner.run(ideal, observers=[RunFiles(tmp_path)])
    assert sorted(os.listdir(tmp_path)) == ["epochs.csv", "mine.txt", "results.json"]  # no stale layers.csv


def test_write_atomic_names_the_file_of_a_full_disk(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "results.json"
    write_atomic(target, "old")

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError) as info:
        write_atomic(target, "new")
    assert str(info.value) == f"cannot write {target} (No space left on device; free some space or write elsewhere)"
    assert isinstance(info.value, OSError)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["results.json"]


def test_a_full_disk_mid_run_keeps_the_completed_epochs(tmp_path, monkeypatch):
    import errno

    real = os.replace
    calls = []

    def fill_up(src, dst):
        calls.append(dst)
        if len(calls) > 3:  # epoch 1's results.json, epochs.csv, layers.csv went through
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", fill_up)
    with pytest.raises(OutputError, match="results.json"):
        runner.run(TINY, observers=[RunFiles(tmp_path)])
    doc = json.loads((tmp_path / "results.json").read_text())
    assert len(doc["epochs"]) == 1 and doc["status"] == "running"  # epoch 1, valid; nothing newer could be written
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_an_interrupt_waits_for_the_file_being_written(tmp_path, monkeypatch):
    import signal

    from cyclesim import errors

    monkeypatch.setattr(errors, "_state", errors._State())  # no interrupt raised yet
    real = os.replace

    def signalled(src, dst):
        errors.interrupt(signal.SIGTERM)  # what the handler does when SIGTERM arrives mid-write
        real(src, dst)

    monkeypatch.setattr(os, "replace", signalled)
    with pytest.raises(errors.Interrupted) as info:
        write_atomic(tmp_path / "a.txt", "whole")
    assert info.value.exit_code == 143 and str(info.value) == "SIGTERM"
    assert (tmp_path / "a.txt").read_text() == "whole" and os.listdir(tmp_path) == ["a.txt"]
