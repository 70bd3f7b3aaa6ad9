"""Subarray size: chip.subarray in 32, 64, 128, 256, 512 for BP and DFA (hardware mode).

Reproduces PAPER.md "What they found" item 3: larger subarrays cut peripheral overhead (area,
energy) but raise partial-sum error (ADC range), a trade-off between accuracy and cost.
Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py; chip.cols_per_adc
stays at 8 (the shipped value) so only the array size changes.

Each size runs with ideal wires (the shipped chip) and with `effects.ir_drop=true` (reads through the
node's resistive row and column wires, access transistors in series; `cyclesim.irdrop`).

Points: 5 subarray sizes x 2 rules x 2 wire models = 20, each at 3 epochs, 3 seeds (60 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (20 runs).
Report (`report`, section 3 of docs/RESULTS.md): accuracy vs subarray size with and without IR drop,
and the BP chip's area and ADC share at each size (computed here from the floorplan); reproduced when
accuracy with IR drop drops by more than 0.5 points from the smallest to the largest subarray (the
physics the claim is about), with the change without IR drop beside it.

Run: python -m cyclesim sweep workloads/paper/subarray.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, cfg, figure_lines, md_accuracy_table, section
from cyclesim.sweep import grid

name = "subarray"
seeds = grid.normal_or_quick(3, quick=1)
order = 4  # place in docs/RESULTS.md

points = [
    grid.evolve(
        base,
        name=f"{rule}_sub{size}" + ("_irdrop" if ir else ""),
        chip={"subarray": size, "cols_per_adc": 8},
        effects={"ir_drop": ir},
    )
    for ir in (False, True)
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for size in (32, 64, 128, 256, 512)
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/subarray.png."""
    from cyclesim.config import Chip, Workload
    from cyclesim.hw.area import chip_area
    from cyclesim.hw.floorplan import plan

    by_wires = {
        ir: accuracy_by(docs, "chip.subarray", lambda d, ir=ir: cfg(d, "effects.ir_drop") is ir) for ir in (False, True)
    }
    acc = by_wires[True] or by_wires[False]
    title = "Accuracy vs subarray size" + (" (IR drop)" if by_wires[True] else "")
    fig = figure_lines(acc, figures / "subarray.png", "subarray rows = columns", title, logx=True)
    rows = ["| subarray | chip area mm² (BP) | ADC share (BP) |", "|---|---|---|"]
    for s in sorted({v for _r, v in acc}):
        wl = Workload(rule="bp", chip=Chip(subarray=s))
        a = chip_area(wl, plan(wl))
        rows.append(f"| {s} | {a.total_um2 / 1e6:.2f} | {100 * a.shares['adc']:.1f} % |")

    def drops(a):
        sizes = sorted({v for _r, v in a})
        return sizes, [a[(r, sizes[0])][0] - a[(r, sizes[-1])][0] for r in ("bp", "dfa") if (r, sizes[0]) in a]

    sizes, drop = drops(acc)
    verdict = "reproduced" if any(d > 0.5 for d in drop) else "partly"
    lines = []
    for ir, a in by_wires.items():
        if a:
            sz, dr = drops(a)
            lines.append(
                f"{'with' if ir else 'without'} IR drop {', '.join(f'{-d:+.1f}' for d in dr)} points (BP, DFA) "
                f"from {sz[0]} to {sz[-1]} rows"
            )
    tables = "\n\n".join(
        f"**{'with IR drop (`effects.ir_drop=true`)' if ir else 'ideal wires (the shipped chip)'}:**\n\n"
        + md_accuracy_table(a, "subarray")
        for ir, a in by_wires.items()
        if a
    )
    why = None
    if not by_wires[True]:
        why = (
            "without IR drop the partial-sum error comes only from the ADC's range growing with the number of "
            "rows, so the accuracy side of the trade-off is milder than on silicon; run the IR-drop points."
        )
    return section(
        "3. Subarray size",
        "Larger subarrays cut peripheral overhead but raise partial-sum error: a trade-off.",
        tables + "\n\n" + "\n".join(rows),
        verdict,
        f"Accuracy change: {'; '.join(lines)}; area in the last table.",
        fig,
        why,
    )
