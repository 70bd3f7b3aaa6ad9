"""A learning rule written in a workload file: DFA through a sparse random feedback matrix.

Each hidden layer learns from the output error through a fixed random matrix of which only a quarter
of the entries are nonzero (the rest of the workload is dfa_3layer.py's). The chip prices B as a
dense matrix held in SRAM: zeros are not skipped.
"""

from pathlib import Path

import attrs
import numpy as np

from cyclesim.rules import Rule, Signal
from cyclesim.workload import load


class SparseDFA(Rule):
    name = "sparse_dfa"  # how results.json and the reports call it
    default_wgu = "per_layer"  # the chip it would get: a weight-gradient unit per layer,
    default_feedback_store = "sram"  # B in SRAM with a digital MAC

    def signal(self, layer: int, layers: int) -> Signal:
        """delta_layer = (B_layer e) * f'(a_layer): the output error through a fixed matrix."""
        return Signal(layer, source="error", via="feedback")

    def feedback_matrix(self, rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
        """Uniform entries in [-1, 1], three in four of them set to zero."""
        keep = rng.random((rows, cols)) < 0.25
        return np.where(keep, rng.uniform(-1.0, 1.0, (rows, cols)), 0.0)


workload = attrs.evolve(load(Path(__file__).with_name("dfa_3layer.py")), name="sparse_dfa", rule=SparseDFA())
