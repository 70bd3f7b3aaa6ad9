"""The LeNet-5-like network of lenet_mnist.py (read that file for every setting) trained with Direct
Feedback Alignment: the output error projected through a fixed random matrix onto every unit of every
hidden layer, the convolutions' output maps included."""

from pathlib import Path

import attrs

from cyclesim.workload import load

workload = attrs.evolve(load(Path(__file__).with_name("lenet_mnist.py")), name="lenet_mnist_dfa", rule="dfa")
