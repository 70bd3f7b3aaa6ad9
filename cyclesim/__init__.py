"""cyclesim: event-driven, cycle-level simulator of compute-in-memory chips that train MLPs on chip."""

from cyclesim.config import (
    Chip,
    Device,
    Effects,
    Network,
    Precision,
    Sim,
    Training,
    Workload,
)

__version__ = "0.1.0"

__all__ = ["Chip", "Device", "Effects", "Network", "Precision", "Sim", "Training", "Workload", "__version__"]
