"""NeuroSim's VGG-8 on CIFAR-10 trained with Backpropagation on the NeuroSim V2.0 default chip (the
chip, device and precisions of dfa_3layer.py).

DNN+NeuroSim V2.0's default training network: 2x conv128, max pool, 2x conv256, max pool, 2x conv512,
max pool (3x3 kernels, padding 1), then dense 1024 and dense 10. Training it takes hours per epoch
in hardware mode; `--set training.epochs=0` maps, prices and simulates one iteration (with
`--set dataset=synthetic`, offline: the synthetic set takes the network's 32x32x3 input shape).
vgg8_cifar10_dfa.py is this workload with rule="dfa".
"""

from pathlib import Path

import attrs

from cyclesim import Conv2d, Dense, Flatten, MaxPool2d, Network, Training
from cyclesim.workload import load

VGG8 = (
    Conv2d(128, kernel=3, padding=1),
    Conv2d(128, kernel=3, padding=1),
    MaxPool2d(2),
    Conv2d(256, kernel=3, padding=1),
    Conv2d(256, kernel=3, padding=1),
    MaxPool2d(2),
    Conv2d(512, kernel=3, padding=1),
    Conv2d(512, kernel=3, padding=1),
    MaxPool2d(2),
    Flatten(),
    Dense(1024),
    Dense(10),
)

workload = attrs.evolve(
    load(Path(__file__).with_name("dfa_3layer.py")),
    name="vgg8_cifar10",
    rule="bp",
    dataset="cifar10",
    network=Network(layers=VGG8, input_shape=(3, 32, 32)),
    training=Training(epochs=10, batch_size=16, lr=0.025, lr_schedule="cosine", momentum=0.9, loss="sse", seed=0),
)
