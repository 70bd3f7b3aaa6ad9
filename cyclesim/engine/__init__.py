"""Discrete-event engine: the chip as SimPy processes, one clock cycle per time unit.

Components (`components`) own their SimPy queues and price one operation each; schedules drive
them; the `Probe` records every busy interval, wait and joule, and the report is built from it.
"""

from cyclesim.engine.components import (
    Buffer,
    Dram,
    HTree,
    Port,
    Subarray,
    Unit,
    Wgu,
    to_cycles,
)
from cyclesim.engine.probe import Probe

__all__ = ["Buffer", "Dram", "HTree", "Port", "Probe", "Subarray", "Unit", "Wgu", "to_cycles"]
