"""784-256-256-10 MLP on MNIST trained with Direct Feedback Alignment on the NeuroSim V2.0 default chip.

bp_3layer.py is this workload with rule="bp".
"""

from cyclesim import Chip, Device, Network, Precision, Training, Workload

workload = Workload(
    name="dfa_3layer",
    network=Network(sizes=(784, 256, 256, 10), activation="relu"),
    rule="dfa",
    dataset="mnist",
    mode="hardware",
    training=Training(epochs=10, batch_size=200, lr=0.025, lr_schedule="cosine", momentum=0.9, loss="sse", seed=0),
    precision=Precision(weight=5, gradient=5, activation=8, error=8),
    device=Device.preset("rram_neurosim"),
    chip=Chip(node="32nm", subarray=128, adc_bits=5, cols_per_adc=8, clock_hz=1e9),
)
