"""Float parity of BP and DFA: ideal (floating-point, no hardware) training on MNIST and Fashion-MNIST.

Reproduces PAPER.md "What they found" item 1 (first half): BP and DFA reach comparable accuracy in
float on MNIST / Fashion-MNIST MLPs. Built from the shipped workloads/bp_3layer.py and
workloads/dfa_3layer.py (784-256-256-10) with mode="ideal"; Fashion-MNIST uses training.lr=0.01
(MNIST keeps the shipped 0.025).

Points: 2 datasets x 2 rules = 4, each at 10 epochs, 3 seeds (12 runs).
Quick mode (CYCLESIM_QUICK=1): 2 epochs, 1 seed (4 runs).

Run: python -m cyclesim sweep workloads/paper/float_parity.py --workers 4
"""
import os
from pathlib import Path

import attrs

from cyclesim.workload import load

QUICK = os.environ.get("CYCLESIM_QUICK") == "1"
EPOCHS = 2 if QUICK else 10

name = "float_parity"
seeds = 1 if QUICK else 3

_WORKLOADS = Path(__file__).resolve().parents[1]
_bases = {rule: load(_WORKLOADS / f"{rule}_3layer.py") for rule in ("bp", "dfa")}

_DATASETS = {"mnist": 0.025, "fashion-mnist": 0.01}  # dataset -> learning rate

points = [
    attrs.evolve(
        base,
        name=f"{rule}_{dataset}_float",
        mode="ideal",
        dataset=dataset,
        training=attrs.evolve(base.training, epochs=EPOCHS, lr=lr),
    )
    for dataset, lr in _DATASETS.items()
    for rule, base in _bases.items()
]
