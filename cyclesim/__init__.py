"""cyclesim: event-driven, cycle-level simulator of compute-in-memory chips that train MLPs on chip.

`cyclesim.run(workload)` trains a `Workload` and returns its `Result` (see `cyclesim.api`); the
configuration classes are importable from here. `run` and `Result` load the simulator on first use,
so `import cyclesim` stays light.
"""

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
from cyclesim.version import __version__

__all__ = [
    "Chip",
    "Device",
    "Effects",
    "Network",
    "Precision",
    "Result",
    "Sim",
    "Training",
    "Workload",
    "__version__",
    "run",
]


def __getattr__(name: str):
    if name == "run":
        from cyclesim.api import run

        return run
    if name == "Result":
        from cyclesim.result import Result

        return Result
    raise AttributeError(f"module 'cyclesim' has no attribute {name!r}")
