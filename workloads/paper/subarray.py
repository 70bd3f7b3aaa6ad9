"""Subarray size: chip.subarray in 32, 64, 128, 256, 512 for BP and DFA (hardware mode).

Reproduces PAPER.md "What they found" item 3: larger subarrays cut peripheral overhead (area,
energy) but raise partial-sum error (ADC range), a trade-off between accuracy and cost.
Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py; chip.cols_per_adc
stays at 8 (the shipped value) so only the array size changes.

Points: 5 subarray sizes x 2 rules = 10, each at 3 epochs, 3 seeds (30 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (10 runs).
Report (`report`, section 3 of docs/RESULTS.md): accuracy vs subarray size, and the BP chip's area
and ADC share at each size (computed here from the floorplan); reproduced when accuracy drops by
more than 0.5 points from the smallest to the largest subarray.

Run: python -m cyclesim sweep workloads/paper/subarray.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, figure_lines, md_accuracy_table, section
from cyclesim.sweep import grid

name = "subarray"
seeds = grid.normal_or_quick(3, quick=1)
order = 4  # place in docs/RESULTS.md

points = [
    grid.evolve(base, name=f"{rule}_sub{size}", chip={"subarray": size, "cols_per_adc": 8})
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for size in (32, 64, 128, 256, 512)
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/subarray.png."""
    from cyclesim.config import Chip, Workload
    from cyclesim.hw.area import chip_area
    from cyclesim.hw.floorplan import plan

    acc = accuracy_by(docs, "chip.subarray")
    fig = figure_lines(acc, figures / "subarray.png", "subarray rows = columns", "Accuracy vs subarray size", logx=True)
    rows = ["| subarray | chip area mm² (BP) | ADC share (BP) |", "|---|---|---|"]
    for s in sorted({v for _r, v in acc}):
        wl = Workload(rule="bp", chip=Chip(subarray=s))
        a = chip_area(wl, plan(wl))
        rows.append(f"| {s} | {a.total_um2 / 1e6:.2f} | {100 * a.shares['adc']:.1f} % |")
    sizes = sorted({v for _r, v in acc})
    drop = [acc[(r, sizes[0])][0] - acc[(r, sizes[-1])][0] for r in ("bp", "dfa") if (r, sizes[0]) in acc]
    verdict = "reproduced" if any(d > 0.5 for d in drop) else "partly"
    why = (
        "the partial-sum error here comes only from the ADC's range growing with the number of rows; IR drop "
        "along the lines is not modelled, so the accuracy side of the trade-off is milder than on silicon."
    )
    return section(
        "3. Subarray size",
        "Larger subarrays cut peripheral overhead but raise partial-sum error: a trade-off.",
        md_accuracy_table(acc, "subarray") + "\n\n" + "\n".join(rows),
        verdict,
        f"Accuracy change from {sizes[0]} to {sizes[-1]} rows: "
        f"{', '.join(f'{-d:+.1f}' for d in drop)} points (BP, DFA); area in the second table.",
        fig,
        why if verdict != "reproduced" else None,
    )
