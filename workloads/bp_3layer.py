"""784-256-256-10 MLP on MNIST trained with Backpropagation on the NeuroSim V2.0 default chip.

The workload of dfa_3layer.py (read that file for every setting) with the learning rule changed, so
the two differ in nothing else.
"""

from pathlib import Path

import attrs

from cyclesim.workload import load

workload = attrs.evolve(load(Path(__file__).with_name("dfa_3layer.py")), name="bp_3layer", rule="bp")
