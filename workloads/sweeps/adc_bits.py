"""The shipped BP workload (workloads/bp_3layer.py) at forward-read ADC resolutions of 1 to 6 bits, 3 epochs.

Run: python -m cyclesim sweep workloads/sweeps/adc_bits.py --workers 4
"""

from cyclesim.sweep import grid

name = "adc_bits"
seeds = 1

_base = grid.shipped("bp", epochs=3)

points = [grid.evolve(_base, name=f"bp_adc{bits}", chip={"adc_bits": bits}) for bits in range(1, 7)]
