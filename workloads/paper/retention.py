"""Retention: device.retention_tau_s in None (no decay), 1e5, 1e4, 1e3 s, BP and DFA (hardware).

Not one of PAPER.md's numbered findings; it extends the device study of item 5 (device
imperfections) to conductance drift: every cell relaxes towards Gmin as
g <- g * exp(-retention_interval_s / retention_tau_s) per iteration, with
device.retention_interval_s kept at 1.0 s. Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py (which have no retention loss, tau = None).

Points: 4 time constants x 2 rules = 8, each at 3 epochs, 3 seeds (24 runs).
Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (8 runs).
Report (`report`, section 5c of docs/RESULTS.md): accuracy vs time constant, no figure; verdict
"measured" (the paper makes no claim).

Run: python -m cyclesim sweep workloads/paper/retention.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, md_accuracy_table, section
from cyclesim.sweep import grid

name = "retention"
seeds = grid.normal_or_quick(3, quick=1)
order = 8  # place in docs/RESULTS.md

_TAUS = {"inf": None, "1e5": 1e5, "1e4": 1e4, "1e3": 1e3}  # label -> retention_tau_s

points = [
    grid.evolve(base, name=f"{rule}_tau{label}", device={"retention_tau_s": tau, "retention_interval_s": 1.0})
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for label, tau in _TAUS.items()
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points."""
    acc = accuracy_by(docs, "device.retention_tau_s")
    return section(
        "5c. Retention (beyond the paper)",
        "Not a finding of the paper: conductance relaxing toward Gmin with time constant tau.",
        md_accuracy_table(acc, "tau (s; None = off)"),
        "measured",
        "Accuracy with shorter retention time constants, 1 s between updates.",
        None,
    )
