"""lenet_fashion.py (LeNet-5-like on Fashion-MNIST) trained with Direct Feedback Alignment."""

from pathlib import Path

import attrs

from cyclesim.workload import load

workload = attrs.evolve(load(Path(__file__).with_name("lenet_fashion.py")), name="lenet_fashion_dfa", rule="dfa")
