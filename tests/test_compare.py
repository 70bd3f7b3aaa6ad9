"""Tests of cyclesim.report.compare: loading and checking results.json files, the rows and the table."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

try:
    import cyclesim  # noqa: F401
except ModuleNotFoundError:  # not installed: run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cyclesim.errors import ConfigError, UserError
from cyclesim.report import compare as cmp

GOOD = {
    "cyclesim_version": "x",
    "status": "complete",
    "error": None,
    "config": {"name": "a"},
    "accuracy": {"train": [0.5], "test": [0.6], "final_test": 0.6},
    "area": {"total_um2": 2.0e6, "breakdown_um2": {"array": 1.0e6, "adc": 1.0e6}},
    "latency": {"iteration_s": 1e-4, "epoch_s": 0.03, "per_phase_s": {"fw": 5e-5, "ag": 2e-5, "wg": 1e-5, "wu": 2e-5}},
    "energy": {"iteration_j": 1e-5, "per_component_j": {"array": 4e-6, "dram": 6e-6}},
    "engine_note": None,
    "epochs": [{"epoch": 1}],
}
"""The part of a results.json document compare reads, with plausible values."""


def write(tmp_path: Path, doc, name: str = "results.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def edited(**changes) -> dict:
    """GOOD with `changes` applied; a key "a.b" sets a nested key, a value of ... deletes it."""
    doc = copy.deepcopy(GOOD)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = doc
        for p in parents:
            target = target[p]
        if value is ...:
            del target[last]
        else:
            target[last] = value
    return doc


def one_line_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        cmp.load_results(path)
    msg = str(info.value)
    assert str(path) in msg and "\n" not in msg and len(msg) < 600, msg
    return msg


def test_a_good_document_loads_and_compares(tmp_path):
    a = cmp.load_results(write(tmp_path, GOOD))
    b = cmp.load_results(write(tmp_path, edited(area__total_um2=4.0e6), "b.json"))
    rows = cmp.rows(a, b)
    assert ("area mm²", "total", 2.0, 4.0) in rows
    assert cmp.table(a, b, "a", "b").row_count == len(rows)


def test_blocks_may_be_null_or_absent(tmp_path):
    for doc in (edited(latency=None, energy=None), edited(latency=..., energy=..., area=..., accuracy=...)):
        loaded = cmp.load_results(write(tmp_path, doc))
        cmp.table(loaded, loaded, "a", "a")


@pytest.mark.parametrize(
    "doc, key, needle",
    [
        (edited(area=5), "area", "must be an object, got number 5"),
        (edited(epochs="x"), "epochs", "must be a list, got string 'x'"),
        (edited(status=3), "status", "must be a string"),
        (edited(config=[]), "config", "must be an object"),
        (edited(area__total_um2=...), "area.total_um2", "is missing"),
        (edited(area__total_um2="big"), "area.total_um2", "must be a finite number"),
        (edited(area__total_um2=True), "area.total_um2", "must be a finite number"),
        (edited(area__total_um2=10**400), "area.total_um2", "must be a finite number"),
        (edited(area__breakdown_um2=[1, 2]), "area.breakdown_um2", "must be an object"),
        (edited(area__breakdown_um2__adc=None), "area.breakdown_um2.adc", "must be a finite number"),
        (edited(latency__per_phase_s=...), "latency.per_phase_s", "is missing"),
        (edited(latency__iteration_s={"x": 1}), "latency.iteration_s", "must be a finite number"),
        (edited(energy__per_component_j__dram="6"), "energy.per_component_j.dram", "must be a finite number"),
        (edited(accuracy="high"), "accuracy", "must be an object"),
        (edited(accuracy__final_test="0.9"), "accuracy.final_test", "must be a finite number"),
        (edited(accuracy__final_test=...), "accuracy.final_test", "is missing"),
    ],
)
def test_blocks_of_the_wrong_shape_name_the_file_and_the_key(tmp_path, doc, key, needle):
    msg = one_line_error(write(tmp_path, doc))
    assert f"key '{key}'" in msg and needle in msg


@pytest.mark.parametrize(
    "text",
    [
        '{"config": {}, "area": {"total_um2": NaN, "breakdown_um2": {}}}',
        '{"config": {}, "latency": {"iteration_s": Infinity}}',
    ],
)
def test_non_finite_numbers_are_refused(tmp_path, text):
    assert "must be a finite number" in one_line_error(write(tmp_path, text))


@pytest.mark.parametrize(
    "content, needle",
    [
        ("not json", "not a readable results.json"),
        ("", "not a readable results.json"),
        ("[1, 2]", "a JSON array, not an object"),
        ('"text"', "a JSON string, not an object"),
        ("null", "a JSON null, not an object"),
        ('{"status": "complete"}', "no 'config' block"),
        ("[" * 100_000 + "]" * 100_000, "not a readable results.json"),
        ('{"config": {}, "x": ' + "1" * 5000 + "}", "not a readable results.json"),
    ],
)
def test_files_that_are_not_results(tmp_path, content, needle):
    assert needle in one_line_error(write(tmp_path, content))


def test_binary_missing_and_directory(tmp_path):
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in one_line_error(path)
    assert "not found" in one_line_error(tmp_path / "missing.json")
    (tmp_path / "dir.json").mkdir()
    assert "not a readable results.json" in one_line_error(tmp_path / "dir.json")


def test_errors_are_user_errors():
    assert issubclass(ConfigError, UserError)


# ------------------------------------------------------------------------------------ the CLI


def test_compare_on_the_command_line(capsys, tmp_path):
    from cyclesim import cli

    a, b = write(tmp_path, GOOD, "a.json"), write(tmp_path, edited(area__total_um2=4.0e6), "b.json")
    assert cli.main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "total" in out and "0.500" in out  # A/B of the areas


@pytest.mark.parametrize(
    "doc",
    [edited(area=5), edited(epochs="x"), edited(energy__iteration_j=...), "[1]", "{", edited(latency__epoch_s="1 s")],
)
def test_bad_results_on_the_command_line_end_in_one_error_line(capsys, tmp_path, doc):
    from cyclesim import cli

    good, bad = write(tmp_path, GOOD, "a.json"), write(tmp_path, doc, "b.json")
    code = cli.main(["compare", str(good), str(bad)])
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(bad) in lines[0]
    assert "Traceback" not in out + err
