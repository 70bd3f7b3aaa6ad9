"""Beyond the paper: what DFA's latency advantage depends on (no training; one simulated iteration).

784-512x6-10 (7 layers): BP and DFA with 1, 2, 4 and 8 DRAM channels; DFA with a shared WGU; and both
rules with the pipelined dataflow. Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py with training.epochs = 0.

Points: 11, 1 seed (11 runs).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).
Report (`report`, section 10 of docs/RESULTS.md): BP and DFA iteration latency, their ratio and
DFA's mean DRAM wait per setting, no figure; verdict "measured" (the paper makes no claim).

Run: python -m cyclesim sweep workloads/paper/beyond.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import section
from cyclesim.sweep import grid

name = "beyond"
seeds = 1
order = 12  # place in docs/RESULTS.md

points = []
for _rule, _base in grid.shipped_by_rule(epochs=0).items():
    _base = grid.evolve(_base, network={"sizes": (784,) + (512,) * 6 + (10,)})
    points += [grid.evolve(_base, name=f"{_rule}_dram{ch}", chip={"dram_channels": ch}) for ch in (1, 2, 4, 8)]
    points.append(grid.evolve(_base, name=f"{_rule}_pipelined", sim={"dataflow": "pipelined"}))
    if _rule == "dfa":
        points.append(grid.evolve(_base, name="dfa_wgushared", chip={"wgu": "shared"}))


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points."""
    by = {d["config"]["name"]: d for d in docs}
    rows = ["| setting | BP µs | DFA µs | BP/DFA | DFA DRAM wait (mean cycles) |", "|---|---|---|---|---|"]

    def wait(d):
        return next((r["wait_mean_cycles"] for r in d["contention"] if r["resource"] == "dram"), 0.0)

    settings = [(f"{ch} DRAM channel(s)", f"bp_dram{ch}", f"dfa_dram{ch}") for ch in (1, 2, 4, 8)]
    settings += [
        ("pipelined dataflow", "bp_pipelined", "dfa_pipelined"),
        ("DFA with a shared WGU", "bp_dram8", "dfa_wgushared"),
    ]
    for label, b, f in settings:
        if b in by and f in by:
            tb, tf = by[b]["latency"]["iteration_s"], by[f]["latency"]["iteration_s"]
            rows.append(f"| {label} | {tb * 1e6:,.0f} | {tf * 1e6:,.0f} | {tb / tf:.2f} | {wait(by[f]):,.0f} |")
    return section(
        "10. Beyond the paper: what DFA's advantage depends on (784-512×6-10)",
        "Not in the paper: the simulator's own question — which shared resources limit the parallel updates.",
        "\n".join(rows),
        "measured",
        "Fewer DRAM channels make DFA's parallel weight-gradient streams queue; one shared WGU removes the "
        "advantage entirely; pipelining shortens only the forward pass.",
        None,
    )
