"""Beyond the paper: what DFA's latency advantage depends on (no training; one simulated iteration).

784-512x6-10 (7 layers): BP and DFA with 1, 2, 4 and 8 DRAM channels; DFA with a shared WGU; and both
rules with the pipelined dataflow. Quick mode (CYCLESIM_QUICK=1) changes nothing here.
"""
from pathlib import Path

import attrs

from cyclesim.workload import load

name = "beyond"
seeds = 1

here = Path(__file__).resolve().parents[1]
points = []
for rule in ("bp", "dfa"):
    base = load(here / f"{rule}_3layer.py")
    base = attrs.evolve(
        base,
        network=attrs.evolve(base.network, sizes=(784,) + (512,) * 6 + (10,)),
        training=attrs.evolve(base.training, epochs=0),
    )
    for ch in (1, 2, 4, 8):
        points.append(attrs.evolve(base, name=f"{rule}_dram{ch}", chip=attrs.evolve(base.chip, dram_channels=ch)))
    points.append(attrs.evolve(base, name=f"{rule}_pipelined", sim=attrs.evolve(base.sim, dataflow="pipelined")))
    if rule == "dfa":
        points.append(attrs.evolve(base, name="dfa_wgushared", chip=attrs.evolve(base.chip, wgu="shared")))
