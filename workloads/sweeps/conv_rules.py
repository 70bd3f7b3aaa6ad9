"""Learning rules on a convolutional network: the LeNet-5-like network of workloads/lenet_mnist.py in
ideal mode (no hardware: the rules' own accuracy) on MNIST and Fashion-MNIST, trained by BP, FA, DFA,
DRTP, sign-symmetry and BP through the convolutions with DFA for the dense layers (Crafton et al.
2019), beside BP and DFA on an MLP of the same depth (five weight layers, 784-512-256-120-84-10) on the
same datasets: the BP-DFA gap on the convolutional network against the same gap on the MLP tells
whether DFA fails on convolutions (Launay et al. 2019) or on depth. 10 epochs (1 in quick mode).

Run: python -m cyclesim sweep workloads/sweeps/conv_rules.py --workers 2
"""

import attrs

from cyclesim import Network
from cyclesim.sweep import grid
from cyclesim.workload import load

name = "conv_rules"
seeds = 1

_RULES = ("bp", "fa", "dfa", "drtp", "sign_symmetry", "conv:bp,dense:dfa")
_MLP = (784, 512, 256, 120, 84, 10)
_EPOCHS = grid.normal_or_quick(10, quick=1)

_lenet = load(grid.WORKLOADS / "lenet_mnist.py")
_base = grid.evolve(_lenet, mode="ideal", training={"epochs": _EPOCHS})

points = [
    attrs.evolve(_base, name=f"lenet_{dataset}_{rule.replace(':', '').replace(',', '_')}", rule=rule, dataset=dataset)
    for dataset in ("mnist", "fashion-mnist")
    for rule in _RULES
] + [
    attrs.evolve(_base, name=f"mlp5_{dataset}_{rule}", rule=rule, dataset=dataset, network=Network(sizes=_MLP))
    for dataset in ("mnist", "fashion-mnist")
    for rule in ("bp", "dfa")
]
