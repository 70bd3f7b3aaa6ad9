"""Depth: network 784-(512 x k)-10 for k = 1..6 hidden layers; BP, DFA and DFA with a shared WGU.

Reproduces PAPER.md "What they found" items 6 (area), 8 (energy) and 9 (latency: the BP/DFA
latency ratio grows with depth, approaching N for an N-layer network, because DFA updates all
layers in parallel). training.epochs = 0: no training, the event-driven engine simulates one
iteration in hardware mode, so only area / latency / energy are produced. The third variant,
DFA with chip.wgu="shared" (one weight-gradient unit, like BP), separates the effect of the
learning rule from the effect of DFA's per-layer weight-gradient units. Built from the shipped
workloads/bp_3layer.py and workloads/dfa_3layer.py.

Points: 6 depths x 3 variants = 18, 1 seed (18 runs; no training, so one seed suffices).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).

Run: python -m cyclesim sweep workloads/paper/depth.py --workers 4
"""
from pathlib import Path

import attrs

from cyclesim.workload import load

name = "depth"
seeds = 1

_WORKLOADS = Path(__file__).resolve().parents[1]
_bp = load(_WORKLOADS / "bp_3layer.py")
_dfa = load(_WORKLOADS / "dfa_3layer.py")
_variants = {
    "bp": _bp,
    "dfa": _dfa,
    "dfa-wgushared": attrs.evolve(_dfa, chip=attrs.evolve(_dfa.chip, wgu="shared")),
}

points = [
    attrs.evolve(
        base,
        name=f"{label}_{k}x512",
        mode="hardware",
        network=attrs.evolve(base.network, sizes=(784,) + (512,) * k + (10,)),
        training=attrs.evolve(base.training, epochs=0),
    )
    for k in range(1, 7)
    for label, base in _variants.items()
]
