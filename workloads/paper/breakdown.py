"""Area / energy / latency breakdown of 784-1024-1024-10: BP, DFA, and DFA with a shared WGU.

Reproduces PAPER.md "What they found" items 6 (area pie charts: BP's ADC share vs DFA's
weight-gradient share), 8 (energy dominated by DRAM traffic, about equal for BP and DFA) and
9 (latency dominated by the weight-gradient/update side). training.epochs = 0: no training, the
event-driven engine simulates one iteration in hardware mode. BP and DFA use the default
("auto") chip.wgu / chip.feedback_store; the third point, DFA with chip.wgu="shared", separates
the learning rule from DFA's per-layer weight-gradient units. Built from the shipped
workloads/bp_3layer.py and workloads/dfa_3layer.py.

Points: 3, 1 seed (3 runs).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).

Run: python -m cyclesim sweep workloads/paper/breakdown.py --workers 3
"""
from pathlib import Path

import attrs

from cyclesim.workload import load

name = "breakdown"
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
        name=label,
        mode="hardware",
        network=attrs.evolve(base.network, sizes=(784, 1024, 1024, 10)),
        training=attrs.evolve(base.training, epochs=0),
    )
    for label, base in _variants.items()
]
