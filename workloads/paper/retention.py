"""Retention: device.retention_tau_s in None (no decay), 1e5, 1e4, 1e3 s, BP and DFA (hardware).

Not one of PAPER.md's numbered findings; it extends the device study of item 5 (device
imperfections) to conductance drift: every cell relaxes towards Gmin as
g <- g * exp(-retention_interval_s / retention_tau_s) per iteration, with
device.retention_interval_s kept at 1.0 s. Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py (which have no retention loss, tau = None).

Points: 4 time constants x 2 rules = 8, each at 3 epochs, 3 seeds (24 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (8 runs).

Run: python -m cyclesim sweep workloads/paper/retention.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 1 if QUICK else 3

name = "retention"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]


def _base(rule):
    """The shipped <rule>_3layer.py workload at this sweep's epoch count."""
    wl = load(_WORKLOADS / f"{rule}_3layer.py")
    return attrs.evolve(wl, training=attrs.evolve(wl.training, epochs=EPOCHS))


_bases = {rule: _base(rule) for rule in ("bp", "dfa")}

_TAUS = {"inf": None, "1e5": 1e5, "1e4": 1e4, "1e3": 1e3}  # label -> retention_tau_s

points = [
    attrs.evolve(
        base,
        name=f"{rule}_tau{label}",
        device=attrs.evolve(base.device, retention_tau_s=tau, retention_interval_s=1.0),
    )
    for rule, base in _bases.items()
    for label, tau in _TAUS.items()
]
