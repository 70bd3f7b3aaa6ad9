"""Layer width: network 784-w-w-10 for w in 8, 32, 128, 512, 1024, BP and DFA (hardware).

Reproduces PAPER.md "What they found" item 1 / Table I (final test accuracy vs layer width):
DFA's gap to BP grows at small widths (at width 8 DFA collapses to ~8 % while BP reaches ~44 %).
Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py; only network.sizes
and training.epochs change.

Points: 5 widths x 2 rules = 10, each at 3 epochs, 3 seeds (30 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (10 runs).

Run: python -m cyclesim sweep workloads/paper/width.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 1 if QUICK else 3

name = "width"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]


def _base(rule):
    """The shipped <rule>_3layer.py workload at this sweep's epoch count."""
    wl = load(_WORKLOADS / f"{rule}_3layer.py")
    return attrs.evolve(wl, training=attrs.evolve(wl.training, epochs=EPOCHS))


_bases = {rule: _base(rule) for rule in ("bp", "dfa")}

points = [
    attrs.evolve(base, name=f"{rule}_w{w}", network=attrs.evolve(base.network, sizes=(784, w, w, 10)))
    for rule, base in _bases.items()
    for w in (8, 32, 128, 512, 1024)
]
