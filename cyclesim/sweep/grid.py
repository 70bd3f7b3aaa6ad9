"""Building blocks of sweep files: quick mode, the shipped workloads, and points derived from a base.

A sweep file (see `cyclesim.sweep`) lists `points`, Workloads derived from a base with `attrs.evolve`.
Most start from the shipped 784-256-256-10 workloads `workloads/bp_3layer.py` and
`workloads/dfa_3layer.py`; quick mode (environment variable CYCLESIM_QUICK=1, set by
`tools/reproduce.py --quick`) gives them fewer epochs and seeds. The environment is read at each
call, so one process can load a sweep file in both modes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from cyclesim.config import Workload
from cyclesim.workload import load

WORKLOADS = Path(__file__).resolve().parents[2] / "workloads"
"""The repository's workloads/ folder, found from this file (cyclesim runs from its checkout, `pip install -e .`),
so sweep files load the same from any working directory."""

RULES = ("bp", "dfa")
"""The learning rules of the shipped workloads, in the order sweeps list them."""


def is_quick() -> bool:
    """True when quick mode is on: the environment variable CYCLESIM_QUICK is "1"."""
    return os.environ.get("CYCLESIM_QUICK") == "1"


def normal_or_quick(normal: int, quick: int) -> int:
    """`quick` in quick mode, else `normal`: an epoch or seed count, e.g. `normal_or_quick(3, quick=1)`."""
    return quick if is_quick() else normal


def evolve(wl: Workload, **changes) -> Workload:
    """`wl` with `changes` applied, a dict value changing only the named fields of that section:
    `evolve(wl, name="bp_adc3", chip={"adc_bits": 3})` returns
    `attrs.evolve(wl, name="bp_adc3", chip=attrs.evolve(wl.chip, adc_bits=3))`."""
    return attrs.evolve(
        wl,
        **{
            key: attrs.evolve(getattr(wl, key), **value) if isinstance(value, dict) else value
            for key, value in changes.items()
        },
    )


def shipped(rule: str, epochs: int | None = None) -> Workload:
    """The shipped workload `workloads/<rule>_3layer.py` ("bp" or "dfa"), with `training.epochs` set to
    `epochs` unless it is None."""
    wl = load(WORKLOADS / f"{rule}_3layer.py")
    return wl if epochs is None else evolve(wl, training={"epochs": epochs})


def shipped_by_rule(epochs: int | None = None) -> dict[str, Workload]:
    """{rule: `shipped(rule, epochs)`} for BP and DFA, in that order."""
    return {rule: shipped(rule, epochs) for rule in RULES}


def shipped_variants(epochs: int | None = None) -> dict[str, Workload]:
    """{"bp", "dfa", "dfa-wgushared"}: `shipped_by_rule(epochs)` and DFA with `chip.wgu = "shared"` (one
    weight-gradient unit, as BP has), which separates the learning rule from DFA's per-layer units."""
    variants = shipped_by_rule(epochs)
    return {**variants, "dfa-wgushared": evolve(variants["dfa"], chip={"wgu": "shared"})}


def one_at_a_time(base: Workload, prefix: str, section: str, series: Mapping[str, Iterable]) -> list[Workload]:
    """Points that change one field of `section` at a time: first `base` itself named `<prefix>_baseline`,
    then for each field of `series` and each of its values other than base's own, `base` with that field
    changed, named `<prefix>_<field><value:g>` (e.g. `bp_c2c0.01`)."""
    own = getattr(base, section)
    points = [attrs.evolve(base, name=f"{prefix}_baseline")]
    for field, values in series.items():
        points += [
            evolve(base, name=f"{prefix}_{field}{value:g}", **{section: {field: value}})
            for value in values
            if value != getattr(own, field)
        ]
    return points
