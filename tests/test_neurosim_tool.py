"""tools/neurosim.py: cyclesim beside DNN+NeuroSim V2.0's reference runs (tests/data/neurosim)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from cyclesim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
RUNS = ("A", "B", "C", "D", "E", "G")


def _load_tool():
    spec = importlib.util.spec_from_file_location("neurosim_tool", ROOT / "tools" / "neurosim.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ns = _load_tool()


def test_reference_csvs_parse_and_hold_the_six_runs():
    ref = ns.load_reference()
    assert sorted(run.split("_", 1)[0] for run in ref) == list(RUNS)
    for run, rows in ref.items():
        assert rows["config"]["run_id"] == rows["summary"]["run"] == run
        assert rows["config"]["network"] in ("784-256-256-10", "784-512-512-10")
        for column in ("area_um2", "L_total_ns", "E_total_pJ", "TOPS", "TOPS_W", "FPS", "P_leak_uW"):
            assert float(rows["summary"][column]) > 0, (run, column)
        figures = ns.neurosim_figures(run)
        assert figures["area_um2"]["total"] == pytest.approx(
            sum(v for k, v in figures["area_um2"].items() if k != "total"), rel=1e-4
        )


@pytest.mark.parametrize("letter", RUNS)
def test_workload_for_builds_the_reference_chip(letter):
    run = ns.resolve(letter)
    cfg, summary = ns.reference()[run]["config"], ns.reference()[run]["summary"]
    wl = ns.workload_for(letter)
    chip = wl.chip
    assert chip.node == f"{cfg['technode_nm']}nm"
    assert f"{chip.subarray}x{chip.subarray}" == cfg["subarray"] == summary["subarray"]
    assert 2**chip.adc_bits == int(cfg["levelOutput_FW"])
    assert 2**chip.ag_adc_bits == int(cfg["levelOutput_AG"])
    assert chip.cols_per_adc == int(cfg["numColMuxed"])
    if getattr(chip, "floorplan", "fixed") == "network":
        pass  # NeuroSim's tile search, no sizes given
    else:
        pe = chip.pe_size * chip.subarray
        assert f"{pe}x{pe}" == summary["pe"]
        assert f"{chip.tile_size * pe}x{chip.tile_size * pe}" == summary["tile"]
    assert wl.network.sizes == tuple(int(n) for n in cfg["network"].split("-"))
    assert (wl.rule, wl.mode, wl.dataset) == ("bp", "hardware", "synthetic")
    assert (wl.training.epochs, wl.training.batch_size, wl.sim.iterations_per_epoch) == (0, 200, 1)
    p = wl.precision
    assert (p.weight, p.gradient, p.activation, p.error) == (5, 5, 8, 8)


def test_workload_for_and_overrides():
    assert ns.workload_for("A", adc_bits=3).chip.adc_bits == 3
    assert ns.build("A", ["precision.gradient=12"]).precision.gradient == 12
    with pytest.raises(ConfigError):
        ns.build("A", ["chip.no_such_field=1"])
    with pytest.raises(KeyError):
        ns.resolve("Z")


def test_ops_definition_reproduces_neurosim_tops_of_run_a():
    """TOPS x L_total = 6 x MACs x 50,000 (and TOPS/W x E_total the same operations)."""
    summary = ns.reference()[ns.resolve("A")]["summary"]
    macs = ns.macs(ns.sizes_of("A"))
    assert macs == 784 * 256 + 256 * 256 + 256 * 10 == 268_800
    ops = 6 * macs * ns.IMAGES_PER_EPOCH
    assert float(summary["TOPS"]) * 1e12 * float(summary["L_total_ns"]) * 1e-9 == pytest.approx(ops, rel=1e-3)
    assert float(summary["TOPS_W"]) * 1e12 * float(summary["E_total_pJ"]) * 1e-12 == pytest.approx(ops, rel=1e-3)
    assert float(summary["FPS"]) * float(summary["L_total_ns"]) * 1e-9 == pytest.approx(1, rel=1e-3)


@pytest.fixture(scope="module")
def run_a():
    run = ns.resolve("A")
    return run, ns.cyclesim_figures(ns.workload_for(run)), ns.neurosim_figures(run)


def _ratio_cells(text: str) -> list[tuple[str, str]]:
    """(row label, cell) of every cs/NS column of every table in `text`."""
    cells, columns = [], []
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = []
            continue
        row = [c.strip() for c in line.strip("|").split("|")]
        if not columns:
            columns = [i for i, c in enumerate(row) if c == "cs/NS"]
        elif not row[0].startswith("---"):
            cells += [(row[0], row[i]) for i in columns]
    return cells


def test_table_of_run_a_has_every_section_and_positive_ratios(run_a):
    run, cs, ref = run_a
    text = ns.render(run, cs, ref)
    sections = (
        "## A_",
        "### Area",
        "### Latency per image",
        "### Energy per image",
        "Per component",
        "### Performance",
    )
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    for label in ("total", "adc", "weight_gradient", "FW", "AG", "WG", "WU", "DRAM", "WUwrite", "training TOPS/W"):
        assert f"| {label} |" in text, label
    cells = _ratio_cells(text)
    assert len(cells) >= 7 + 6 + 7 + 9 + 6
    for label, cell in cells:
        if cell == "-":
            assert label == "idle (cs)", label  # the only figure NeuroSim has no counterpart of
            continue
        assert math.isfinite(float(cell)) and float(cell) > 0, (label, cell)


def test_json_dump_is_rounded_and_deterministic(run_a, tmp_path, capsys):
    run, cs, _ref = run_a
    out = tmp_path / "neurosim.json"
    assert ns.main(["--runs", "A", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "## Overview" in printed and "Run time:" in printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert list(doc["runs"]) == [run]
    assert doc["runs"][run] == ns.rounded(cs)  # a second simulation of the same seed: the same figures
    assert doc["runs"][run]["area_um2"]["total"] == float(f"{cs['area_um2']['total']:.4g}")


def _close(mine, theirs, path="") -> list[str]:
    """Every figure of `mine` more than 1 % away from `theirs` (strings and shapes must be equal)."""
    if isinstance(theirs, dict):
        if not isinstance(mine, dict) or set(mine) != set(theirs):
            return [f"{path}: keys {sorted(mine) if isinstance(mine, dict) else mine} != {sorted(theirs)}"]
        return [e for k in theirs for e in _close(mine[k], theirs[k], f"{path}/{k}")]
    if isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            return [f"{path}: {mine} != {theirs}"]
        return [e for i, (a, b) in enumerate(zip(mine, theirs)) for e in _close(a, b, f"{path}[{i}]")]
    if isinstance(theirs, (int, float)) and not isinstance(theirs, bool) and theirs is not None:
        ok = isinstance(mine, (int, float)) and math.isclose(mine, theirs, rel_tol=0.01, abs_tol=1e-9)
        return [] if ok else [f"{path}: {mine} (now) vs {theirs} (docs/NEUROSIM.md)"]
    return [] if mine == theirs else [f"{path}: {mine!r} != {theirs!r}"]


def test_docs_neurosim_figures_are_current(tmp_path):
    """docs/NEUROSIM.md's cyclesim figures are what the model gives now, within 1 %: a change of the
    hardware model that moves one must update the document (its tables and its attributions)."""
    text = (ROOT / "docs" / "NEUROSIM.md").read_text(encoding="utf-8")
    block = text[text.rindex("```json\n") + len("```json\n") :]
    documented = json.loads(block[: block.index("```")])
    out = tmp_path / "now.json"
    assert ns.main(["--profile", documented["profile"], "--json", str(out)]) == 0
    now = json.loads(out.read_text(encoding="utf-8"))
    problems = _close(now, documented)
    assert not problems, "docs/NEUROSIM.md is out of date (python tools/neurosim.py --profile neurosim):\n" + "\n".join(
        problems[:20]
    )
