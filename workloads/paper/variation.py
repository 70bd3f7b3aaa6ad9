"""Device variation: cycle-to-cycle (device.c2c) and device-to-device (device.d2d), BP and DFA (hardware).

Reproduces PAPER.md "What they found" item 5: D2D is tolerated by both rules; C2C hurts DFA more
(at 1 % both converge, at 5 % only BP does). Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py (defaults: c2c 0.003, d2d 0).

One-at-a-time design, per rule: the baseline (c2c 0.003, d2d 0, named `<rule>_baseline`) once,
then device.c2c in {0, 0.01, 0.05} at d2d 0 and device.d2d in {0.05, 0.1, 0.2} at c2c 0.003.
The C2C series is the points with d2d == 0; the D2D series those with c2c == 0.003 (both include
the baseline). Per rule 1 + 3 + 3 = 7 points.

Points: 7 x 2 rules = 14, each at 3 epochs, 3 seeds (42 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (14 runs).
Report (`report`, section 5 of docs/RESULTS.md): accuracy tables of both series, a figure of the
C2C series; reproduced when BP is more than 5 points ahead of DFA at the largest C2C.

Run: python -m cyclesim sweep workloads/paper/variation.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, cfg, figure_lines, md_accuracy_table, section
from cyclesim.sweep import grid

name = "variation"
seeds = grid.normal_or_quick(3, quick=1)
order = 6  # place in docs/RESULTS.md

_SERIES = {
    "c2c": (0.0, 0.003, 0.01, 0.05),
    "d2d": (0.0, 0.05, 0.1, 0.2),
}

points = [
    point
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for point in grid.one_at_a_time(base, rule, "device", _SERIES)
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/c2c.png."""
    c2c = accuracy_by(docs, "device.c2c", keep=lambda d: cfg(d, "device.d2d") == 0)
    d2d = accuracy_by(docs, "device.d2d", keep=lambda d: cfg(d, "device.c2c") == 0.003)
    fig = figure_lines(
        c2c, figures / "c2c.png", "C2C sigma (fraction of range)", "Accuracy vs cycle-to-cycle variation"
    )
    hi = max(v for _r, v in c2c)
    b, f = c2c.get(("bp", hi), (0,))[0], c2c.get(("dfa", hi), (0,))[0]
    verdict = "reproduced" if b - f > 5 else ("partly" if b > f else "not reproduced")
    lo = min(v for _r, v in c2c)
    loss = {r: c2c.get((r, lo), (0,))[0] - c2c.get((r, hi), (0,))[0] for r in ("bp", "dfa")}
    why = None
    if verdict == "partly":
        why = (
            f"C2C hurts DFA more, as in the paper (from C2C {lo} to {hi}: BP {-loss['bp']:+.1f}, DFA "
            f"{-loss['dfa']:+.1f} points), but DFA still converges at 5 %. Here C2C is NeuroSim's per-pulse "
            "Gaussian with sigma a fraction of the conductance range, and each weight update is a few pulses "
            "(the step is bounded by the normalised learning rate), so the noise a weight accumulates per "
            "epoch stays small against its range; a chip applying more pulses per update would see more of it."
        )
    return section(
        "5. Device variation",
        "D2D is tolerated by both; C2C hurts DFA more: at 1 % both converge, at 5 % only BP does.",
        "**C2C**\n\n" + md_accuracy_table(c2c, "C2C") + "\n\n**D2D**\n\n" + md_accuracy_table(d2d, "D2D"),
        verdict,
        f"At C2C {hi}: BP {b:.1f} %, DFA {f:.1f} %.",
        fig,
        why,
    )
