"""A LeNet-5-like convolutional network on MNIST trained with Backpropagation on the NeuroSim V2.0
default chip (the chip, device and precisions of dfa_3layer.py).

Two 5x5 convolutions (6 and 16 channels, the first padded to keep 28x28) each followed by 2x2 max
pooling, then dense layers of 120, 84 and 10 units (LeCun et al. 1998, with ReLU and max pooling as
BioTorch's LeNet has them). lenet_mnist_dfa.py is this workload with rule="dfa";
lenet_fashion.py the same network on Fashion-MNIST.
"""

from pathlib import Path

import attrs

from cyclesim import Conv2d, Dense, Flatten, MaxPool2d, Network, Training
from cyclesim.workload import load

LENET = (
    Conv2d(6, kernel=5, padding=2),
    MaxPool2d(2),
    Conv2d(16, kernel=5),
    MaxPool2d(2),
    Flatten(),
    Dense(120),
    Dense(84),
    Dense(10),
)

workload = attrs.evolve(
    load(Path(__file__).with_name("dfa_3layer.py")),
    name="lenet_mnist",
    rule="bp",
    network=Network(layers=LENET),
    training=Training(epochs=10, batch_size=200, lr=0.025, lr_schedule="cosine", momentum=0.9, loss="sse", seed=0),
)
