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
    "depth": (60, 60),
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


def test_depth_points_cover_both_chips_and_dataflows(monkeypatch):
    sweep = _load(PAPER / "depth.py", monkeypatch, quick=False)
    got = {
        (wl.rule, wl.chip.provision, wl.chip.wgu, wl.chip.gradient_accumulation, len(wl.network.sizes) - 2)
        for _key, wl in sweep.points
    }
    chips = {("bp", "tailored", "auto"), ("bp", "iso", "auto"), ("dfa", "tailored", "auto"), ("dfa", "iso", "auto")}
    chips.add(("dfa", "tailored", "shared"))  # the mirror: DFA on BP's one weight-gradient unit
    assert got == {(*c, flow, k) for c in chips for flow in ("dram", "on_chip") for k in range(1, 7)}
    assert all(wl.network.sizes[1:-1] == (512,) * (len(wl.network.sizes) - 2) for _key, wl in sweep.points)


# A made-up depth experiment (1 cycle = 1 µs): hidden-layer gradients take `hidden` µs on a unit, layer 1's
# `first`; BP's one unit does them all in turn, DFA's units in parallel; BP on the iso chip waits 20 µs per
# hidden layer for its error.
_DEPTH_CHIPS = {
    ("bp", "tailored"): {"provision": "tailored", "wgu": "auto"},
    ("bp", "iso"): {"provision": "iso", "wgu": "auto"},
    ("dfa", "tailored"): {"provision": "tailored", "wgu": "auto"},
    ("dfa", "iso"): {"provision": "iso", "wgu": "auto"},
    ("dfa", "one_wgu"): {"provision": "tailored", "wgu": "shared"},
}


def _depth_doc(rule: str, chip: str, flow: str, k: int, fw: float, first: float, hidden: float) -> dict:
    n = k + 1
    shared = chip == "one_wgu" or (rule, chip) == ("bp", "tailored")
    units = {"wgu": first + hidden * k} if shared else {f"wgu{i + 1}": first if i == 0 else hidden for i in range(n)}
    slowest = max(units.values())
    rest = {"bp": 10.0 + (20.0 * k if chip == "iso" else 0.0), "dfa": 20.0 - (5.0 if shared else 0.0)}[rule]
    t = (fw + slowest + rest) * 1e-6
    phases = {"fw": fw * 1e-6, "ag": rest * 1e-6, "wg": slowest * 1e-6, "wu": 0.0, "idle": 0.0}
    config = {
        "name": f"{rule}_{chip}_{flow}_{k}x512",
        "rule": rule,
        "network": {"sizes": [784] + [512] * k + [10]},
        "chip": {**_DEPTH_CHIPS[(rule, chip)], "gradient_accumulation": flow, "wgu_capacity": "auto"},
        "training": {"epochs": 0, "batch_size": 100},
    }
    per_phase_j = {"fw": 1e-5, "ag": 2e-6 if rule == "bp" else 1e-7, "wg": 1e-3 * n, "wu": 1e-4}
    return {
        "config": config,
        "latency": {"iteration_s": t, "iteration_cycles": t * 1e6, "per_phase_s": phases},
        "energy": {
            "iteration_j": sum(per_phase_j.values()) + 1e-6,
            "leakage_j": 1e-6,
            "per_phase_j": per_phase_j,
            "per_component_j": {"dram": 0.9e-3 * n, "weight_gradient": 0.1e-3 * n},
        },
        "performance": {"forward_s": fw * 1e-6},
        "contention": [
            {"resource": u, "busy_cycles": s, "utilization": s * 1e-6 / t, "capacity": 1} for u, s in units.items()
        ]
        + [{"resource": "dram", "busy_cycles": 8.0, "utilization": 0.25, "capacity": 8}],
        "floorplan": {"wgu": "shared" if shared else "per_layer", "wgu_shapes": [[784, 512]]},
        "area": {"total_um2": 1e6 * (2 if rule == "bp" else 1)},
    }


@pytest.mark.parametrize(
    ("fw", "first", "verdict"),
    [
        (50.0, 150.0, "tailored chips partly; iso chips not reproduced"),
        (0.0, 100.0, "tailored chips reproduced; iso chips not reproduced"),
    ],
)
def test_depth_report_renders_both_comparisons(tmp_path, fw, first, verdict):
    ns = run_file(PAPER / "depth.py", "sweep")["report"].__globals__  # the namespace report() looks names up in
    ns["pyplot_or_none"] = lambda: None  # no figure
    docs = [
        _depth_doc(rule, chip, flow, k, fw, first, 100.0)
        for (rule, chip) in _DEPTH_CHIPS
        for flow in ("dram", "on_chip")
        for k in (1, 6)
    ]
    text = ns["report"](docs, tmp_path)
    assert text.startswith("## 8–9. Energy and latency vs depth (784-512×k-10, one simulated iteration)\n")
    assert f"**Verdict: {verdict}.**" in text
    # the depth-ratio table both ways: BP's one unit 150 + 100·k µs, DFA's slowest 150, BP iso 10 + 20·k µs more
    bp6, dfa = fw + first + 600 + 10, fw + first + 20
    row = (
        f"| dram | 6 | 7 | {bp6:,.0f} | {dfa + 110:,.0f} | {dfa:,.0f} | {dfa:,.0f} | {bp6 + 5:,.0f} | "
        f"{bp6 / dfa:.2f} | {(dfa + 110) / dfa:.2f} | {bp6 / (bp6 + 5):.2f} |"
    )
    assert row in text
    assert "| BP/DFA tailored | BP/DFA iso | BP/DFA one WGU |" in text
    assert f"tailored dram {(fw + first + 110) / dfa:.2f}, {bp6 / dfa:.2f}; " in text
    assert f"iso on_chip {(dfa + 10) / dfa:.2f}, {(dfa + 110) / dfa:.2f}; " in text
    # per-phase shares at k = 1 and k = 6, every point of both dataflows
    for flow in ("dram", "on_chip"):
        for k in (1, 6):
            for label in ("BP tailored", "BP iso", "DFA tailored", "DFA iso", "DFA one WGU"):
                assert f"| {flow} | {k} | {label} | " in text
    assert f"| dram | 6 | BP tailored | {bp6:,.0f} | {100 * fw / bp6:.1f} | " in text
    # the critical path at k = 6 from the documents: the straggler of each chip
    assert f"| dram | BP tailored | {bp6:,.0f} | {fw:,.0f} | wgu (all 7 layers) | {first + 600:,.0f} (" in text
    if first > 100:
        assert f"| dram | BP iso | {dfa + 110:,.0f} | {fw:,.0f} | wgu1 (layer 1, 784 inputs) | 150 (" in text
    else:  # every unit equally slow
        assert "| dram | DFA iso | " in text and "wgu1–wgu7 (7 tied)" in text
    assert "results.json keeps no critical path" in text
    # energy per image per phase (µJ): 10 µJ fw over 100 images = 0.1
    assert "| on_chip | 6 | DFA iso | 0.1 | 0.001 | 70 | 1 | 0.01 | 71.1 |" in text
    assert "DFA's iteration is identical on both provisions" in text
    assert "**Why:** *dram, k = 6 (N = 7).* Tailored:" in text and "*on_chip, k = 6 (N = 7).*" in text
    assert "not a failure of the simulator" in text
