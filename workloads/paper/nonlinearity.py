"""Weight-update nonlinearity: device.nl_ltp = device.nl_ltd in 0, 1, 2, 4, 6, BP and DFA (hardware).

Not one of PAPER.md's numbered findings; it extends the device study of item 5 (device
imperfections favour BP) to the update nonlinearity of the RRAM cell (the shipped device has
nl_ltp 1.75, nl_ltd 1.46; here LTP and LTD are set equal). Built from the shipped
workloads/bp_3layer.py and workloads/dfa_3layer.py.

Points: 5 nonlinearities x 2 rules = 10, each at 3 epochs, 3 seeds (30 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (10 runs).
Report (`report`, section 5b of docs/RESULTS.md): accuracy vs nonlinearity and each rule's change
from the smallest to the largest; verdict "measured" (the paper makes no claim).

Run: python -m cyclesim sweep workloads/paper/nonlinearity.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, figure_lines, md_accuracy_table, section
from cyclesim.sweep import grid

name = "nonlinearity"
seeds = grid.normal_or_quick(3, quick=1)
order = 7  # place in docs/RESULTS.md

points = [
    grid.evolve(base, name=f"{rule}_nl{nl:g}", device={"nl_ltp": float(nl), "nl_ltd": float(nl)})
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for nl in (0, 1, 2, 4, 6)
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/nonlinearity.png."""
    acc = accuracy_by(docs, "device.nl_ltp")
    fig = figure_lines(
        acc, figures / "nonlinearity.png", "nonlinearity NL (LTP = LTD)", "Accuracy vs update nonlinearity"
    )
    lo, hi = min(v for _r, v in acc), max(v for _r, v in acc)
    drop = {r: acc.get((r, lo), (0,))[0] - acc.get((r, hi), (0,))[0] for r in ("bp", "dfa")}
    return section(
        "5b. Update nonlinearity (beyond the paper)",
        "Not a separate finding of the paper; NeuroSim's device nonlinearity as an extension.",
        md_accuracy_table(acc, "NL"),
        "measured",
        f"From NL {lo} to {hi}: BP {-drop['bp']:+.1f}, DFA {-drop['dfa']:+.1f} points.",
        fig,
    )
