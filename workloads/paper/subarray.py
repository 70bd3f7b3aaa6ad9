"""Subarray size: chip.subarray in 32, 64, 128, 256, 512 for BP and DFA (hardware mode).

Reproduces PAPER.md "What they found" item 3: larger subarrays cut peripheral overhead (area,
energy) but raise partial-sum error (ADC range), a trade-off between accuracy and cost.
Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py; chip.cols_per_adc
stays at 8 (the shipped value) so only the array size changes.

Points: 5 subarray sizes x 2 rules = 10, each at 3 epochs, 3 seeds (30 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (10 runs).

Run: python -m cyclesim sweep workloads/paper/subarray.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 1 if QUICK else 3

name = "subarray"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]


def _base(rule):
    """The shipped <rule>_3layer.py workload at this sweep's epoch count."""
    wl = load(_WORKLOADS / f"{rule}_3layer.py")
    return attrs.evolve(wl, training=attrs.evolve(wl.training, epochs=EPOCHS))


_bases = {rule: _base(rule) for rule in ("bp", "dfa")}

points = [
    attrs.evolve(base, name=f"{rule}_sub{size}", chip=attrs.evolve(base.chip, subarray=size, cols_per_adc=8))
    for rule, base in _bases.items()
    for size in (32, 64, 128, 256, 512)
]
