"""The LeNet-5-like network of lenet_mnist.py (read that file for every setting) on Fashion-MNIST,
trained with Backpropagation. lenet_fashion_dfa.py is this workload with rule="dfa"."""

from pathlib import Path

import attrs

from cyclesim.workload import load

workload = attrs.evolve(load(Path(__file__).with_name("lenet_mnist.py")), name="lenet_fashion", dataset="fashion-mnist")
