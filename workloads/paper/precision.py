"""Quantization: error, gradient and activation precision varied one at a time, BP and DFA (hardware).

Reproduces PAPER.md "What they found" item 4: DFA is more robust to error quantization (its error
path is short and low-dimensional), BP needs higher gradient/error precision, both need enough
activation precision. Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py
(defaults: weight 5, gradient 5, activation 8, error 8). precision.weight stays at 5
(2**weight must not exceed device.levels = 32); precision.gradient is always >= 2.

One-at-a-time design, per rule: the baseline (shipped precisions, named `<rule>_baseline`) once,
then every non-default value of precision.error in {2,3,4,6,8}, precision.gradient in {2,3,4,5,8}
and precision.activation in {2,3,4,6,8} with the other two at their defaults (the default value of
each series is the baseline point, not repeated). Per rule 1 + 4 + 4 + 4 = 13 points.

Points: 13 x 2 rules = 26, each at 3 epochs, 3 seeds (78 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (26 runs).

Run: python -m cyclesim sweep workloads/paper/precision.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 1 if QUICK else 3

name = "precision"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]


def _base(rule):
    """The shipped <rule>_3layer.py workload at this sweep's epoch count."""
    wl = load(_WORKLOADS / f"{rule}_3layer.py")
    return attrs.evolve(wl, training=attrs.evolve(wl.training, epochs=EPOCHS))


_bases = {rule: _base(rule) for rule in ("bp", "dfa")}

_SERIES = {
    "error": (2, 3, 4, 6, 8),
    "gradient": (2, 3, 4, 5, 8),
    "activation": (2, 3, 4, 6, 8),
}

points = []
for rule, base in _bases.items():
    points.append(attrs.evolve(base, name=f"{rule}_baseline"))
    for field_name, values in _SERIES.items():
        for bits in values:
            if bits == getattr(base.precision, field_name):
                continue  # the baseline point already covers the default
            points.append(
                attrs.evolve(
                    base,
                    name=f"{rule}_{field_name}{bits}",
                    precision=attrs.evolve(base.precision, **{field_name: bits}),
                )
            )
