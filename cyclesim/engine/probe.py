"""Measurement side of the discrete-event model: what every resource did, waited for and spent.

Each chip resource (a subarray, a buffer port, an H-tree link, a DRAM channel group) is registered
with its kind, layer and capacity (servers), reports its busy intervals (each holding one or more of
its servers) and its requests' queueing times, and every
operation charges its energy to one component category (`terms.COMPONENTS`) and one training phase
(`terms.PHASES`); utilisation, contention and the energy breakdowns of the report are all derived
from these records, and `Probe.check` verifies that no resource was ever over-booked.
"""

from __future__ import annotations

import math
import operator
from collections import defaultdict

import numpy as np

from cyclesim.terms import COMPONENTS, PHASES, RESOURCE_KINDS

_PHASE_SET = frozenset(PHASES)
_COMPONENT_SET = frozenset(COMPONENTS)
_INF = math.inf


def _check_phase(phase: str) -> None:
    if phase not in _PHASE_SET:
        raise ValueError(f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")


def _units(resource: str, units) -> int:
    """The servers a busy interval holds: an integer >= 1 (not a bool or a float)."""
    try:
        n = operator.index(units)
    except TypeError:
        n = None
    if isinstance(units, bool) or n is None or n < 1:
        raise ValueError(f"units of a busy interval of {resource!r} must be a positive integer, got {units!r}")
    return n


def _p95(sorted_values: list) -> float:
    """Nearest-rank 95th percentile: the smallest value with at least 95 % of values <= it."""
    if not sorted_values:
        return 0.0
    return float(sorted_values[max(0, math.ceil(0.95 * len(sorted_values)) - 1)])


class Probe:
    """Records of one simulation, kept in plain lists and dicts (one append per event).

    Busy intervals are stored per resource as tuples ``(start, end, phase, layer, bits)``
    (half-open, [start, end) in cycles), and alongside them (`units`) how many of the resource's
    servers each interval held (1 unless a request held several at once, e.g. a DRAM transfer
    striped over channels); waits as ``granted - queued`` (and the queued and granted times of those
    that waited, from which `queue_series` derives the queue depth); energy per (category, phase).
    """

    def __init__(self) -> None:
        self._busy: dict[str, list[tuple]] = defaultdict(list)
        self._units: dict[str, list[int]] = defaultdict(list)  # parallel to _busy
        self._waits: dict[str, list[int]] = defaultdict(list)
        self._queued: dict[str, list[tuple[int, int]]] = defaultdict(list)  # (queued, granted) of waits > 0
        self._energy: dict[tuple[str, str], float] = defaultdict(float)
        self._total_j = 0.0
        self.capacity: dict[str, int] = {}
        self._registry: dict[str, tuple[str, int | None, int]] = {}  # kind, layer, registration rank

    # ------------------------------------------------------------------------------ recording

    def register(self, resource: str, capacity: int = 1, *, kind: str, layer: int | None = None) -> None:
        """Declare a resource: how many requests it serves at once (used by summaries/check), what
        it is (one of `terms.RESOURCE_KINDS`) and the layer it belongs to (0-based, None: shared)."""
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity of {resource!r} must be a positive integer, got {capacity!r}")
        if kind not in RESOURCE_KINDS:
            raise ValueError(f"unknown kind {kind!r} of {resource!r}; expected one of {', '.join(RESOURCE_KINDS)}")
        if layer is not None and (isinstance(layer, bool) or not isinstance(layer, int) or layer < 0):
            raise ValueError(f"layer of {resource!r} must be a 0-based index or None, got {layer!r}")
        if resource in self._registry:
            was = (self.capacity[resource], *self._registry[resource][:2])
            if was != (capacity, kind, layer):
                raise ValueError(
                    f"resource {resource!r} is already registered with (capacity, kind, layer) "
                    f"{was}, not {(capacity, kind, layer)}"
                )
            return
        self.capacity[resource] = capacity
        self._registry[resource] = (kind, layer, len(self._registry))

    def busy(
        self,
        resource: str,
        start: int,
        end: int,
        phase: str,
        layer: int | None = None,
        bits: int = 0,
        units: int = 1,
    ) -> None:
        """One busy interval [start, end) holding `units` of `resource`'s servers at once; `bits`
        moved during it (in total, not per server)."""
        if end < start:
            raise ValueError(f"busy interval of {resource!r} ends before it starts: [{start}, {end})")
        if phase not in _PHASE_SET:
            _check_phase(phase)
        if type(units) is not int or units < 1:
            units = _units(resource, units)
        self._busy[resource].append((start, end, phase, layer, bits))
        self._units[resource].append(units)

    def lists(self, resource: str) -> tuple[list, list, list, list]:
        """The record lists of `resource` (busy intervals, their units, waits, (queued, granted) of
        waits > 0), for a port that appends to them itself, having checked its figures: an interval
        ``(start, end, phase, layer, bits)`` with start <= end and phase in `terms.PHASES`, units a
        positive integer, queued <= granted (`Port.record`)."""
        return self._busy[resource], self._units[resource], self._waits[resource], self._queued[resource]

    def add_energy(self, key: tuple[str, str], energy_j: float) -> None:
        """`charge(*key, energy_j)` for a (category, phase) and an energy checked already (`Step`)."""
        self._energy[key] += energy_j
        self._total_j += energy_j

    def wait(self, resource: str, queued: int, granted: int) -> None:
        """One request to `resource`: queued at `queued`, granted at `granted`."""
        if granted < queued:
            raise ValueError(f"request to {resource!r} granted ({granted}) before queued ({queued})")
        self._waits[resource].append(granted - queued)
        if granted > queued:
            self._queued[resource].append((queued, granted))

    def charge(self, component: str, phase: str, energy_j: float) -> None:
        """Add `energy_j` joules to a component category in a phase."""
        if component not in _COMPONENT_SET:
            raise ValueError(f"unknown energy category {component!r}; expected one of {', '.join(COMPONENTS)}")
        if phase not in _PHASE_SET:
            _check_phase(phase)
        if not 0.0 <= energy_j < _INF:
            raise ValueError(f"energy charged to {component!r} must be finite and >= 0, got {energy_j!r}")
        self._energy[component, phase] += energy_j
        self._total_j += energy_j

    # ------------------------------------------------------------------------------ accessors

    def resources(self) -> list[str]:
        """Every resource that was registered or recorded anything, sorted by name."""
        return sorted(set(self.capacity) | set(self._busy) | set(self._waits))

    def kind(self, resource: str) -> str:
        """What `resource` is, as registered (one of `terms.RESOURCE_KINDS`)."""
        return self._registered(resource)[0]

    def layer(self, resource: str) -> int | None:
        """The layer (0-based) `resource` was registered for; None when layers share it."""
        return self._registered(resource)[1]

    def display_key(self, resource: str) -> tuple:
        """Where `resource` goes in a listing: by kind (in `terms.RESOURCE_KINDS` order), then layer
        (shared resources first), then the order resources were registered in."""
        kind, layer, rank = self._registered(resource)
        return RESOURCE_KINDS.index(kind), -1 if layer is None else layer, rank

    def _registered(self, resource: str) -> tuple[str, int | None, int]:
        if resource not in self._registry:
            raise KeyError(f"resource {resource!r} was never registered (Probe.register gives its kind and layer)")
        return self._registry[resource]

    def intervals(self, resource: str) -> list[tuple]:
        """Busy intervals of `resource` as recorded: ``(start, end, phase, layer, bits)`` tuples
        (the servers each held: `units`)."""
        return list(self._busy.get(resource, ()))

    def every_interval(self) -> list[tuple]:
        """The busy intervals of every resource, as `intervals` gives them, in one list."""
        return [iv for ivs in self._busy.values() for iv in ivs]

    def units(self, resource: str) -> list[int]:
        """Servers held by each of `resource`'s busy intervals, in the order of `intervals`."""
        return list(self._units.get(resource, ()))

    def waits(self, resource: str) -> list[int]:
        """Queueing time (cycles) of every request to `resource`, in request-grant order."""
        return list(self._waits.get(resource, ()))

    def queue_series(self, resource: str) -> list[tuple[int, int]]:
        """`resource`'s queue as a step series: ``(time, depth)`` at every time a request joined or
        left it, with depth(t) = #{requests queued at or before t and granted after t} (empty:
        nobody ever waited)."""
        changes: dict[int, int] = defaultdict(int)
        for queued, granted in self._queued.get(resource, ()):
            changes[queued] += 1
            changes[granted] -= 1
        series, depth = [], 0
        for t in sorted(changes):
            depth += changes[t]
            series.append((t, depth))
        return series

    def busy_cycles(self, resource: str) -> int:
        """Server-cycles of `resource`: each busy interval's length times the servers it held."""
        ivs = self._busy.get(resource, ())
        return sum((iv[1] - iv[0]) * u for iv, u in zip(ivs, self._units.get(resource, ()), strict=True))

    # ------------------------------------------------------------------------------ summaries

    def utilization(self, elapsed: int) -> dict[str, float]:
        """Per resource: busy server-cycles (`busy_cycles`) / (capacity * elapsed), in [0, 1] for a
        valid schedule."""
        if elapsed < 0:
            raise ValueError(f"elapsed must be >= 0, got {elapsed}")
        out = {}
        for r in self.resources():
            cap = self.capacity.get(r, 1)
            out[r] = self.busy_cycles(r) / (cap * elapsed) if elapsed > 0 else 0.0
        return out

    def contention(self, elapsed: int) -> list[dict]:
        """One row per resource (sorted by name): utilisation, request count, wait statistics
        (mean, nearest-rank 95th percentile, max, in cycles), busy server-cycles, bytes moved
        (sum of the intervals' bits / 8), capacity and the largest sampled queue depth."""
        util = self.utilization(elapsed)
        rows = []
        for r in self.resources():
            w = sorted(self._waits.get(r, ()))
            rows.append(
                {
                    "resource": r,
                    "capacity": self.capacity.get(r, 1),
                    "utilization": util[r],
                    "requests": len(w),
                    "wait_mean_cycles": sum(w) / len(w) if w else 0.0,
                    "wait_p95_cycles": _p95(w),
                    "wait_max_cycles": float(w[-1]) if w else 0.0,
                    "busy_cycles": self.busy_cycles(r),
                    "bytes": sum(iv[4] for iv in self._busy.get(r, ())) / 8.0,
                    "queue_max": max((d for _, d in self.queue_series(r)), default=0),
                }
            )
        return rows

    def energy_by_component(self) -> dict[str, float]:
        """Joules per component category (every category, zeros included), summed over phases."""
        out = dict.fromkeys(COMPONENTS, 0.0)
        for (c, _), e in self._energy.items():
            out[c] += e
        return out

    def energy_by_phase(self) -> dict[str, float]:
        """Joules per phase (every phase, zeros included), summed over categories."""
        out = dict.fromkeys(PHASES, 0.0)
        for (_, p), e in self._energy.items():
            out[p] += e
        return out

    def energy_table(self) -> dict[tuple[str, str], float]:
        """Joules per (category, phase) pair that was charged."""
        return dict(self._energy)

    @property
    def total_energy_j(self) -> float:
        """Running total of every charge (accumulated independently of the breakdowns)."""
        return self._total_j

    # ------------------------------------------------------------------------------ invariant

    def check(self, elapsed: int, capacity: dict[str, int] | None = None) -> None:
        """Raise AssertionError if the records are inconsistent.

        For each resource with capacity c (from `capacity`, else as registered, else 1):
        every interval lies in [0, elapsed] and holds at most c servers; at no instant do the
        overlapping intervals hold more than c servers in total (sweep line over start/end events
        weighted by the units held, an end at t frees its servers before a start at t); busy
        server-cycles <= c * elapsed. Energy: the category totals and the phase totals each sum to
        `total_energy_j` (relative tolerance 1e-9).
        """
        caps = dict(self.capacity)
        caps.update(capacity or {})
        for r, ivs in self._busy.items():
            cap = caps.get(r, 1)
            if not ivs:
                continue
            n = len(ivs)
            starts = np.fromiter((iv[0] for iv in ivs), dtype=np.float64, count=n)
            ends = np.fromiter((iv[1] for iv in ivs), dtype=np.float64, count=n)
            units = np.asarray(self._units[r], dtype=np.int64)
            assert units.size == n, f"{r}: {units.size} unit counts for {n} busy intervals"
            assert starts.min() >= 0, f"{r}: busy interval starts before 0 ({starts.min()})"
            assert ends.max() <= elapsed, f"{r}: busy until {ends.max()}, after elapsed = {elapsed}"
            assert units.max() <= cap, f"{r}: a busy interval holds {units.max()} servers, capacity {cap}"
            busy = float(((ends - starts) * units).sum())
            assert busy <= cap * elapsed, f"{r}: busy {busy} cycles > capacity {cap} x elapsed {elapsed}"
            keep = ends > starts  # zero-length intervals occupy no time
            s, e, u = starts[keep], ends[keep], units[keep]
            times = np.concatenate([s, e])
            deltas = np.concatenate([u, -u])
            order = np.lexsort((deltas, times))  # by time, ends (< 0) before starts (> 0)
            running = np.cumsum(deltas[order])
            if running.size:
                peak = int(running.max())
                if peak > cap:
                    at = times[order][int(np.argmax(running))]
                    what = "overlapping busy intervals" if u.max() == 1 else "servers held by overlapping intervals"
                    raise AssertionError(f"{r}: {peak} {what} at cycle {at:g}, capacity {cap}")
        total = self._total_j
        for label, parts in (("category", self.energy_by_component()), ("phase", self.energy_by_phase())):
            s = math.fsum(parts.values())
            assert math.isclose(s, total, rel_tol=1e-9, abs_tol=1e-30), (
                f"energy by {label} sums to {s!r} J, total is {total!r} J"
            )
