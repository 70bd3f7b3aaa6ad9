"""Quantization: error, gradient and activation precision varied one at a time, BP and DFA (hardware).

Reproduces PAPER.md "What they found" item 4: DFA is more robust to error quantization (its error
path is short and low-dimensional), BP needs higher gradient/error precision, both need enough
activation precision. Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py
(defaults: weight 5, gradient 5, activation 8, error 8). precision.weight stays at 5
(2**weight must not exceed device.levels = 32); precision.gradient is always >= 2.

One-at-a-time design, per rule: the baseline (shipped precisions, named `<rule>_baseline`) once,
then every non-default value of precision.error in {2,3,4,6,8}, precision.gradient in {2,3,4,5,8}
and precision.activation in {2,3,4,6,8} with the other two at their defaults (the default value of
each series is the baseline point, not repeated). Per rule 1 + 4 + 4 + 4 = 13 points.

Points: 13 x 2 rules = 26, each at 3 epochs, 3 seeds (78 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (26 runs).
Report (`report`, section 4 of docs/RESULTS.md): one accuracy table and figure per series; the cost
of the lowest precision of each series; reproduced when the lowest error and gradient precisions
both cost DFA less than BP.

Run: python -m cyclesim sweep workloads/paper/precision.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, cfg, figure_lines, md_accuracy_table, section
from cyclesim.sweep import grid

name = "precision"
seeds = grid.normal_or_quick(3, quick=1)
order = 5  # place in docs/RESULTS.md

_SERIES = {
    "error": (2, 3, 4, 6, 8),
    "gradient": (2, 3, 4, 5, 8),
    "activation": (2, 3, 4, 6, 8),
}

points = [
    point
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for point in grid.one_at_a_time(base, rule, "precision", _SERIES)
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/<error|gradient|activation>_bits.png."""
    out, figs_md = [], []
    drops = {}
    default = {"precision.error": 8, "precision.gradient": 5, "precision.activation": 8}
    for field, label in (
        ("precision.error", "error bits"),
        ("precision.gradient", "gradient bits"),
        ("precision.activation", "activation bits"),
    ):
        others = [f for f in default if f != field]
        acc = accuracy_by(docs, field, keep=lambda d, others=others: all(cfg(d, o) == default[o] for o in others))
        out.append(f"**{label}**\n\n" + md_accuracy_table(acc, label))
        lo = min(v for _r, v in acc)
        drops[field] = {r: acc.get((r, default[field]), (0,))[0] - acc.get((r, lo), (0,))[0] for r in ("bp", "dfa")}
        figs_md.append(figure_lines(acc, figures / f"{field.split('.')[1]}_bits.png", label, f"Accuracy vs {label}"))
    e, g, a = drops["precision.error"], drops["precision.gradient"], drops["precision.activation"]
    error_ok, gradient_ok = e["dfa"] < e["bp"], g["dfa"] < g["bp"]
    verdict = "reproduced" if error_ok and gradient_ok else ("partly" if error_ok or gradient_ok else "not reproduced")
    why = None
    if error_ok and not gradient_ok:
        why = (
            "DFA's robustness to error bits holds, but at low gradient precision DFA loses more than BP here. "
            "Gradients are shift-normalised per layer and rounded stochastically (WAGE), so a 2-bit gradient is "
            "still unbiased and BP, whose updates follow the loss gradient, loses little; DFA's updates are "
            "only aligned with the gradient on average, and the extra rounding noise costs it more."
        )
    return section(
        "4. Quantization",
        "DFA is more robust to error quantization; BP needs more gradient/error precision; both need "
        "activation precision.",
        "\n\n".join(out),
        verdict,
        f"Lowest error precision costs BP {e['bp']:.1f} and DFA {e['dfa']:.1f} points; lowest gradient "
        f"precision BP {g['bp']:.1f} and DFA {g['dfa']:.1f}; lowest activation precision BP {a['bp']:.1f} "
        f"and DFA {a['dfa']:.1f}.",
        "\n\n".join(f for f in figs_md if f),
        why,
    )
