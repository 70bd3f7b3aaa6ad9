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
    "width": (48, 16),
    "adc_bits": (180, 60),
    "subarray": (60, 20),
    "precision": (78, 26),
    "variation": (42, 14),
    "nonlinearity": (30, 10),
    "retention": (24, 8),
    "breakdown": (7, 7),
    "utilization": (22, 22),
    "depth": (60, 60),
    "beyond": (19, 19),
    "rules": (240, 80),
    "conv": (25, 25),
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
    "conv": ({0, 10}, {0, 1}),
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


def _width_doc(rule: str, width: int, acc: float, schedule: str = "cosine", dead: float = 0.0) -> dict:
    layers = [{"dead": dead, "saturated": 0.0}, {"dead": dead / 2, "saturated": 0.1}, {"dead": None}]
    return {
        "config": {"rule": rule, "network": {"sizes": [784, width, width, 10]}, "training": {"lr_schedule": schedule}},
        "accuracy": {"final_test": acc},
        "epochs": [{"test_accuracy": acc, "layers": layers}],
    }


@pytest.mark.parametrize(("dfa_narrow", "verdict"), [(0.08, "reproduced"), (0.40, "partly"), (0.50, "not reproduced")])
def test_width_report_computes_its_verdict(tmp_path, monkeypatch, dfa_narrow, verdict):
    monkeypatch.setattr("cyclesim.report.findings.pyplot_or_none", lambda: None)  # no figure
    report = run_file(PAPER / "width.py", "sweep")["report"]
    docs = [
        _width_doc("bp", 8, 0.44),
        _width_doc("dfa", 8, dfa_narrow),
        _width_doc("bp", 1024, 0.97),
        _width_doc("dfa", 1024, 0.94),
        _width_doc("bp", 8, 0.45, "constant", dead=0.1),
        _width_doc("dfa", 8, 0.12, "constant", dead=0.6),
    ]
    text = report(docs, tmp_path)
    assert text.startswith("## 1b. Width (Table I)\n")
    assert (
        f"**Verdict: {verdict}.** At width 8 under the shipped schedule: BP 44.0 %, DFA {100 * dfa_narrow:.1f} %."
        in text
    )
    assert "| 8 | 44.00 ± 0.00 |" in text and "| 8 | 45.00 ± 0.00 | 12.00 ± 0.00 |" in text
    assert "under the constant regime BP 45.0 %, DFA 12.0 % (DFA collapses)" in text
    assert "| constant | DFA | 1 | 0.60 / 0.30 | 0.00 / 0.10 | 12.0 |" in text


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


def test_breakdown_points_put_both_rules_on_neurosims_chip_and_the_consistent_one(monkeypatch):
    sweep = _load(PAPER / "breakdown.py", monkeypatch, quick=False)
    got = {
        (wl.rule, wl.chip.wgu, wl.chip.floorplan, wl.chip.wgu_capacity, wl.precision.gradient_word)
        for _key, wl in sweep.points
    }
    assert got == {
        ("bp", "auto", "fixed", "auto", None),
        ("dfa", "auto", "fixed", "auto", None),
        ("dfa", "shared", "fixed", "auto", None),
        *((r, "auto", "network", "layer", w) for r in ("bp", "dfa") for w in (12, None)),
    }
    assert {wl.network.sizes for _key, wl in sweep.points} == {(784, 1024, 1024, 10)}


def _breakdown_doc(rule: str, chip: str, shares: dict, wgu: str = "auto") -> dict:
    """A made-up area result: `shares` in % of NeuroSim's six summary groups (plus "buffer", counted as
    "other"); a 10 mm² chip; DFA's units hold 784x1024 + 1024x1024 + 1024x10 weights."""
    capacity, word = {"neurosim": ("layer", 12), "neurosim24": ("layer", None), "consistent": ("auto", None)}[chip]
    total = 10e6
    shapes = [[784, 1024], [1024, 1024], [1024, 10]] if rule == "dfa" and wgu == "auto" else [[1024, 1024]]
    return {
        "config": {
            "name": f"{rule}-{chip}",
            "rule": rule,
            "chip": {"wgu": wgu, "wgu_capacity": capacity, "floorplan": "network" if word else "fixed"},
            "precision": {"gradient_word": word},
        },
        "area": {
            "total_um2": total,
            "shares": {k: v / 100 for k, v in shares.items()},
            "breakdown_um2": {k: v / 100 * total for k, v in shares.items()},
        },
        "floorplan": {"wgu_shapes": shapes},
    }


@pytest.mark.parametrize(("bp_wg", "verdict"), [(16.1, "reproduced"), (25.1, "partly"), (60.0, "not reproduced")])
def test_breakdown_report_judges_neurosims_chip_and_shows_the_others(tmp_path, bp_wg, verdict):
    ns = run_file(PAPER / "breakdown.py", "sweep")["report"].__globals__
    ns["pyplot_or_none"] = lambda: None  # no figure
    pies = ns["PAPER_PIES"]
    bp = {**pies["bp"], "weight_gradient": bp_wg, "adc": 52.7 - (bp_wg - 16.1)}  # the rest moves with the WG share
    streaming = {"array": 1.0, "interconnect": 20.0, "adc": 33.0, "accumulation": 12.0, "other": 14.0, "buffer": 9.0}
    docs = [
        _breakdown_doc("bp", "neurosim", bp),
        _breakdown_doc("dfa", "neurosim", pies["dfa"]),
        _breakdown_doc("bp", "neurosim24", {**pies["bp"], "adc": 30.0, "weight_gradient": 38.8}),
        _breakdown_doc("dfa", "neurosim24", pies["dfa"]),
        _breakdown_doc("bp", "consistent", {**streaming, "weight_gradient": 11.0}),
        _breakdown_doc("dfa", "consistent", {**streaming, "weight_gradient": 11.0}),
        _breakdown_doc("dfa", "consistent", {**streaming, "weight_gradient": 11.0}, wgu="shared"),
    ]
    text = ns["report"](docs, tmp_path)
    assert text.startswith("## 6. Area breakdown (784-1024-1024-10, 32 nm)\n")
    assert "| paper | DFA | 0.7 | 7.5 | 24.0 | 4.9 | 9.7 | 53.1 | – |" in text
    neurosim = "NeuroSim's chip (network floorplan, layer WGU, 12-bit words)"
    assert f"| {neurosim} | BP | 0.5 | 11.6 | {52.7 - (bp_wg - 16.1):.1f} |" in text
    # the consistent chip: buffers counted as "other" (14 + 9)
    consistent = "consistent chip (fixed floorplan, streaming WGU, 24-bit words)"
    assert f"| {consistent} | DFA, shared WGU | 1.0 | 20.0 | 33.0 | 12.0 | 23.0 | 11.0 | 10.00 |" in text
    assert f"**Verdict: {verdict}.** On NeuroSim's chip: largest slice BP " in text
    if verdict == "partly":
        assert "slices more than 8 points off: BP ADC -9.0 pt, BP weight gradient +9.0 pt. With" in text
    # the 24-bit chip judged too (BP's largest slice is the weight gradient there)
    assert (
        "With the 24-bit words the running sums need on the same chip: not reproduced "
        "(largest slice BP weight gradient 38.8 %"
    ) in text
    assert (
        "On the consistent chip DFA's weight gradient is 11.0 % (1.10 mm²) against 53.1 % (5.31 mm²) on "
        "NeuroSim's chip: a streaming unit holds two rows"
    ) in text
    held = 784 * 1024 + 1024 * 1024 + 1024 * 10
    assert f"12-bit words {5.31e6 / held:.1f}, 24-bit words {5.31e6 / held:.1f}" in text
    assert ("**Why:**" in text) is (verdict != "reproduced")


def test_utilization_points_cover_both_floorplans(monkeypatch):
    sweep = _load(PAPER / "utilization.py", monkeypatch, quick=False)
    got = {(wl.chip.floorplan, wl.network.sizes[1]) for _key, wl in sweep.points}
    widths = {500, 512, 513, 600, 700, 800, 900, 1000, 1024, 1025, 1100}
    assert got == {(fp, h) for fp in ("fixed", "network") for h in widths}


def _utilization_doc(floorplan: str, h: int, tiles: int, util: float, mm2: float) -> dict:
    return {
        "config": {"chip": {"floorplan": floorplan}, "network": {"sizes": [784, h, h, 10]}},
        "floorplan": {"tiles": tiles, "tile_size": 2, "pe_size": 4, "utilization": util},
        "area": {"total_um2": mm2 * 1e6},
    }


@pytest.mark.parametrize(("network_513", "verdict"), [(0.2, "reproduced"), (0.5, "not reproduced")])
def test_utilization_report_checks_three_drops(tmp_path, network_513, verdict):
    ns = run_file(PAPER / "utilization.py", "sweep")["report"].__globals__
    ns["pyplot_or_none"] = lambda: None  # no figure
    docs = [
        _utilization_doc("fixed", 512, 3, 0.2, 8.0),
        _utilization_doc("fixed", 513, 3, 0.2, 8.0),
        _utilization_doc("fixed", 1024, 3, 0.6, 8.5),
        _utilization_doc("fixed", 1025, 8, 0.2, 21.0),
        _utilization_doc("network", 512, 4, 0.6, 3.0),
        _utilization_doc("network", 513, 3, network_513, 7.0),
        _utilization_doc("network", 1024, 3, 0.6, 7.5),
        _utilization_doc("network", 1025, 3, 0.2, 26.0),
    ]
    text = ns["report"](docs, tmp_path)
    assert text.startswith("## 7. Memory utilisation at tile boundaries\n")
    assert "| 513 | 3 (2, 4) | 20.0 % | 8.00 | 3 (2, 4) | " in text
    assert f"**Verdict: {verdict}.** ✓ fixed 1024 → 1025: utilisation ÷3.00, area ×2.47; " in text
    mark = "✓" if network_513 < 0.3 else "✗"
    assert f"{mark} network 512 → 513: utilisation ÷{0.6 / network_513:.2f}, area ×2.33; " in text
    assert "✓ network 1024 → 1025: utilisation ÷3.00, area ×3.47; " in text
    assert "(not checked: fixed 512 → 513: utilisation ÷1.00, area ×1.00)." in text
    # a missing point fails the verdict
    assert "**Verdict: not reproduced.**" in ns["report"](docs[:-1], tmp_path)


def test_beyond_points_sweep_channels_with_and_without_interleaving(monkeypatch):
    sweep = _load(PAPER / "beyond.py", monkeypatch, quick=False)
    flags = {(wl.rule, wl.chip.dram_channels, wl.chip.dram_interleave) for _key, wl in sweep.points}
    for rule in ("bp", "dfa"):
        for ch in (1, 2, 4, 8):
            assert {(rule, ch, True), (rule, ch, False)} <= flags


def _beyond_doc(name: str, seconds: float, wait: float = 0.0, fw: float = 1e-3) -> dict:
    phases = {"fw": fw, "ag": 0.0, "wg": seconds - fw, "wu": 0.0, "idle": 0.0}
    return {
        "config": {"name": name, "rule": name.split("_")[0]},
        "latency": {"iteration_s": seconds, "per_phase_s": phases},
        "contention": [{"resource": "dram", "wait_mean_cycles": wait}],
    }


def test_beyond_report_compares_interleaved_and_one_channel_per_transfer(tmp_path):
    report = run_file(PAPER / "beyond.py", "sweep")["report"]
    docs = []
    for ch in (1, 2, 4, 8):
        docs += [_beyond_doc(f"bp_dram{ch}", 10e-3), _beyond_doc(f"bp_dram{ch}_nointerleave", 10e-3)]
        docs.append(_beyond_doc(f"dfa_dram{ch}", 8e-3 / ch, 1000.0 / ch))  # interleaved: bandwidth
        docs.append(_beyond_doc(f"dfa_dram{ch}_nointerleave", 8e-3 / min(ch, 2), 1000.0 / ch))  # two streams
    docs += [_beyond_doc("bp_pipelined", 9.5e-3, fw=0.5e-3), _beyond_doc("dfa_pipelined", 0.5e-3, fw=0.5e-3)]
    docs.append(_beyond_doc("dfa_wgushared", 10e-3))
    text = report(docs, tmp_path)
    assert text.startswith("## 10. Beyond the paper: what DFA's advantage depends on (784-512×6-10)\n")
    assert "| 8 DRAM channel(s) | interleaved | 10,000 | 1,000 | 10.00 | 125 |" in text
    assert "| 8 DRAM channel(s) | one channel per transfer | 10,000 | 4,000 | 2.50 | 125 |" in text
    assert "| DFA with a shared WGU | interleaved | 10,000 | 10,000 | 1.00 | 0 |" in text
    assert (
        "**Verdict: measured.** Interleaved: 1 → 8 channels shortens BP ×1.00 and DFA ×8.00 (BP/DFA 1.25 → 10.00; "
    ) in text
    assert "one channel per transfer: 1 → 8 channels shortens BP ×1.00 and DFA ×2.00 (BP/DFA 1.25 → 2.50; " in text
    assert "one shared WGU: BP/DFA 1.00; pipelining changes BP fw 1,000 → 500 µs; DFA fw 1,000 → 500 µs." in text


def test_subarray_report_shows_the_trade_off_with_and_without_ir_drop(tmp_path, monkeypatch):
    monkeypatch.setattr("cyclesim.report.findings.pyplot_or_none", lambda: None)  # no figure
    report = run_file(PAPER / "subarray.py", "sweep")["report"]

    def doc(rule, size, acc, ir):
        config = {"rule": rule, "chip": {"subarray": size}, "effects": {"ir_drop": ir}}
        return {"config": config, "accuracy": {"final_test": acc}}

    plain = [doc(r, s, a, False) for r in ("bp", "dfa") for s, a in ((32, 0.970), (512, 0.966))]
    wired = [doc(r, s, a, True) for r in ("bp", "dfa") for s, a in ((32, 0.968), (512, 0.60))]
    text = report(plain + wired, tmp_path)
    assert "**Verdict: reproduced.**" in text
    assert "without IR drop -0.4, -0.4 points (BP, DFA) from 32 to 512 rows" in text
    assert "with IR drop -36.8, -36.8 points (BP, DFA) from 32 to 512 rows" in text
    assert "**Verdict: partly.**" in report(plain, tmp_path) and "run the IR-drop points" in report(plain, tmp_path)


def _conv_doc(name: str, rule: str, dataset: str, acc: float, mode: str = "ideal", lr: float = 0.025, live=None):
    layers = [{"dead": 1.0 - v, "saturated": 0.0} for v in (live or (1.0, 1.0, 1.0, 1.0))] + [{"dead": None}]
    config = {"name": name, "rule": rule, "dataset": dataset, "mode": mode, "training": {"epochs": 10, "lr": lr}}
    return {"config": config, "accuracy": {"final_test": acc}, "epochs": [{"layers": layers}]}


def _vgg8_doc(rule: str, wall_s: float) -> dict:
    config = {"name": f"vgg8_{rule}_estimate", "rule": rule, "dataset": "synthetic", "mode": "hardware"}
    config["training"] = {"epochs": 0, "lr": 0.025}
    return {
        "config": config,
        "accuracy": {"final_test": None},
        "wall_s": wall_s,
        "floorplan": {"tiles": 25, "subarrays": 800, "utilization": 0.495},
        "area": {"total_um2": 107.85e6, "breakdown_um2": {"adc": 37.75e6, "buffer": 44.49e6}},
        "latency": {"iteration_s": 0.5467, "per_phase_s": {"fw": 0.0176, "ag": 0.0109, "wg": 0.518, "wu": 0.00013}},
        "energy": {"iteration_j": 0.0634, "per_phase_j": {"fw": 0.001, "ag": 0.0018, "wg": 0.0548, "wu": 0.0043}},
    }


@pytest.mark.parametrize(
    ("lenet_dfa", "verdict"), [(0.53, "reproduced"), (0.965, "not reproduced")], ids=["dfa_fails", "dfa_trains"]
)
def test_conv_report_judges_dfa_by_the_gap_against_the_mlp_of_equal_depth(tmp_path, monkeypatch, lenet_dfa, verdict):
    monkeypatch.setattr("cyclesim.report.findings.pyplot_or_none", lambda: None)  # no figure
    report = run_file(PAPER / "conv.py", "sweep")["report"]
    docs = []
    for ds in ("mnist", "fashion-mnist"):
        collapsed = (0.97, 1.0, 0.18, 0.04) if lenet_dfa < 0.9 else None
        docs += [
            _conv_doc(f"lenet_{ds}_bp", "bp", ds, 0.99),
            _conv_doc(f"lenet_{ds}_dfa", "dfa", ds, lenet_dfa, live=collapsed),
            _conv_doc(f"mlp5_{ds}_bp", "bp", ds, 0.98),
            _conv_doc(f"mlp5_{ds}_dfa", "dfa", ds, 0.96),
        ]
    docs += [_conv_doc("lenet_mnist_dfa_lr0.005", "dfa", "mnist", 0.9, lr=0.005)]
    chip = {k: v for k, v in _vgg8_doc("bp", 1.0).items() if k in ("floorplan", "area", "latency", "energy")}
    docs += [{**_conv_doc("lenet_mnist_hardware_bp", "bp", "mnist", 0.982, mode="hardware"), **chip}]
    docs += [_vgg8_doc("bp", 14.0), _vgg8_doc("dfa", 75.0)]
    text = report(docs, tmp_path)
    rules, chip = text.split("## 2.")
    assert rules.startswith("## 1. Learning rules on a convolutional network")
    assert f"**Verdict: {verdict}.**" in rules
    gap, best = 99.0 - 100 * lenet_dfa, 99.0 - max(90.0, 100 * lenet_dfa)  # DFA also ran at lr 0.005: 90 %
    assert f"| MNIST | {gap:.2f} | 2.00 | {best:.2f} | 2.00 | 0.87 |" in rules
    assert f"| Fashion-MNIST | {gap:.2f} | 2.00 | {gap:.2f} | 2.00 | 3.88 |" in rules
    assert "| LeNet | DFA | 90.00 |" not in rules and "| LeNet | DFA | " + f"{100 * lenet_dfa:.2f} | 90.00 |" in rules
    if verdict == "reproduced":
        assert "its dense layers have collapsed" in rules and "DFA 4 %" in rules
    else:
        assert "**Why:**" not in rules
    assert (
        "| LeNet, MNIST, batch 200 | BP | 25 | 800 | 49.5 | 107.85 | 546.700 (17.600 / 10.900 / 518.000 / 0.130)"
        in chip
    )
    assert "| VGG-8, CIFAR-10 shape, batch 16 | BP | 25 | 800 | 49.5 | 107.85 | 546.700 " in chip
    assert "| BP | 99.00 | 98.20 | 0.80 |" in chip
    assert "**Verdict: partly.**" in chip  # VGG-8 DFA over its 60 s
    assert "✓ LeNet trained by BP on the chip within 1 pt of ideal: 0.80 pt" in chip
    assert "✗ VGG-8 (DFA) mapped, priced and one iteration simulated in ≤ 60 s: 75.0 s wall" in chip
