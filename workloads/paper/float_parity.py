"""Float parity of BP and DFA: ideal (floating-point, no hardware) training on MNIST and Fashion-MNIST.

Reproduces PAPER.md "What they found" item 1 (first half): BP and DFA reach comparable accuracy in
float on MNIST / Fashion-MNIST MLPs. Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py (784-256-256-10) with mode="ideal"; Fashion-MNIST uses training.lr=0.01
(MNIST keeps the shipped 0.025).

Points: 2 datasets x 2 rules = 4, each at 10 epochs, 3 seeds (12 runs).
Quick mode (CYCLESIM_QUICK=1): 2 epochs, 1 seed (4 runs).
Report (`report`, section 1 of docs/RESULTS.md): accuracy per dataset and rule, BP's lead over DFA;
reproduced when BP leads by 0 to 2.5 points on both datasets.

Run: python -m cyclesim sweep workloads/paper/float_parity.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import RULE_COLOURS, final, pyplot_or_none, save_figure, section, stats
from cyclesim.sweep import grid

name = "float_parity"
seeds = grid.normal_or_quick(3, quick=1)
order = 1  # place in docs/RESULTS.md

_EPOCHS = grid.normal_or_quick(10, quick=2)
_DATASETS = {"mnist": 0.025, "fashion-mnist": 0.01}  # dataset -> learning rate

points = [
    grid.evolve(
        base, name=f"{rule}_{dataset}_float", mode="ideal", dataset=dataset, training={"epochs": _EPOCHS, "lr": lr}
    )
    for dataset, lr in _DATASETS.items()
    for rule, base in grid.shipped_by_rule().items()
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/float_parity.png."""
    acc = {}
    for d in docs:
        acc.setdefault((d["config"]["dataset"], d["config"]["rule"]), []).append(final(d))
    rows = ["| dataset | BP (%) | DFA (%) | gap (pt) |", "|---|---|---|---|"]
    gaps = []
    for ds in ("mnist", "fashion-mnist"):
        b, f = stats(acc.get((ds, "bp"), [])), stats(acc.get((ds, "dfa"), []))
        gaps.append(100 * (b[0] - f[0]))
        rows.append(
            f"| {ds} | {100 * b[0]:.2f} ± {100 * b[1]:.2f} | {100 * f[0]:.2f} ± {100 * f[1]:.2f} | {gaps[-1]:.2f} |"
        )
    ok = all(0 <= g < 2.5 for g in gaps)
    fig = None
    plt = pyplot_or_none()
    if plt is not None:
        f, ax = plt.subplots(figsize=(6.4, 4))
        sets = ("mnist", "fashion-mnist")
        for i, (rule, colour) in enumerate(RULE_COLOURS):
            ms = [stats(acc.get((ds, rule), [])) for ds in sets]
            ax.bar(
                [x + (i - 0.5) * 0.35 for x in range(2)],
                [100 * m[0] for m in ms],
                0.35,
                yerr=[100 * m[1] for m in ms],
                capsize=3,
                color=colour,
                label=rule.upper(),
            )
        ax.set_xticks(range(2), sets)
        ax.set_ylim(50, 100)
        ax.set_ylabel("final test accuracy (%)")
        ax.set_title("Float (ideal mode) accuracy")
        ax.legend()
        fig = save_figure(plt, f, figures / "float_parity.png", "Float parity")
    why = (
        None
        if ok
        else (
            "the gap is outside 0–2.5 points; with few epochs (quick mode) DFA, whose hidden "
            "layers first have to align with the fixed feedback, is further behind BP."
        )
    )
    return section(
        "1. Float parity (ideal mode)",
        "BP and DFA are comparable in float on MNIST/Fashion-MNIST MLPs; BP stays ahead.",
        "\n".join(rows),
        "reproduced" if ok else "partly",
        f"BP leads by {', '.join(f'{g:.2f}' for g in gaps)} points (MNIST, Fashion-MNIST); "
        "'comparable' is taken as a gap of 0 to 2.5 points.",
        fig,
        why,
    )
