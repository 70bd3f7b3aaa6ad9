"""Device variation: cycle-to-cycle (device.c2c) and device-to-device (device.d2d), BP and DFA (hardware).

Reproduces PAPER.md "What they found" item 5: D2D is tolerated by both rules; C2C hurts DFA more
(at 1 % both converge, at 5 % only BP does). Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py (defaults: c2c 0.003, d2d 0).

One-at-a-time design, per rule: the baseline (c2c 0.003, d2d 0, named `<rule>_baseline`) once,
then device.c2c in {0, 0.01, 0.05} at d2d 0 and device.d2d in {0.05, 0.1, 0.2} at c2c 0.003.
The C2C series is the points with d2d == 0; the D2D series those with c2c == 0.003 (both include
the baseline). Per rule 1 + 3 + 3 = 7 points.

Points: 7 x 2 rules = 14, each at 3 epochs, 3 seeds (42 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (14 runs).

Run: python -m cyclesim sweep workloads/paper/variation.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 1 if QUICK else 3

name = "variation"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]


def _base(rule):
    """The shipped <rule>_3layer.py workload at this sweep's epoch count."""
    wl = load(_WORKLOADS / f"{rule}_3layer.py")
    return attrs.evolve(wl, training=attrs.evolve(wl.training, epochs=EPOCHS))


_bases = {rule: _base(rule) for rule in ("bp", "dfa")}

_SERIES = {
    "c2c": (0.0, 0.003, 0.01, 0.05),
    "d2d": (0.0, 0.05, 0.1, 0.2),
}

points = []
for rule, base in _bases.items():
    points.append(attrs.evolve(base, name=f"{rule}_baseline"))
    for field_name, values in _SERIES.items():
        for value in values:
            if value == getattr(base.device, field_name):
                continue  # the baseline point already covers the default
            points.append(
                attrs.evolve(
                    base,
                    name=f"{rule}_{field_name}{value:g}",
                    device=attrs.evolve(base.device, **{field_name: value}),
                )
            )
