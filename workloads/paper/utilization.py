"""Memory utilisation vs hidden width: BP on 784-h-h-10 for h in 500..1000 (step 100), 1024, 1025, 1100.

Reproduces PAPER.md "What they found" item 7: utilisation drops sharply (and area jumps) when a
layer just exceeds a tile boundary (1024 -> 1025 hidden neurons adds nearly empty tiles).
training.epochs = 0: no training, the event-driven engine simulates one iteration in hardware
mode (area, utilisation, latency, energy). Built from the shipped workloads/bp_3layer.py.

Points: 9 widths, BP only, 1 seed (9 runs).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).

Run: python -m cyclesim sweep workloads/paper/utilization.py --workers 4
"""
from pathlib import Path

import attrs

from cyclesim.workload import load

name = "utilization"
seeds = 1

_base = load(Path(__file__).resolve().parents[1] / "bp_3layer.py")
_base = attrs.evolve(_base, mode="hardware", training=attrs.evolve(_base.training, epochs=0))

points = [
    attrs.evolve(_base, name=f"bp_h{h}", network=attrs.evolve(_base.network, sizes=(784, h, h, 10)))
    for h in (*range(500, 1001, 100), 1024, 1025, 1100)
]
