"""The vocabulary every layer shares: training phases, component categories and resource kinds.

A training iteration on a CIM chip has four phases (NeuroSim V2's split): the forward read (FW),
the activation gradient that carries the error to each layer (AG), the weight gradient formed in
the weight-gradient units (WG), and the weight update that programs the arrays (WU). Area and
energy are both attributed to one list of component categories, so "how much of the chip is ADC"
and "how much of the energy is ADC" use the same word; reports may print NeuroSim's labels for them.
"""

from __future__ import annotations

PHASES = ("fw", "ag", "wg", "wu")
"""Training phases: forward, activation gradient, weight gradient, weight update."""

IDLE = "idle"
"""The share of an iteration in which no resource is busy (reported beside the phases)."""

COMPONENTS = ("array", "adc", "accumulation", "buffer", "interconnect", "dram", "weight_gradient", "other")
"""Component categories that area and energy are attributed to:
array: the RRAM cells (NeuroSim's "CIM array"); adc: the converters of the forward and transposed
reads; accumulation: shift-adders, adder trees and accumulators; buffer: SRAM and register-file
buffers; interconnect: H-trees and buses (NeuroSim's "IC"); dram: off-chip memory traffic (no die
area); weight_gradient: the weight-gradient units; other: row/column drivers, decoders and
multiplexers, activation units and the remaining digital logic."""

DIE_COMPONENTS = tuple(c for c in COMPONENTS if c != "dram")
"""The categories that occupy die area (DRAM is off chip; its interface is reported on its own)."""

NEUROSIM_LABELS = {
    "array": "CIM array",
    "adc": "ADC",
    "accumulation": "accumulation",
    "buffer": "buffer",
    "interconnect": "IC",
    "dram": "DRAM",
    "weight_gradient": "weight gradient",
    "other": "other",
}
"""How NeuroSim's reports name each category (its area summary folds `buffer` into "other")."""

RESOURCE_KINDS = ("subarray", "buffer", "interconnect", "digital", "weight_gradient", "dram")
"""What a timed resource of the engine is, in display order (on-chip datapath first, off-chip last):
crossbar subarrays, buffer ports, H-tree links, digital units (accumulation, activation, feedback
MAC), weight-gradient units, DRAM channels."""

DATASETS = ("mnist", "fashion-mnist", "cifar10", "synthetic")
"""The datasets a workload may train on (`cyclesim.data` finds and reads them)."""

SHAPES = {
    "mnist": (1, 28, 28),
    "fashion-mnist": (1, 28, 28),
    "cifar10": (3, 32, 32),
    "synthetic": (1, 28, 28),
}
"""Each dataset's image shape, (channels, height, width); images are kept flattened, channel-major."""


def input_values(dataset: str) -> int:
    """Values per image of `dataset` (its network's inputs): channels x height x width."""
    c, h, w = SHAPES[dataset]
    return c * h * w


def describe_shape(dataset: str) -> str:
    """A dataset's image shape in words: "28x28" (one channel) or "32x32x3"."""
    c, h, w = SHAPES[dataset]
    return f"{h}x{w}" + (f"x{c}" if c > 1 else "")
