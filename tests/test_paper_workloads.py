"""The paper experiment files (workloads/paper/*.py) load as sweeps in normal and quick mode
(CYCLESIM_QUICK=1), every point is a valid Workload, the point counts match the documented design,
and each file defines its analysis (`report`) and its place in docs/RESULTS.md (`order`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import attrs
import pytest

from cyclesim import config
from cyclesim import sweep as sweep_mod
from cyclesim.config import Workload
from cyclesim.workload import run_file

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "workloads" / "paper"
FILES = sorted(PAPER.glob("*.py"))

# expanded point counts (points x seeds): (normal, quick), in report order (the sections of docs/RESULTS.md)
EXPECTED = {
    "float_parity": (12, 4),
    "width": (30, 10),
    "adc_bits": (36, 12),
    "subarray": (30, 10),
    "precision": (78, 26),
    "variation": (42, 14),
    "nonlinearity": (30, 10),
    "retention": (24, 8),
    "breakdown": (3, 3),
    "utilization": (9, 9),
    "depth": (18, 18),
    "beyond": (11, 11),
}
ORDER = list(EXPECTED)
# training epochs of every point: (normal, quick)
EPOCHS = {
    "float_parity": (10, 2),
    "depth": (0, 0),
    "utilization": (0, 0),
    "breakdown": (0, 0),
    "beyond": (0, 0),
}


def _load(path: Path, monkeypatch, quick: bool):
    if quick:
        monkeypatch.setenv("CYCLESIM_QUICK", "1")
    else:
        monkeypatch.delenv("CYCLESIM_QUICK", raising=False)
    return sweep_mod.load_sweep(path)


def test_every_file_is_listed():
    assert {p.stem for p in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_paper_sweep_loads(path, monkeypatch):
    normal = _load(path, monkeypatch, quick=False)
    quick = _load(path, monkeypatch, quick=True)
    assert path.read_text().lstrip().startswith('"""'), "module docstring missing"
    assert 0 < len(quick.points) <= len(normal.points)
    assert (len(normal.points), len(quick.points)) == EXPECTED[path.stem]
    want_epochs = EPOCHS.get(path.stem, (3, 1))
    for sweep, epochs in ((normal, want_epochs[0]), (quick, want_epochs[1])):
        keys = [k for k, _ in sweep.points]
        assert len(set(keys)) == len(keys)
        for _, wl in sweep.points:
            assert isinstance(wl, Workload)
            attrs.validate(wl)
            Workload(**{f.name: getattr(wl, f.name) for f in attrs.fields(Workload)})  # post-init checks
            assert wl.training.epochs == epochs
            assert wl.name and wl.name != "workload"
        # distinct names per distinct config (seed copies share a name)
        names = {}
        for _, wl in sweep.points:
            cfg = config.to_dict(attrs.evolve(wl, training=attrs.evolve(wl.training, seed=0)))
            names.setdefault(wl.name, []).append(cfg)
        for name, cfgs in names.items():
            assert all(c == cfgs[0] for c in cfgs), f"{path.stem}: name {name} used for different configs"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_paper_file_defines_its_report(path):
    ns = run_file(path, "sweep")
    assert callable(ns.get("report")), f"{path.stem} defines no report(docs, figures)"
    assert ns.get("order") == ORDER.index(path.stem) + 1


def test_reproduce_runs_the_experiments_in_report_order(monkeypatch):
    spec = importlib.util.spec_from_file_location("reproduce", ROOT / "tools" / "reproduce.py")
    reproduce = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reproduce)
    monkeypatch.delenv("CYCLESIM_QUICK", raising=False)
    assert [path.stem for path, _ns in reproduce.experiments(None)] == ORDER
    assert [path.stem for path, _ns in reproduce.experiments(["beyond", "width"])] == ["width", "beyond"]


def _width_doc(rule: str, width: int, acc: float) -> dict:
    return {"config": {"rule": rule, "network": {"sizes": [784, width, width, 10]}}, "accuracy": {"final_test": acc}}


@pytest.mark.parametrize(("dfa_narrow", "verdict"), [(0.08, "reproduced"), (0.40, "partly"), (0.50, "not reproduced")])
def test_width_report_computes_its_verdict(tmp_path, monkeypatch, dfa_narrow, verdict):
    monkeypatch.setattr("cyclesim.report.findings.pyplot_or_none", lambda: None)  # no figure
    report = run_file(PAPER / "width.py", "sweep")["report"]
    docs = [
        _width_doc("bp", 8, 0.44),
        _width_doc("dfa", 8, dfa_narrow),
        _width_doc("bp", 1024, 0.97),
        _width_doc("dfa", 1024, 0.94),
    ]
    text = report(docs, tmp_path)
    assert text.startswith("## 1b. Width (Table I)\n")
    assert f"**Verdict: {verdict}.** At width 8: BP 44.0 %, DFA {100 * dfa_narrow:.1f} %." in text
    assert "| 8 | 44.00 ± 0.00 |" in text
    assert ("**Why:**" in text) is (verdict != "reproduced")
