"""Weight-update nonlinearity: device.nl_ltp = device.nl_ltd in 0, 1, 2, 4, 6, BP and DFA (hardware).

Not one of PAPER.md's numbered findings; it extends the device study of item 5 (device
imperfections favour BP) to the update nonlinearity of the RRAM cell (the shipped device has
nl_ltp 1.75, nl_ltd 1.46; here LTP and LTD are set equal). Built from the shipped
workloads/bp_3layer.py and workloads/dfa_3layer.py.

Points: 5 nonlinearities x 2 rules = 10, each at 3 epochs, 3 seeds (30 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (10 runs).

Run: python -m cyclesim sweep workloads/paper/nonlinearity.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 1 if QUICK else 3

name = "nonlinearity"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]


def _base(rule):
    """The shipped <rule>_3layer.py workload at this sweep's epoch count."""
    wl = load(_WORKLOADS / f"{rule}_3layer.py")
    return attrs.evolve(wl, training=attrs.evolve(wl.training, epochs=EPOCHS))


_bases = {rule: _base(rule) for rule in ("bp", "dfa")}

points = [
    attrs.evolve(
        base,
        name=f"{rule}_nl{nl:g}",
        device=attrs.evolve(base.device, nl_ltp=float(nl), nl_ltd=float(nl)),
    )
    for rule, base in _bases.items()
    for nl in (0, 1, 2, 4, 6)
]
