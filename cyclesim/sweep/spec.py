"""A sweep file and its points: many workloads, each run once per seed, each with a stable key.

A sweep file is plain Python defining `points` (Workloads built with `attrs.evolve`, or with the
helpers of `cyclesim.sweep.grid`) and optionally `seeds` and `name`. Every point is expanded once
per seed and keyed `p<index>-s<seed index>-<config hash>`, so a resumed sweep recognises the points
it already finished and a changed configuration is never mistaken for a finished one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import attrs
import numpy as np

from cyclesim import config
from cyclesim import workload as workload_file
from cyclesim.config import Workload
from cyclesim.errors import ConfigError, show


@attrs.frozen
class Sweep:
    """A loaded sweep: its name and the expanded points as (key, Workload), in run order."""

    name: str
    points: list = attrs.field(converter=list)  # list[tuple[str, Workload]]

    def with_overrides(self, overrides: Iterable[str]) -> Sweep:
        """Every point with `--set` assignments applied (and re-keyed: the key hashes the config)."""
        overrides = list(overrides)
        if not overrides:
            return self
        out = []
        for key, wl in self.points:
            wl = workload_file.apply(wl, overrides)
            out.append((_rekey(key, wl), wl))
        return Sweep(name=self.name, points=out)


MAX_SEEDS = 10_000
"""Seeds per point at most: every point runs once per seed, so more is a typo, not a study."""


def config_hash(wl: Workload) -> str:
    """8 hex digits of sha256 over the workload's canonical JSON (sorted keys)."""
    text = json.dumps(config.to_dict(wl), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def point_key(index: int, seed_index: int, wl: Workload) -> str:
    """`p<index>-s<seed index>-<config hash>`, e.g. `p003-s0-1a2b3c4d`: stable and filesystem-safe."""
    return f"p{index:03d}-s{seed_index}-{config_hash(wl)}"


def _rekey(key: str, wl: Workload) -> str:
    return key.rsplit("-", 1)[0] + "-" + config_hash(wl)


def seed_values(n: int, root: int = 0) -> list[int]:
    """The `n` training seeds of a sweep: child j of `numpy.random.SeedSequence(root).spawn(n)`
    turned into an int as `int(child.generate_state(1)[0])` (a uint32; child j does not depend on n)."""
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(root).spawn(n)]


def load_sweep(path: str | Path, *, seed: int | None = None) -> Sweep:
    """Run a sweep file and expand its points: every point once per seed (see `seed_values`), with
    `training.seed` set to that seed; root seed `seed` (default 0). Raises ConfigError (one line)
    for a missing or broken file, a missing/empty `points`, a non-Workload point or bad `seeds`."""
    path = Path(path)
    ns = workload_file.run_file(path, "sweep")
    if "points" not in ns:
        raise ConfigError(f"{path} does not define `points`; add `points = [attrs.evolve(base, ...), ...]`")
    try:
        points = list(ns["points"])
    except TypeError:
        raise ConfigError(f"{path}: `points` must be a list of Workloads, got {type(ns['points']).__name__}") from None
    if not points:
        raise ConfigError(f"{path}: `points` is empty")
    for i, wl in enumerate(points):
        if not isinstance(wl, Workload):
            raise ConfigError(f"{path}: points[{i}] must be a cyclesim.Workload, got {type(wl).__name__}")
    seeds = ns.get("seeds", 1)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise ConfigError(f"{path}: `seeds` must be an integer from 1 to {MAX_SEEDS:,}, got {show(seeds)}")
    root = 0 if seed is None else seed
    if isinstance(root, bool) or not isinstance(root, int) or root < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {root!r}")
    name = ns.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: `name` must be a non-empty string, got {name!r}")
    values = seed_values(seeds, root)
    expanded = []
    for i, wl in enumerate(points):
        for j, s in enumerate(values):
            w = attrs.evolve(wl, training=attrs.evolve(wl.training, seed=s))
            expanded.append((point_key(i, j, w), w))
    return Sweep(name=name.strip(), points=expanded)
