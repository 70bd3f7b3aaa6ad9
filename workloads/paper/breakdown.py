"""Area / energy / latency breakdown of 784-1024-1024-10: BP, DFA, and DFA with a shared WGU.

Reproduces PAPER.md "What they found" items 6 (area pie charts: BP's ADC share vs DFA's
weight-gradient share), 8 (energy dominated by DRAM traffic, about equal for BP and DFA) and
9 (latency dominated by the weight-gradient/update side). training.epochs = 0: no training, the
event-driven engine simulates one iteration in hardware mode. BP and DFA use the default
("auto") chip.wgu / chip.feedback_store; the third point, DFA with chip.wgu="shared", separates
the learning rule from DFA's per-layer weight-gradient units. Built from the shipped
workloads/bp_3layer.py and workloads/dfa_3layer.py.

Points: 3, 1 seed (3 runs).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).
Report (`report`, section 6 of docs/RESULTS.md): area shares of each chip beside the paper's pie
charts (`PAPER_PIES`); reproduced when the largest category is the ADC for BP and the weight
gradient for DFA and no share is more than 8 points off the paper's.

Run: python -m cyclesim sweep workloads/paper/breakdown.py --workers 3
"""

from pathlib import Path

from cyclesim.hw.area import neurosim_summary
from cyclesim.report.findings import pyplot_or_none, save_figure, section
from cyclesim.sweep import grid
from cyclesim.terms import NEUROSIM_LABELS

name = "breakdown"
seeds = 1
order = 9  # place in docs/RESULTS.md

points = [
    grid.evolve(base, name=label, mode="hardware", network={"sizes": (784, 1024, 1024, 10)})
    for label, base in grid.shipped_variants(epochs=0).items()
]

PAPER_PIES = {
    "bp": {"array": 0.5, "interconnect": 11.6, "adc": 52.7, "accumulation": 9.9, "other": 9.2, "weight_gradient": 16.1},
    "dfa": {"array": 0.7, "interconnect": 7.5, "adc": 24.0, "accumulation": 4.9, "other": 9.7, "weight_gradient": 53.1},
}
"""The paper's area pie charts (784-1024-1024-10, 32 nm): % of chip area per category of NeuroSim's summary
(`hw.area.SUMMARY_GROUPS`, buffers counted as "other"), by rule."""


def _shares(doc: dict) -> dict:
    """A result's area shares in NeuroSim's six-way summary, the paper's pie-chart categories."""
    return neurosim_summary(doc["area"]["shares"])


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/area_breakdown.png."""
    rows = ["| chip | " + " | ".join(NEUROSIM_LABELS[c] for c in PAPER_PIES["bp"]) + " | total mm² |", "|---" * 8 + "|"]
    by = {}
    for d in docs:
        key = f"{d['config']['rule']}" + ("-sharedWGU" if d["config"]["chip"]["wgu"] == "shared" else "")
        by[key] = d
        s = _shares(d)
        rows.append(
            f"| {key} | "
            + " | ".join(f"{100 * s[c]:.1f}" for c in PAPER_PIES["bp"])
            + f" | {d['area']['total_um2'] / 1e6:.2f} |"
        )
        if key in PAPER_PIES:
            rows.append(f"| {key} (paper) | " + " | ".join(f"{v:.1f}" for v in PAPER_PIES[key].values()) + " | – |")
    bp, dfa = by.get("bp"), by.get("dfa")
    ok = (
        bp
        and dfa
        and max(_shares(bp), key=_shares(bp).get) == "adc"
        and max(_shares(dfa), key=_shares(dfa).get) == "weight_gradient"
    )
    diffs = (
        []
        if not (bp and dfa)
        else [
            f"{k} {NEUROSIM_LABELS[c]}: {100 * _shares(by[k])[c] - PAPER_PIES[k][c]:+.1f} pt"
            for k in ("bp", "dfa")
            for c in PAPER_PIES[k]
            if abs(100 * _shares(by[k])[c] - PAPER_PIES[k][c]) > 8
        ]
    )
    fig = None
    plt = pyplot_or_none()
    if plt is not None and bp and dfa:
        cats = list(PAPER_PIES["bp"])
        f, ax = plt.subplots(figsize=(7.5, 4))
        series = [
            ("BP", [100 * _shares(bp)[c] for c in cats]),
            ("BP paper", list(PAPER_PIES["bp"].values())),
            ("DFA", [100 * _shares(dfa)[c] for c in cats]),
            ("DFA paper", list(PAPER_PIES["dfa"].values())),
        ]
        w = 0.2
        for i, (label, vals) in enumerate(series):
            ax.bar(
                [x + (i - 1.5) * w for x in range(len(cats))],
                vals,
                w,
                label=label,
                hatch="//" if "paper" in label else None,
                alpha=0.85,
            )
        ax.set_xticks(range(len(cats)), [NEUROSIM_LABELS[c] for c in cats], rotation=20)
        ax.set_ylabel("share of chip area (%)")
        ax.set_title("Area breakdown: cyclesim vs paper (784-1024-1024-10)")
        ax.legend()
        fig = save_figure(plt, f, figures / "area_breakdown.png", "Area breakdown")
    return section(
        "6. Area breakdown (784-1024-1024-10, 32 nm)",
        "BP: ADC 52.7 %, CIM 0.5 %; DFA saves transposed periphery but adds per-layer WGUs (53.1 %).",
        "\n".join(rows),
        "reproduced" if ok and not diffs else ("partly" if ok else "not reproduced"),
        "Largest categories as in the paper; slices more than 8 points off: "
        + (", ".join(diffs) or "none")
        + ". Per-layer WGUs are sized to their own layer here (the paper's share implies units sized like "
        "the largest).",
        fig,
    )
