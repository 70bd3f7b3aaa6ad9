"""The shipped BP workload (workloads/bp_3layer.py) at forward-read ADC resolutions of 1 to 6 bits, 3 epochs.

Run: python -m cyclesim sweep workloads/sweeps/adc_bits.py --workers 4
"""
from pathlib import Path

import attrs

from cyclesim.workload import load

name = "adc_bits"
seeds = 1

base = load(Path(__file__).resolve().parent.parent / "bp_3layer.py")
base = attrs.evolve(base, training=attrs.evolve(base.training, epochs=3))

points = [
    attrs.evolve(base, name=f"bp_adc{bits}", chip=attrs.evolve(base.chip, adc_bits=bits))
    for bits in range(1, 7)
]
