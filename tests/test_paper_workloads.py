"""The paper experiment files (workloads/paper/*.py) load as sweeps in normal and quick mode
(CYCLESIM_QUICK=1), every point is a valid Workload, the point counts match the documented design,
and each file defines its analysis (`report`) and its place in docs/RESULTS.md (`order`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

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
    "rules": (240, 80),
}
ORDER = list(EXPECTED)
# training epochs of every point: (normal, quick); a set where a file mixes training and hardware-only points
EPOCHS = {
    "float_parity": (10, 2),
    "depth": (0, 0),
    "utilization": (0, 0),
    "breakdown": (0, 0),
    "beyond": (0, 0),
    "rules": ({0, 10}, {0, 2}),
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
            assert wl.training.epochs in (epochs if isinstance(epochs, set) else {epochs})
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


class _Probe:
    """The engine probe's read side over made-up busy intervals: {resource: (kind, layer, [(start, end,
    phase, layer)])}."""

    def __init__(self, busy: dict):
        self.busy = busy

    def resources(self):
        return list(self.busy)

    def kind(self, res):
        return self.busy[res][0]

    def layer(self, res):
        return self.busy[res][1]

    def intervals(self, res):
        return [(s, e, phase, layer, 0) for s, e, phase, layer in self.busy[res][2]]


def _iteration(busy: dict):
    """A made-up simulated iteration of a two-hidden-layer network (what the rules report reads of one)."""
    cycles = max(e for _k, _l, ivs in busy.values() for _s, e, _p, _ly in ivs)
    return SimpleNamespace(probe=_Probe(busy), cycles=cycles, clock_hz=1e6, seconds=cycles / 1e6)  # 1 cycle = 1 µs


_FW = {"layer1.sub0.0": ("subarray", 0, [(0, 100, "fw", 0)]), "layer2.sub0.0": ("subarray", 1, [(100, 200, "fw", 1)])}


def _rules_iterations(drtp_overlaps: bool, fa_transposed: bool) -> dict:
    fa_ag = "layer2.sub0.0" if fa_transposed else "feedback1.sub0.0"
    fa = {
        **_FW,
        "feedback2.sub0.0": ("subarray", 1, [(200, 250, "ag", 1)]),
        "wgu": ("weight_gradient", None, [(300, 900, "wg", 0)]),
    }
    fa[fa_ag] = ("subarray", 0, [(250, 300, "ag", 0)])
    wg = 150 if drtp_overlaps else 200
    its = {
        "bp": {**_FW, "wgu": ("weight_gradient", None, [(200, 900, "wg", 0)])},
        "dfa": {**_FW, "wgu1": ("weight_gradient", 0, [(200, 400, "wg", 0)])},
        "fa": fa,
        "drtp": {**_FW, "wgu1": ("weight_gradient", 0, [(wg, 350, "wg", 0)])},
        "sign_symmetry": {**_FW, "feedback_mac": ("digital", None, [(200, 900, "ag", 0)])},
    }
    return {(r, p): _iteration(busy) for r, busy in its.items() for p in ("tailored", "iso")}


def _rules_doc(rule: str, mode: str, dataset: str, acc: float) -> dict:
    config = {"name": f"{rule}_{dataset}_{mode}", "rule": rule, "mode": mode, "dataset": dataset}
    return {"config": {**config, "training": {"epochs": 10}}, "accuracy": {"final_test": acc}}


def _rules_cost_doc(rule: str, provision: str, k: int, seconds: float) -> dict:
    config = {"name": f"{rule}_{provision}_{k}x512", "rule": rule, "mode": "hardware", "chip": {"provision": provision}}
    return {
        "config": {**config, "network": {"sizes": [784] + [512] * k + [10]}, "training": {"epochs": 0}},
        "latency": {
            "iteration_s": seconds,
            "per_phase_s": {"fw": 0.1 * seconds, "ag": 0.1 * seconds, "wg": 0.8 * seconds, "wu": 0.0, "idle": 0.0},
        },
        "energy": {"iteration_j": 1e-3 * k, "per_component_j": {"dram": 0.9e-3 * k, "adc": 0.1e-3 * k}},
        "area": {"total_um2": 1e6 * k},
    }


@pytest.mark.parametrize(
    ("drtp_ideal", "drtp_s", "fa_transposed", "verdicts"),
    [
        (0.95, 1.5e-3, False, ("reproduced", "reproduced")),
        (0.99, 2.5e-3, True, ("partly", "not reproduced")),
    ],
)
def test_rules_report_computes_its_verdicts(tmp_path, drtp_ideal, drtp_s, fa_transposed, verdicts):
    ns = run_file(PAPER / "rules.py", "sweep")["report"].__globals__  # the namespace report() looks names up in
    ns["pyplot_or_none"] = lambda: None  # no figures
    ns["_iterations"] = lambda provisions: _rules_iterations(not fa_transposed, fa_transposed)  # no engine runs
    ideal = {"bp": 0.980, "sign_symmetry": 0.976, "fa": 0.972, "dfa": 0.970, "drtp": drtp_ideal}
    docs = [_rules_doc(r, "ideal", ds, a) for r, a in ideal.items() for ds in ("mnist", "fashion-mnist")]
    docs += [_rules_doc(r, "hardware", ds, a - 0.02) for r, a in ideal.items() for ds in ("mnist", "fashion-mnist")]
    seconds = {"bp": 6e-3, "dfa": 2e-3, "fa": 6e-3, "drtp": drtp_s, "sign_symmetry": 6.5e-3}
    docs += [_rules_cost_doc(r, p, k, t) for r, t in seconds.items() for p in ("tailored", "iso") for k in (1, 6)]
    text = ns["report"](docs, tmp_path)
    accuracy, cost = text.split("\n## ")
    assert accuracy.startswith("## 1. Five learning rules: accuracy")
    assert cost.startswith("2. Five learning rules: latency, energy and area")
    assert f"**Verdict: {verdicts[0]}.** ✓ sign-symmetry ≈ BP (within 0.7 pt): -0.40 ± 0.00 pt; ✓ FA within" in accuracy
    assert f"| DRTP | {100 * drtp_ideal:.2f} ± 0.00 | {100 * drtp_ideal - 2:.2f} ± 0.00 | 2.00 ± 0.00 |" in accuracy
    assert "| SPOON (DRTP, 28 nm chip) | 97.5 (off-chip) | 95.3 (on-chip) | 2.2 |" in accuracy
    assert ("✓ DRTP the lowest" in accuracy) is (drtp_ideal < 0.97)
    assert f"**Verdict: {verdicts[1]}.**" in cost
    assert f"| 6 | 6,000 (1.00) | 2,000 (3.00) | 6,000 (1.00) | {drtp_s * 1e6:,.0f} ({6e-3 / drtp_s:.2f}) |" in cost
    assert "| 6 | 10/10/80/0 |" in cost
    overlap = "✓ DRTP's weight-gradient work overlaps its forward pass: tailored 50 µs, iso 50 µs"
    assert (overlap if not fa_transposed else overlap.replace("✓", "✗").replace("50", "0")) in cost
    assert ("✓ FA a sequential chain without transposed reads" in cost) is (not fa_transposed)
    assert "Order at k = 6, fastest first: tailored: " in cost
    for part in (accuracy, cost):
        assert ("**Why:**" in part) is ("**Verdict: reproduced.**" not in part)
