"""NeuroSim's VGG-8 on CIFAR-10 (vgg8_cifar10.py, read that file for every setting) trained with
Direct Feedback Alignment: the output error projected onto every unit of every convolution's output
map through fixed random matrices (10 x 131,072 for each of the first two)."""

from pathlib import Path

import attrs

from cyclesim.workload import load

workload = attrs.evolve(load(Path(__file__).with_name("vgg8_cifar10.py")), name="vgg8_cifar10_dfa", rule="dfa")
