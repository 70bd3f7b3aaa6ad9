"""Layer width: network 784-w-w-10 for w in 8, 32, 128, 512, 1024, BP and DFA (hardware).

Reproduces PAPER.md "What they found" item 1 / Table I (final test accuracy vs layer width):
DFA's gap to BP grows at small widths (at width 8 DFA collapses to ~8 % while BP reaches ~44 %).
Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py; only network.sizes
and training.epochs change.

Points: 5 widths x 2 rules = 10, each at 3 epochs, 3 seeds (30 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (10 runs).
Report (`report`, section 1b of docs/RESULTS.md): accuracy vs width; reproduced when DFA is more
than 10 points below BP at the narrowest width.

Run: python -m cyclesim sweep workloads/paper/width.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, figure_lines, md_accuracy_table, section
from cyclesim.sweep import grid

name = "width"
seeds = grid.normal_or_quick(3, quick=1)
order = 2  # place in docs/RESULTS.md

points = [
    grid.evolve(base, name=f"{rule}_w{w}", network={"sizes": (784, w, w, 10)})
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for w in (8, 32, 128, 512, 1024)
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/width.png."""
    acc = accuracy_by(docs, "network.sizes")
    acc = {(r, v[1]): m for (r, v), m in acc.items()}
    fig = figure_lines(acc, figures / "width.png", "hidden width", "Accuracy vs width (784-w-w-10)", logx=True)
    narrow = min(v for _r, v in acc)
    b, f = acc.get(("bp", narrow), (float("nan"),))[0], acc.get(("dfa", narrow), (float("nan"),))[0]
    verdict = "reproduced" if f < b - 10 else ("partly" if f < b else "not reproduced")
    widest = max(v for _r, v in acc)
    gap_wide = acc.get(("bp", widest), (float("nan"),))[0] - acc.get(("dfa", widest), (float("nan"),))[0]
    why = None
    if verdict != "reproduced":
        why = (
            f"DFA does not collapse at width {narrow} here: it learns about as well as BP, both limited by the "
            f"{narrow}-unit bottleneck (the gap at width {widest} is {gap_wide:.1f} points). The paper's ~8 % is "
            "below chance (10 %), i.e. its DFA run did not merely learn slowly: its weights or hidden units must "
            "have diverged or died. cyclesim's WAGE training (activations clipped to [0, 1], every step "
            "shift-normalised to a bounded fraction of the weight range) leaves no path to such a divergence, "
            "and nothing else in the model would single out DFA at small width; we have not found a setting "
            "that reproduces the collapse without tuning for it."
        )
    return section(
        "1b. Width (Table I)",
        "At width 8 DFA collapses (~8 %) while BP reaches ~44 %; the gap closes with width.",
        md_accuracy_table(acc, "width"),
        verdict,
        f"At width {narrow}: BP {b:.1f} %, DFA {f:.1f} %.",
        fig,
        why,
    )
