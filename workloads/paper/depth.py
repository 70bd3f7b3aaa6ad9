"""Depth: network 784-(512 x k)-10 for k = 1..6 hidden layers (N = k + 1 weight layers), BP and DFA,
on tailored and on iso-hardware chips, for both weight-gradient dataflows.

Reproduces PAPER.md "What they found" items 6 (area), 8 (energy) and 9 (latency: the BP/DFA
latency ratio grows with depth, approaching N for an N-layer network, because DFA updates all
layers in parallel). training.epochs = 0: no training, the event-driven engine simulates one
iteration on the first batch in hardware mode (the dataset is still read for that batch), so only
area / latency / energy are produced. Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py.

The chips (chip.provision, PAPER.md "What we learned"): on a **tailored** chip each rule gets its
natural periphery, BP one shared weight-gradient unit (WGU), DFA one WGU per layer and its feedback
matrices in SRAM (the paper's comparison); on an **iso** chip both get the same periphery, a WGU per
layer and feedback in SRAM, so DFA's chip is the same under both provisions (its iso points, cheap
duplicates, let the report check that) and the iso comparison gives BP DFA's units. The third
variant, DFA with chip.wgu = "shared" ("one WGU"), is the mirror comparison, DFA on BP's
weight-gradient hardware. It is kept beside iso
because iso compares the rules only on the large chip (N units); the mirror compares them on the
small one (the paper's BP chip, one unit), and the two together bracket the rule's own effect from
both sides. Where both ratios stay near 1, the paper's ratio comes from the number of WGUs and
not from BP's backward locking. It costs 12 runs of under a second each.
Dataflows (chip.gradient_accumulation): "dram" (running sums of the weight gradient go through DRAM,
the WGU streams) and "on_chip" (the WGU holds a layer's sums).

Points: 6 depths x 2 dataflows x 5 (BP tailored, BP iso, DFA tailored, DFA iso, DFA one WGU) = 60,
1 seed (60 runs of at most ~1 s each, ~40 s in all on one worker; no training, so one seed suffices).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).
Report (`report`, section 8–9 of docs/RESULTS.md): the BP/DFA iteration-latency ratio per depth on the
tailored, iso and one-WGU chips for each dataflow; per-phase shares at the shallowest and deepest
network; a summary of the critical path at k = 6 (both dataflows) from the documents (results.json holds no
critical path: the forward pass, the busiest WGU and its busy time, DRAM utilisation); energy per
image per phase; figures/depth_ratio.png. Verdict, separately for the tailored and the iso chips:
reproduced when, in both dataflows, the BP/DFA ratio rises with every added layer and reaches at
least 0.75 N at the deepest network; partly when it rises with every added layer, by at least 0.25
per layer on average (a quarter of the ideal slope), but stays below 0.75 N; not reproduced
otherwise. On iso chips "not reproduced" is the expected finding, not a failure of the simulator.

Run: python -m cyclesim sweep workloads/paper/depth.py --workers 4
"""

import math
import re
from itertools import pairwise
from pathlib import Path

from cyclesim.hw.circuits import sram_banks
from cyclesim.report.findings import cfg, pyplot_or_none, save_figure, section
from cyclesim.sweep import grid
from cyclesim.terms import IDLE, PHASES

name = "depth"
seeds = 1
order = 11  # place in docs/RESULTS.md

_DEPTHS = range(1, 7)  # hidden layers k
_DATAFLOWS = ("dram", "on_chip")  # chip.gradient_accumulation
_CHIPS = {  # (rule, chip) -> its chip fields
    ("bp", "tailored"): {"provision": "tailored"},
    ("bp", "iso"): {"provision": "iso"},
    ("dfa", "tailored"): {"provision": "tailored"},
    ("dfa", "iso"): {"provision": "iso"},
    ("dfa", "one_wgu"): {"provision": "tailored", "wgu": "shared"},
}
_COMPARISONS = {  # comparison -> (BP's point, DFA's point)
    "tailored": (("bp", "tailored"), ("dfa", "tailored")),
    "iso": (("bp", "iso"), ("dfa", "iso")),
    "one WGU": (("bp", "tailored"), ("dfa", "one_wgu")),
}
_LABELS = {
    ("bp", "tailored"): "BP tailored",
    ("bp", "iso"): "BP iso",
    ("dfa", "tailored"): "DFA tailored",
    ("dfa", "iso"): "DFA iso",
    ("dfa", "one_wgu"): "DFA one WGU",
}
_DEEP_SHARE = 0.75  # "approaches N": at least this fraction of N at the deepest network
_MIN_SLOPE = 0.25  # "grows with depth": at least this much ratio per added layer on average
_NAN = float("nan")

_VARIANTS = grid.shipped_by_rule(epochs=0)

points = [
    grid.evolve(
        _VARIANTS[rule],
        name=f"{rule}_{chip}_{flow}_{k}x512",
        mode="hardware",
        network={"sizes": (784,) + (512,) * k + (10,)},
        chip={**fields, "gradient_accumulation": flow},
    )
    for flow in _DATAFLOWS
    for k in _DEPTHS
    for (rule, chip), fields in _CHIPS.items()
]


# ---- reading the documents -----------------------------------------------------------------------


def _key(d: dict) -> tuple[str, str, str, int]:
    """(rule, chip, dataflow, k) of a results document."""
    chip = "one_wgu" if cfg(d, "chip.wgu") == "shared" else cfg(d, "chip.provision")
    return d["config"]["rule"], chip, cfg(d, "chip.gradient_accumulation"), len(cfg(d, "network.sizes")) - 2


def _seconds(d: dict | None) -> float:
    return d["latency"]["iteration_s"] if d else _NAN


def _us(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1e6:,.0f}"


def _ratio(by: dict, comparison: str, flow: str, k: int) -> float:
    """BP's iteration over DFA's in one comparison (nan when either point is missing)."""
    bp, dfa = _COMPARISONS[comparison]
    return _seconds(by.get((*bp, flow, k))) / _seconds(by.get((*dfa, flow, k)))


def _wgus(d: dict) -> dict[str, float]:
    """{WGU resource ("wgu" shared, "wgu<l>" layer l's): busy seconds} from the document's contention."""
    lat = d["latency"]
    cycle_s = lat["iteration_s"] / lat["iteration_cycles"]
    return {
        r["resource"]: r["busy_cycles"] * cycle_s
        for r in d.get("contention") or ()
        if re.fullmatch(r"wgu[0-9]*", r["resource"])
    }


def _busiest(d: dict) -> tuple[str, float]:
    """(name, busy seconds) of the WGU busy longest ("–", 0 when there is none)."""
    units = _wgus(d)
    return max(units.items(), key=lambda kv: kv[1]) if units else ("–", 0.0)


def _forward_s(d: dict) -> float:
    """When the forward pass is over (`performance.forward_s`: the end of its last busy interval)."""
    return (d.get("performance") or {}).get("forward_s", _NAN)


def _dram_utilization(d: dict) -> float:
    return next((r["utilization"] for r in d.get("contention") or () if r["resource"] == "dram"), _NAN)


def _unit_text(d: dict, unit: str) -> str:
    """A WGU's name with what it serves: the shared unit every layer, `wgu<l>` layer l (its fan-in)."""
    if unit == "wgu":
        return f"wgu (all {len(cfg(d, 'network.sizes')) - 1} layers)"
    layer = int(unit[3:]) if unit[3:].isdigit() else None
    sizes = cfg(d, "network.sizes")
    return unit if layer is None or layer > len(sizes) - 1 else f"{unit} (layer {layer}, {sizes[layer - 1]} inputs)"


# ---- verdicts --------------------------------------------------------------------------------------


def _grade(series: list[tuple[int, float]]) -> str:
    """The verdict of one comparison in one dataflow from its (N, ratio) points (see the module doc)."""
    ratios = [r for _n, r in series if not math.isnan(r)]
    if len(ratios) < 2 or len(ratios) != len(series):
        return "not reproduced"
    (n0, r0), (n1, r1) = series[0], series[-1]
    rising = all(a < b for a, b in pairwise(ratios)) and (r1 - r0) / (n1 - n0) >= _MIN_SLOPE
    if rising and r1 >= _DEEP_SHARE * n1:
        return "reproduced"
    return "partly" if rising else "not reproduced"


def _verdict(grades: list[str]) -> str:
    """One chip's verdict over the dataflows: the weakest of theirs."""
    for v in ("not reproduced", "partly"):
        if v in grades:
            return v
    return "reproduced" if grades else "not reproduced"


def _series(by: dict, comparison: str, flow: str, ks: list[int]) -> list[tuple[int, float]]:
    return [(k + 1, _ratio(by, comparison, flow, k)) for k in ks]


# ---- tables ----------------------------------------------------------------------------------------


def _ratio_table(by: dict, flows: list[str], ks: list[int]) -> str:
    head = (
        "| dataflow | k | N | "
        + " | ".join(f"{label} µs" for label in _LABELS.values())
        + " | BP/DFA tailored | BP/DFA iso | BP/DFA one WGU |"
    )
    rows = [head, "|---" * (3 + len(_LABELS) + len(_COMPARISONS)) + "|"]
    for flow in flows:
        for k in ks:
            lat = [_us(_seconds(by.get((*v, flow, k)))) for v in _LABELS]
            ratios = [_ratio(by, c, flow, k) for c in _COMPARISONS]
            rows.append(
                f"| {flow} | {k} | {k + 1} | "
                + " | ".join(lat)
                + " | "
                + " | ".join("–" if math.isnan(r) else f"{r:.2f}" for r in ratios)
                + " |"
            )
    return (
        "Iteration latency (µs) and the BP/DFA ratio; N = k + 1 weight layers. Tailored: each rule its own "
        "chip (BP one WGU, DFA one per layer); iso: both on DFA's periphery (a WGU per layer, feedback in "
        "SRAM); one WGU: DFA on BP's one unit.\n\n" + "\n".join(rows)
    )


def _shares_table(by: dict, flows: list[str], ks: list[int]) -> str:
    parts = (*PHASES, IDLE)
    rows = [
        "| dataflow | k | point | iteration µs | " + " | ".join(parts) + " | outside FW |",
        "|---" * (4 + len(parts) + 1) + "|",
    ]
    for flow in flows:
        for k in sorted({ks[0], ks[-1]}):
            for v, label in _LABELS.items():
                d = by.get((*v, flow, k))
                if d is None:
                    continue
                t, ph = d["latency"]["iteration_s"], d["latency"]["per_phase_s"]
                cells = " | ".join(f"{100 * ph.get(p, 0.0) / t:.1f}" for p in parts)
                rows.append(f"| {flow} | {k} | {label} | {_us(t)} | {cells} | {100 * (1 - ph['fw'] / t):.1f} % |")
    return (
        "Per-phase shares of the iteration (%; `latency.per_phase_s`: each cycle split among the phases busy in "
        "it), at the shallowest and the deepest network:\n\n" + "\n".join(rows)
    )


def _path_row(d: dict, flow: str, label: str) -> str:
    t, fw = d["latency"]["iteration_s"], _forward_s(d)
    units = _wgus(d)
    slow, busy = _busiest(d)
    area = d.get("area", {}).get("total_um2", _NAN) / 1e6
    return (
        f"| {flow} | {label} | {_us(t)} | {_us(fw)} | {_straggler_text(d)} | {_us(busy)} ({100 * busy / t:.0f} %) | "
        f"{_us(sum(units.values()))} | {100 * (fw + busy) / t:.0f} % | {_us(t - fw - busy)} | "
        f"{100 * _dram_utilization(d):.0f} % | {area:.2f} |"
    )


def _path_table(by: dict, flows: list[str], k: int) -> str:
    rows = [
        "| dataflow | point | iteration µs | forward pass ends µs | slowest WGU | its busy µs (% of iteration) | "
        "all WGUs busy µs | forward + slowest WGU | rest µs | DRAM utilisation | area mm² |",
        "|---" * 11 + "|",
    ]
    rows += [
        _path_row(by[(*v, flow, k)], flow, label)
        for flow in flows
        for v, label in _LABELS.items()
        if (*v, flow, k) in by
    ]
    return (
        f"The critical path at k = {k}, summarised from the documents. results.json keeps no critical path (the "
        "console's `critical_path` walks the engine's busy intervals, which only the in-memory iteration holds; "
        "`python -m cyclesim run … --contention` prints it). Every weight gradient needs the output error, so a "
        "WGU works only after the forward pass: the forward pass (`performance.forward_s`) plus the slowest WGU's "
        "busy time (`contention`: the cycles it computes) is "
        "a lower bound of the iteration. Where it covers nearly all of it, the critical path is the forward pass "
        "then that unit; the rest is that unit waiting, for its error (BP's backward chain) or for "
        "its operands and running sums from DRAM, and the last update.\n\n" + "\n".join(rows)
    )


def _energy_table(by: dict, flows: list[str], ks: list[int]) -> str:
    rows = [
        "| dataflow | k | point | " + " | ".join(PHASES) + " | leakage | total |",
        "|---" * (3 + len(PHASES) + 2) + "|",
    ]
    for flow in flows:
        for k in ks:
            for v, label in _LABELS.items():
                d = by.get((*v, flow, k))
                if d is None:
                    continue
                batch, en = cfg(d, "training.batch_size"), d["energy"]
                uj = [en["per_phase_j"].get(p, 0.0) for p in PHASES] + [en.get("leakage_j", 0.0), en["iteration_j"]]
                rows.append(f"| {flow} | {k} | {label} | " + " | ".join(f"{j / batch * 1e6:.3g}" for j in uj) + " |")
    return (
        "Energy per image (µJ: `energy.per_phase_j`, `leakage_j` and `iteration_j` over the batch size):\n\n"
        + "\n".join(rows)
    )


# ---- the reasons -----------------------------------------------------------------------------------


def _slowest(d: dict) -> list[str]:
    """The WGUs within 1 % of the longest busy time (ties: several layers' units equally slow)."""
    units = _wgus(d)
    top = max(units.values(), default=0.0)
    return [u for u, s in units.items() if s >= 0.99 * top]


def _straggler_text(d: dict) -> str:
    """The slowest WGU with what it serves, or the tied ones."""
    tied = _slowest(d)
    if not tied:
        return "–"
    if len(tied) == 1:
        return _unit_text(d, tied[0])
    return f"{tied[0]}–{tied[-1]} ({len(tied)} tied)" if len(tied) > 2 else " and ".join(tied) + " (tied)"


def _banking_text(bp: dict, dfa: dict) -> str:
    """Why per-layer units that hold their layer are slower than a shared one (on-chip accumulation):
    a unit's SRAM is banked by the rows it holds (`circuits.sram_banks`), banks work on rows in
    parallel, and the shared unit holds the largest layer."""
    capacity = cfg(dfa, "chip.wgu_capacity")
    if capacity == "auto":
        capacity = "layer" if cfg(dfa, "chip.gradient_accumulation") == "on_chip" else "stream"
    shapes = (bp.get("floorplan") or {}).get("wgu_shapes"), (dfa.get("floorplan") or {}).get("wgu_shapes")
    if capacity != "layer" or not all(shapes):
        return ""
    shared = shapes[0][0][0]
    tied = _slowest(dfa)
    layer = int(tied[0][3:]) if tied[0][3:].isdigit() else 0
    if not 1 <= layer <= len(shapes[1]):
        return ""
    rows = shapes[1][layer - 1][0]
    b_shared, b_own = sram_banks(shared)[0], sram_banks(rows)[0]
    if b_shared <= b_own:
        return ""
    return (
        f" doing the same sums: a unit that holds its layer is banked by the rows it holds, and BP's, sized for the "
        f"{shared}-row layer, works on {b_shared} banks where the {rows}-row layer's own unit has {b_own}"
    )


def _why_flow(by: dict, flow: str, k: int) -> str | None:
    """Why the tailored ratio falls short of N and the iso ratio stays near 1, from one dataflow's
    documents at depth k."""
    bp_t, dfa_t = (by.get((*v, flow, k)) for v in _COMPARISONS["tailored"])
    bp_i, dfa_i = (by.get((*v, flow, k)) for v in _COMPARISONS["iso"])
    if not (bp_t and dfa_t and bp_i and dfa_i) or min(_busiest(d)[1] for d in (bp_t, dfa_t, bp_i, dfa_i)) <= 0:
        return None
    n = k + 1
    t_bp, t_dfa, t_iso, t_dfa_i = (_seconds(d) for d in (bp_t, dfa_t, bp_i, dfa_i))
    fw_bp, fw_dfa, fw_iso, fw_dfa_i = (_forward_s(d) for d in (bp_t, dfa_t, bp_i, dfa_i))
    one = sum(_wgus(bp_t).values())
    units = _wgus(dfa_t)
    _slow, slow_s = _busiest(dfa_t)
    parallel = sum(units.values())
    wg_bp = bp_t["latency"]["per_phase_s"]["wg"] / t_bp
    text = (
        f"*{flow}, k = {k} (N = {n}).* Tailored: weight gradients take {100 * wg_bp:.0f} % of BP's iteration. "
        f"BP's iteration is its forward pass {_us(fw_bp)} + its one WGU, which forms all {n} layers' gradients "
        f"in turn, {_us(one)} + the rest {_us(t_bp - fw_bp - one)} µs; DFA's is its forward pass {_us(fw_dfa)} + "
        f"its slowest unit, {_straggler_text(dfa_t)}, {_us(slow_s)} + the rest {_us(t_dfa - fw_dfa - slow_s)} µs. "
        f"The ratio ({t_bp / t_dfa:.2f}) would be N = {n} only if the one unit's work were N times the slowest "
        f"unit's (it is {one / slow_s:.2f} times"
    )
    others = [s for u, s in units.items() if u not in _slowest(dfa_t)]
    if others:
        text += f": the slowest unit is busy {slow_s / max(others):.2f}× the next"
    if parallel > 1.01 * one:
        text += f"; DFA's {len(units)} units are busy {_us(parallel)} µs in all against {_us(one)} µs for BP's one unit"
        text += _banking_text(bp_t, dfa_t)
    text += (
        f") and the forward pass and the rest took no time (they are {100 * (1 - slow_s / t_dfa):.0f} % of DFA's "
        "iteration)."
    )
    same = set(_slowest(bp_i)) == set(_slowest(dfa_i)) and abs(_busiest(bp_i)[1] / _busiest(dfa_i)[1] - 1) < 0.01
    iso_slow_s = _busiest(bp_i)[1]
    rest_bp, rest_dfa = t_iso - fw_iso - iso_slow_s, t_dfa_i - fw_dfa_i - _busiest(dfa_i)[1]
    ag_bp, ag_dfa = (d["latency"]["per_phase_s"]["ag"] for d in (bp_i, dfa_i))
    only = " only" if t_iso < 1.5 * t_dfa_i else ""
    text += (
        f" Iso: BP gets DFA's units and {'the same slowest unit' if same else 'its slowest unit'}, "
        f"{_straggler_text(bp_i)}, busy {_us(iso_slow_s)} µs, so its iteration is longer than DFA's by{only} "
        f"{_us(t_iso - t_dfa_i)} µs ({100 * (t_iso / t_dfa_i - 1):.0f} %): beyond the forward pass and the slowest "
        f"unit BP spends {_us(rest_bp)} µs against DFA's {_us(rest_dfa)} µs, the unit waiting while BP's error "
        f"goes back down {k} transposed read{'s' if k > 1 else ''} (activation-gradient phase {_us(ag_bp)} µs "
        f"against DFA's {_us(ag_dfa)} µs). That wait is what backward locking costs here."
    )
    return text


def _span(values: list[float], digits: int = 1) -> str:
    """The range "lo–hi %" of fractions, or one value where they agree at that precision."""
    lo, hi = (f"{100 * v:.{digits}f}" for v in (min(values), max(values)))
    return f"{lo} %" if lo == hi else f"{lo}–{hi} %"


def _figure(by: dict, flows: list[str], ks: list[int], figures: Path) -> str | None:
    plt = pyplot_or_none()
    if plt is None or not flows or not ks:
        return None
    f, axes = plt.subplots(1, len(flows), figsize=(5.2 * len(flows), 4), sharey=True, squeeze=False)
    ns = [k + 1 for k in ks]
    for ax, flow in zip(axes[0], flows, strict=True):
        for (comparison, style), colour in zip(
            (("tailored", "o-"), ("iso", "s-"), ("one WGU", "^--")), ("tab:orange", "tab:blue", "tab:grey"), strict=True
        ):
            series = [(n, r) for n, r in _series(by, comparison, flow, ks) if not math.isnan(r)]
            if series:
                ax.plot(*zip(*series, strict=True), style, color=colour, label=f"BP / DFA, {comparison}")
        ax.plot(ns, ns, ":", color="black", label="N (the paper's limit)")
        ax.set_xlabel("weight layers N = k + 1")
        ax.set_title(f"gradient accumulation: {flow}")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("BP / DFA iteration latency")
    axes[0][0].legend()
    return save_figure(plt, f, figures / "depth_ratio.png", "BP/DFA latency ratio vs depth, tailored and iso chips")


# ---- the section -----------------------------------------------------------------------------------


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/depth_ratio.png."""
    by = {_key(d): d for d in docs}
    flows = [f for f in _DATAFLOWS if any(key[2] == f for key in by)]
    ks = sorted({key[3] for key in by})
    body = [_ratio_table(by, flows, ks), _shares_table(by, flows, ks)]
    if ks:
        body.append(_path_table(by, flows, ks[-1]))
    body.append(_energy_table(by, flows, ks))
    verdicts, measured, ratios = {}, [], {}
    for comparison in _COMPARISONS:
        grades = []
        for flow in flows:
            series = _series(by, comparison, flow, ks)
            grades.append(_grade(series))
            ratios.setdefault(comparison, []).extend(r for _n, r in series if not math.isnan(r))
            measured.append(
                f"{comparison} {flow} " + ", ".join("–" if math.isnan(r) else f"{r:.2f}" for _n, r in series)
            )
        verdicts[comparison] = _verdict(grades)
    reason = (
        f"BP/DFA iteration ratio for N = {', '.join(str(k + 1) for k in ks)}: "
        + "; ".join(measured)
        + f". Tailored chips (the paper's comparison: DFA's N WGUs against BP's one): {verdicts['tailored']}. "
        f"Iso chips (a WGU per layer for both): {verdicts['iso']}"
        + (
            f"; on the same hardware the ratio grows by {_slopes(by, 'iso', flows, ks)} per added layer (toward N it "
            "would grow by 1) and does not approach N. This is a finding about what the paper compared, not a "
            "failure of the simulator"
            if verdicts["iso"] != "reproduced"
            else "; backward locking alone makes the ratio approach N"
        )
        + "."
        + _one_wgu_text(ratios.get("one WGU", []))
        + _consistency_text(by, flows, ks)
    )
    whys = [w for w in (_why_flow(by, f, ks[-1]) for f in flows) if w] if ks else []
    if whys and verdicts["iso"] != "reproduced":
        whys.append(
            "The paper's ratio thus measures DFA's N weight-gradient units against BP's one more than the learning "
            "rule: on the same hardware BP is slower only by its backward chain."
        )
    why = " ".join(whys) or None
    return section(
        "8–9. Energy and latency vs depth (784-512×k-10, one simulated iteration)",
        "Energy is dominated by DRAM and about equal for BP and DFA; ~91 % of latency is outside the "
        "forward pass; the BP/DFA latency ratio grows with depth toward N.",
        "\n\n".join(body),
        f"tailored chips {verdicts['tailored']}; iso chips {verdicts['iso']}",
        reason,
        _figure(by, flows, ks, figures),
        why,
    )


def _range(values: list[float]) -> str:
    lo, hi = f"{min(values):.2f}", f"{max(values):.2f}"
    return lo if lo == hi else f"{lo}–{hi}"


def _slopes(by: dict, comparison: str, flows: list[str], ks: list[int]) -> str:
    """The mean growth of the ratio per added layer, per dataflow ("0.04 (dram), 0.05 (on_chip)")."""
    out = []
    for flow in flows:
        series = [(n, r) for n, r in _series(by, comparison, flow, ks) if not math.isnan(r)]
        if len(series) > 1:
            (n0, r0), (n1, r1) = series[0], series[-1]
            out.append(f"{(r1 - r0) / (n1 - n0):.2f} ({flow})")
    return ", ".join(out) or "–"


def _one_wgu_text(ratios: list[float]) -> str:
    if not ratios:
        return ""
    return (
        f" DFA on BP's one WGU (the mirror comparison): BP/DFA {_range(ratios)} at every depth; where every "
        "gradient queues for one unit, DFA's parallel updates gain nothing."
    )


def _consistency_text(by: dict, flows: list[str], ks: list[int]) -> str:
    """DFA's two provisions agree; energy of DFA against BP on each chip; DRAM's energy share per dataflow;
    latency outside the forward pass."""
    pairs = [(f, k) for f in flows for k in ks]
    same = [
        abs(_seconds(by[("dfa", "iso", f, k)]) / _seconds(by[("dfa", "tailored", f, k)]) - 1)
        for f, k in pairs
        if ("dfa", "iso", f, k) in by and ("dfa", "tailored", f, k) in by
    ]
    energy = [
        abs(by[(*dfa, f, k)]["energy"]["iteration_j"] / by[(*bp, f, k)]["energy"]["iteration_j"] - 1)
        for bp, dfa in _COMPARISONS.values()
        for f, k in pairs
        if (*bp, f, k) in by and (*dfa, f, k) in by
    ]
    dram = {
        f: [
            d["energy"]["per_component_j"]["dram"] / sum(d["energy"]["per_component_j"].values())
            for key, d in by.items()
            if key[2] == f
        ]
        for f in flows
    }
    outside = [1 - d["latency"]["per_phase_s"]["fw"] / d["latency"]["iteration_s"] for d in by.values()]
    parts = []
    if same:
        agree = "identical" if max(same) == 0 else f"within {100 * max(same):.2g} %"
        parts.append(f"DFA's iteration is {agree} on both provisions (the provision changes only BP's chip)")
    if energy:
        parts.append(f"DFA's energy is within {100 * max(energy):.2f} % of BP's in every comparison")
    shares = [f"{_span(v)} with {f} accumulation" for f, v in dram.items() if v]
    if shares:
        parts.append("DRAM's share of the energy is " + ", ".join(shares))
    if outside:
        parts.append(f"{_span(outside, 0)} of the latency lies outside the forward pass")
    return (" " + "; ".join(parts) + ".") if parts else ""
