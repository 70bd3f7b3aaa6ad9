"""cyclesim: event-driven, cycle-level simulator of compute-in-memory chips that train neural networks on chip.

`cyclesim.run(workload)` trains a `Workload` and returns its `Result` (see `cyclesim.api`); the
configuration classes are importable from here. Every name loads its module on first use, so
`import cyclesim` (and the start of `python -m cyclesim`, which handles Ctrl-C from its first moment)
stays light.
"""

from cyclesim.version import __version__

_CONFIG = ("Chip", "Device", "Effects", "Network", "Precision", "Sim", "Training", "Workload")
_LAYERS = ("AvgPool2d", "Conv2d", "Dense", "Flatten", "MaxPool2d")

__all__ = [
    "AvgPool2d",
    "Chip",
    "Conv2d",
    "Dense",
    "Device",
    "Effects",
    "Flatten",
    "MaxPool2d",
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
    if name in _CONFIG:
        from cyclesim import config

        return getattr(config, name)
    if name in _LAYERS:
        from cyclesim import layers

        return getattr(layers, name)
    if name == "run":
        from cyclesim.api import run

        return run
    if name == "Result":
        from cyclesim.result import Result

        return Result
    raise AttributeError(f"module 'cyclesim' has no attribute {name!r}")
