"""Forward-read ADC resolution inside training: chip.adc_bits = 1..6 for BP and DFA (hardware mode).

Reproduces PAPER.md "What they found" item 2: 1 bit stops training, 2 bits is the threshold,
>= 3 bits is adequate (and the ADC dominates area and energy, see the area/energy columns).
Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py; only chip.adc_bits
and training.epochs change.

Points: 6 ADC resolutions x 2 rules = 12, each at 3 epochs, 3 seeds (36 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (12 runs).

Run: python -m cyclesim sweep workloads/paper/adc_bits.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 1 if QUICK else 3

name = "paper_adc_bits"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]


def _base(rule):
    """The shipped <rule>_3layer.py workload at this sweep's epoch count."""
    wl = load(_WORKLOADS / f"{rule}_3layer.py")
    return attrs.evolve(wl, training=attrs.evolve(wl.training, epochs=EPOCHS))


_bases = {rule: _base(rule) for rule in ("bp", "dfa")}

points = [
    attrs.evolve(base, name=f"{rule}_adc{bits}", chip=attrs.evolve(base.chip, adc_bits=bits))
    for rule, base in _bases.items()
    for bits in range(1, 7)
]
