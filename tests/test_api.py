"""Tests of the Python API (cyclesim.api, exported as `cyclesim.run`): the README's notebook example
runs as written, nothing is printed or written unless asked, and the result equals the CLI's."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import cyclesim
from cyclesim import Network, Training, Workload
from cyclesim.errors import ConfigError, OutputError

ROOT = Path(__file__).resolve().parents[1]
TINY = Workload(
    name="tiny",
    network=Network(sizes=(784, 16, 10)),
    dataset="synthetic",
    training=Training(epochs=1, batch_size=50, train_limit=200, test_limit=100),
)


def readme_example() -> str:
    """The python block of README.md's section "From Python (notebooks)"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## From Python (notebooks)", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.skipif(not os.environ.get("CYCLESIM_DATA"), reason="needs the real MNIST files ($CYCLESIM_DATA)")
def test_readme_notebook_example_runs_as_written(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_example(), "README.md", "exec"), {})
    printed = capsys.readouterr().out.split()
    assert len(printed) == 4
    accuracy, area_um2, latency_s, energy_j = map(float, printed)
    assert 0.3 < accuracy <= 1 and area_um2 > 0 and latency_s > 0 and energy_j > 0
    assert not list(tmp_path.iterdir())  # no files without out_dir


def test_run_prints_nothing_and_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cyclesim.run(TINY)
    assert capsys.readouterr() == ("", "")
    assert not list(tmp_path.iterdir())
    assert result.status == "complete" and len(result.epochs) == 1 and result.latency() is not None


def test_out_dir_writes_the_same_results_as_the_cli(tmp_path):
    from cyclesim import cli

    result = cyclesim.run(TINY, out_dir=tmp_path / "api")
    doc = json.loads((tmp_path / "api" / "results.json").read_text(encoding="utf-8"))
    assert doc["accuracy"] == result.to_json()["accuracy"]
    wl = tmp_path / "tiny.py"
    wl.write_text(
        "from cyclesim import Network, Training, Workload\n"
        "workload = Workload(name='tiny', network=Network(sizes=(784, 16, 10)), dataset='synthetic',\n"
        "                    training=Training(epochs=1, batch_size=50, train_limit=200, test_limit=100))\n",
        encoding="utf-8",
    )
    assert cli.main([str(wl), "--quiet", "--out", str(tmp_path / "cli")]) == 0
    cli_doc = json.loads((tmp_path / "cli" / "results.json").read_text(encoding="utf-8"))
    for key in ("accuracy", "area", "latency", "energy", "floorplan", "config"):
        assert cli_doc[key] == doc[key], key
    assert cyclesim.run(wl).accuracy() == result.accuracy()  # a workload file's path works too


def test_not_a_workload_is_one_clear_error():
    with pytest.raises(ConfigError, match="needs a Workload or a workload file, got int"):
        cyclesim.run(3)


def test_an_empty_out_dir_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="out_dir is an empty path"):
        cyclesim.run(TINY, out_dir="")
    assert os.listdir(tmp_path) == []


def test_an_unwritable_out_dir_is_refused_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="out_dir .*: cannot create this folder"):
        cyclesim.run(TINY, out_dir=tmp_path / "file" / "run")
