"""Chip components as SimPy actors: each owns its queue(s) and prices one operation at a time.

A CIM chip trains by moving operands between SRAM buffers, H-tree links and off-chip DRAM and by
reading (or programming) crossbar subarrays, digitising, accumulating and forming weight gradients.
Every such unit here is a plain class that owns a `Port` (a first-come first-served queue for
`capacity` servers); its action methods are generators that queue for the port, hold it for the
operation's cycles, then record the busy interval and charge the energy to the `Probe`, which knows
each port by its kind (`terms.RESOURCE_KINDS`) and layer. Use them from a process as
``y = yield from sub.read(...)`` or spawn them with ``env.process(buf.read(...))``. Time is in clock
cycles (integers); a component prices only its own operation, never a whole iteration.
"""

from __future__ import annotations

import heapq
import math
import operator

import simpy

from cyclesim.engine.probe import _PHASE_SET, Probe, _check_phase
from cyclesim.hw.circuits import Cost, to_cycles
from cyclesim.terms import COMPONENTS

Env = simpy.Environment
"""The SimPy environment every component is built in (one clock cycle per time unit)."""

__all__ = ["Buffer", "Dram", "HTree", "Pe", "Port", "Step", "Subarray", "Tile", "Unit", "Wgu", "run_steps", "to_cycles"]


def _count(name: str, value) -> int:
    """A non-negative integer (Python or NumPy), e.g. a number of bits or cycles."""
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if n < 0:
        raise ValueError(f"{name} must be >= 0, got {n}")
    return n


def _index(value) -> int | None:
    """`value` as an int if it is an integer (Python or NumPy), else None."""
    try:
        return operator.index(value)
    except TypeError:
        return None


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _cost(name: str, value) -> Cost:
    if not isinstance(value, Cost):
        raise TypeError(f"{name} must be a cyclesim.hw.circuits.Cost, got {type(value).__name__}")
    return value


def _category(value: str) -> str:
    if value not in COMPONENTS:
        raise ValueError(f"unknown energy category {value!r}; expected one of {', '.join(COMPONENTS)}")
    return value


def _charge(probe: Probe, default: str, energy, phase: str) -> None:
    """Charge `energy` (joules to `default`, or a {category: joules} dict) in `phase`."""
    if isinstance(energy, dict):
        for category, joules in energy.items():
            probe.charge(category, phase, joules)
    else:
        probe.charge(default, phase, energy)


class Port:
    """`capacity` identical servers (units) behind one FIFO queue, with bookkeeping.

    The port is registered with the probe under `name` with its `kind` (one of
    `terms.RESOURCE_KINDS`) and `layer` (0-based, None when layers share it). Every request records
    its wait and, if it waited, when it queued and when it was granted (`Probe.wait`, from which the
    probe derives the queue depth), every hold its busy interval and the units it held (`Probe.busy`).

    A request may hold several servers at once (``use(..., units=k)``, e.g. a DRAM transfer striped
    over k channels). Requests are granted strictly in arrival order: a request for k waits until k
    servers are free, and no later request, however small, overtakes it (head-of-line blocking, as
    in an in-order memory controller). Hence no deadlock (nobody holds some servers while waiting
    for others, and every hold is finite) and no starvation (k <= capacity, checked).

    Every request states how long it holds its servers, so the queue needs no events of its own: a
    request made at time r for k servers is granted (`book`) at
        g = min { t >= max(r, g_prev) : units held at t by earlier requests <= capacity - k }
    with g_prev the grant of the request before it, and holds them over [g, g + cycles). The
    requester sleeps once, until the end of its hold (a get, a timeout and a put each cost events:
    the same grants at the same times). Requests made in the same cycle are served in the order
    their processes run in that cycle (SimPy's event order), as a FIFO queue of SimPy events serves
    them; which of two such requests goes first is bookkeeping, not a modelled arbiter.
    """

    def __init__(self, env: Env, name: str, capacity: int, probe: Probe, *, kind: str, layer: int | None = None):
        self.env = env
        self.name = name
        self.capacity = _positive_int(f"capacity of {name!r}", capacity)
        self.probe = probe
        self._ends: list[tuple[int, int]] = []  # heap of (end, units) of the holds booked so far
        self._held = 0  # units of the holds in _ends
        self._last = 0  # grant of the latest request: no later request is granted before it
        probe.register(name, self.capacity, kind=kind, layer=layer)
        self._busy, self._units, self._waits, self._queued = probe.lists(name)

    def book(self, units: int, cycles: int, at: int) -> int:
        """Queue a request made at time `at` (no earlier than any request booked before it) for
        `units` servers held `cycles` cycles; returns its grant time."""
        last, ends, held, cap = self._last, self._ends, self._held, self.capacity - units
        t = at if at > last else last
        while ends and ends[0][0] <= t:  # holds over by t give their servers back
            held -= heapq.heappop(ends)[1]
        while held > cap:  # wait for the next hold to end
            t = ends[0][0]
            while ends and ends[0][0] <= t:
                held -= heapq.heappop(ends)[1]
        self._last = t
        if cycles:
            heapq.heappush(ends, (t + cycles, units))
            held += units
        self._held = held
        return t

    def record(self, queued: int, granted: int, end: int, phase: str, layer: int | None, bits: int, units: int) -> None:
        """Record one request with the probe: queued at `queued`, granted at `granted`, holding `units`
        servers until `end` (figures this port checked: queued <= granted <= end, a known phase)."""
        self._waits.append(granted - queued)
        if granted > queued:
            self._queued.append((queued, granted))
        self._busy.append((granted, end, phase, layer, bits))
        self._units.append(units)

    def _check(self, cycles, units) -> tuple[int, int]:
        if type(cycles) is not int or cycles < 0:
            cycles = _count("cycles", cycles)
        if type(units) is not int or not 1 <= units <= self.capacity:
            n = None if isinstance(units, bool) else _index(units)
            if n is None or not 1 <= n <= self.capacity:
                raise ValueError(f"{self.name!r}: units must be an integer in [1, {self.capacity}], got {units!r}")
            units = n
        return cycles, units

    def use(self, cycles: int, phase: str, layer: int | None = None, bits: int = 0, units: int = 1):
        """Generator: queue for `units` servers at once (1 <= units <= capacity), hold them
        `cycles` cycles, release them. Records wait = grant - request time and the busy interval
        [grant, grant + cycles) with the `units` it held."""
        cycles, units = self._check(cycles, units)
        if phase not in _PHASE_SET:
            _check_phase(phase)
        env = self.env
        queued = env.now
        granted = self.book(units, cycles, queued)
        end = granted + cycles
        if end > queued:
            yield env.timeout(end - queued)
        self.record(queued, granted, end, phase, layer, bits, units)

    def run(self, step: Step):
        """Generator: perform `step` on this port (hold, then charge)."""
        yield from self.use(step.cycles, step.phase, step.layer, step.bits, step.units)
        self.probe.charge(step.category, step.phase, step.joules)


class Step:
    """One hold of a port as a value: `cycles` on `units` of its servers in `phase`, then `joules`
    charged to `category`: what a component's action method does, for `run_steps`."""

    __slots__ = ("port", "cycles", "phase", "layer", "bits", "units", "category", "joules", "key")

    def __init__(self, port: Port, cycles: int, phase: str, layer, bits: int, units: int, category: str, joules):
        cycles, units = port._check(cycles, units)
        _check_phase(phase)
        if not 0.0 <= joules < math.inf:
            raise ValueError(f"energy charged to {category!r} must be finite and >= 0, got {joules!r}")
        self.port, self.cycles, self.phase, self.layer = port, cycles, phase, layer
        self.bits, self.units, self.category, self.joules = bits, units, _category(category), joules
        self.key = (category, phase)  # where its energy goes (`Probe.add_energy`)

    def perform(self, queued: int, granted: int, end: int) -> None:
        """Record this step's hold (requested at `queued`, granted at `granted`, over at `end`) and
        charge its energy."""
        port = self.port  # Port.record, inline
        port._waits.append(granted - queued)
        if granted > queued:
            port._queued.append((queued, granted))
        port._busy.append((granted, end, self.phase, self.layer, self.bits))
        port._units.append(self.units)
        port.probe.add_energy(self.key, self.joules)


def run_steps(env: Env, steps: list[Step]):
    """Generator: perform `steps` (each at least one cycle long) one after another, exactly as
    ``yield from step.port.run(step)`` for each would, with fewer events. A step is requested when
    the one before it ends; every step whose request comes before the next event anyone else could
    act on (`env.peek()`) is booked at once, since no other request can come between. The steps
    before the last one booked end before that event, so they are recorded and charged at once, in
    the order step by step gives, with no other record or charge between; the last is recorded and
    charged when it ends, and the next steps are booked then (`_Sequence`)."""
    seq = _Sequence(env, steps)
    if seq.book():
        yield seq.done
    seq.last.perform(seq.queued, seq.granted, seq.end)


class _Sequence:
    """The state of one `run_steps`: the steps, the next one to book, and the last one booked (`last`,
    requested at `queued`, granted at `granted`, over at `end`), which is recorded when it ends.
    Between the owner's first and last booking the sequence wakes with no process of its own: each
    wake-up is a bare entry of SimPy's event queue whose callback books the next steps, scheduled
    where a timeout of the owner would be (the same time, priority and order), so every event is
    processed in the order the owner sleeping step by step gives."""

    __slots__ = ("env", "steps", "i", "last", "queued", "granted", "end", "done", "entry")

    def __init__(self, env: Env, steps: list[Step]):
        if min(st.cycles for st in steps) < 1:
            raise ValueError("run_steps: every step must hold its port at least one cycle")
        self.env, self.steps, self.i = env, steps, 0
        self.done = simpy.Event(env)  # the owner's wake-up when the last step ends
        self.entry = _Wake(self.wake)  # the sequence's own wake-up (at most one is due at a time)

    def book(self) -> bool:
        """At `env.now`: book the next steps (see `run_steps`) and schedule the wake-up at the end of
        the last one booked; whether there is anything to wait for."""
        steps, env, j = self.steps, self.env, self.i
        n = len(steps)
        if j == n:
            return False
        queue = env._queue
        now = t = env._now
        until = queue[0][0] if queue else math.inf  # env.peek()
        while True:
            st = steps[j]
            granted = st.port.book(st.units, st.cycles, t)
            queued, t = t, granted + st.cycles
            j += 1
            if j == n or t >= until:  # the last step booked: recorded and charged when it ends
                break
            st.perform(queued, granted, t)  # it ends before anyone else acts: recorded and charged now
        self.i, self.last, self.queued, self.granted, self.end = j, st, queued, granted, t
        if j < n:  # wake up at t to book the rest
            entry = self.entry
            entry.callbacks = entry.wake
            heapq.heappush(queue, (t, simpy.events.NORMAL, next(env._eid), entry))
        else:  # the owner wakes up at t
            self.done._ok, self.done._value = True, None
            env.schedule(self.done, simpy.events.NORMAL, t - now)
        return True

    def wake(self, _entry) -> None:
        """The last step booked has ended: record it, book the next."""
        self.last.perform(self.queued, self.granted, self.end)
        self.book()


class _Wake:
    """An entry of SimPy's event queue that only calls back (`Environment.step` needs `callbacks` and
    `_ok` of what it pops, and empties `callbacks`; `wake` re-arms it)."""

    __slots__ = ("callbacks", "_ok", "wake")

    def __init__(self, callback):
        self.wake = [callback]
        self.callbacks, self._ok = None, True


class Subarray:
    """One crossbar subarray of `rows` x `cols` cells with its ADCs; reads and programming exclude
    each other (one server). `layer` is the (0-based) layer whose weights it holds.

    The subarray times and prices its operations; the values it reads are the functional model's
    (`kernels.mvm_bitserial` with one ADC row group per subarray, so summing the row-subarrays'
    results in order reproduces the whole layer's read; tests/test_schedule.py checks it).
    """

    def __init__(self, env: Env, name: str, rows: int, cols: int, probe: Probe, *, layer: int | None = None):
        self.name = name
        self.rows = _positive_int("rows", rows)
        self.cols = _positive_int("cols", cols)
        self.probe = probe
        self.port = Port(env, name, 1, probe, kind="subarray", layer=layer)

    def read(self, *, cycles: int, energy_j: dict[str, float], phase: str, layer: int | None = None):
        """Generator: read the subarray (every bit plane of a batch share), holding it `cycles` cycles;
        `energy_j` maps categories ("array", "adc", "accumulation", ...) to the joules of this read."""
        if not isinstance(energy_j, dict):
            raise TypeError("Subarray.read: energy_j must be a {category: joules} dict")
        yield from self.port.use(cycles, phase, layer)
        _charge(self.probe, "array", energy_j, phase)

    def program(self, *, cycles: int, energy_j, phase: str, layer: int | None = None):
        """Generator: program cells (weight update) for `cycles` cycles; `energy_j` joules go to
        "array" (or pass a {category: joules} dict)."""
        yield from self.port.use(cycles, phase, layer)
        _charge(self.probe, "array", energy_j, phase)


class Buffer:
    """SRAM or register-file buffer with `ports` ports of `port_bits` each.

    `read_cost` / `write_cost` are the cost of one access of `port_bits` (as
    `circuits.sram_buffer` / `circuits.register_file` return it). An access of b bits takes
        cycles = ceil(b / port_bits) * to_cycles(cost.delay_cycles),
        energy = b * cost.energy_j / port_bits   (energy per bit moved).
    """

    def __init__(
        self,
        env: Env,
        name: str,
        port_bits: int,
        read_cost: Cost,
        write_cost: Cost,
        probe: Probe,
        *,
        ports: int = 1,
        category: str = "buffer",
    ):
        self.name = name
        self.port_bits = _positive_int("port_bits", port_bits)
        self.probe = probe
        self.category = _category(category)
        read_cost, write_cost = _cost("read_cost", read_cost), _cost("write_cost", write_cost)
        self._read = (to_cycles(read_cost.delay_cycles), read_cost.energy_j / self.port_bits)
        self._write = (to_cycles(write_cost.delay_cycles), write_cost.energy_j / self.port_bits)
        self.port = Port(env, name, ports, probe, kind="buffer")

    def _access(self, per_access, bits, phase, layer):
        bits = _count("bits", bits)
        if bits == 0:
            return
        cycles_per_access, j_per_bit = per_access
        yield from self.port.use(-(-bits // self.port_bits) * cycles_per_access, phase, layer, bits)
        self.probe.charge(self.category, phase, bits * j_per_bit)

    def read(self, bits: int, phase: str, layer: int | None = None):
        """Generator: read `bits` through one port (0 bits: no-op)."""
        return self._access(self._read, bits, phase, layer)

    def write(self, bits: int, phase: str, layer: int | None = None):
        """Generator: write `bits` through one port (0 bits: no-op)."""
        return self._access(self._write, bits, phase, layer)

    def access_cycles(self, bits: int, write: bool = False) -> int:
        """Cycles one access of `bits` holds a port (0 for 0 bits)."""
        return -(-_count("bits", bits) // self.port_bits) * (self._write if write else self._read)[0]


class HTree:
    """One H-tree link of `width_bits` wires, shared by arbitration (FIFO queue, one sender).

    `cost` is `circuits.htree(..., width_bits=width_bits)`: one transfer of width_bits over the
    link. A send of b bits holds the link for
        cycles = to_cycles(cost.delay_cycles) + ceil(b / width_bits)   (wire latency + serialisation)
    and costs b * cost.energy_j / width_bits, charged to "interconnect".
    """

    def __init__(self, env: Env, name: str, width_bits: int, cost: Cost, probe: Probe):
        self.name = name
        self.width_bits = _positive_int("width_bits", width_bits)
        cost = _cost("cost", cost)
        self.latency_cycles = to_cycles(cost.delay_cycles)
        self._j_per_bit = cost.energy_j / self.width_bits
        self.probe = probe
        self.port = Port(env, name, 1, probe, kind="interconnect")

    def send_cycles(self, bits: int) -> int:
        """Cycles a send of `bits` holds the link (0 for 0 bits)."""
        bits = _count("bits", bits)
        return self.latency_cycles + -(-bits // self.width_bits) if bits else 0

    def send(self, bits: int, phase: str, layer: int | None = None):
        """Generator: send `bits` over the link (0 bits: no-op)."""
        bits = _count("bits", bits)
        if bits == 0:
            return
        yield from self.port.use(self.send_cycles(bits), phase, layer, bits)
        self.probe.charge("interconnect", phase, bits * self._j_per_bit)


class Dram:
    """Off-chip DRAM: `channels` independent channels behind one queue.

    With `interleave` (address interleaving, as HBM/DDR controllers map consecutive bursts to
    consecutive channels) a transfer of b bits is striped over
        k = min(channels, ceil(b / burst_bits))
    channels, which it holds together (one multi-unit hold of the port, `Port.use(units=k)`) for
        cycles = max(1, ceil((latency_s + b / (k * bandwidth_bit_per_s)) * clock_hz));
    without it a transfer holds one channel (k = 1) for the same formula. `bandwidth_bit_per_s` is
    per channel; a transfer of at most one burst uses one channel either way, and one spanning every
    channel runs at the total bandwidth (NeuroSim's DRAM time, bits / total bandwidth, plus the
    access latency). A transfer costs b * energy_j_per_bit, charged to "dram".
    """

    def __init__(
        self,
        env: Env,
        name: str,
        *,
        channels: int,
        bandwidth_bit_per_s: float,
        latency_s: float,
        energy_j_per_bit: float,
        clock_hz: float,
        probe: Probe,
        burst_bits: int,
        interleave: bool = True,
    ):
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(
                f"DRAM {name!r}: channels must be a positive integer, got {channels!r} "
                "(a chip without DRAM channels cannot move data off chip)"
            )
        for label, v in (("bandwidth_bit_per_s", bandwidth_bit_per_s), ("clock_hz", clock_hz)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"DRAM {name!r}: {label} must be a positive finite number, got {v!r}")
        for label, v in (("latency_s", latency_s), ("energy_j_per_bit", energy_j_per_bit)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ValueError(f"DRAM {name!r}: {label} must be finite and >= 0, got {v!r}")
        if isinstance(burst_bits, bool) or not isinstance(burst_bits, int) or burst_bits < 1:
            raise ValueError(f"DRAM {name!r}: burst_bits must be a positive integer, got {burst_bits!r}")
        if not isinstance(interleave, bool):
            raise ValueError(f"DRAM {name!r}: interleave must be True or False, got {interleave!r}")
        self.name = name
        self.channels = channels
        self.bandwidth_bit_per_s = float(bandwidth_bit_per_s)
        self.latency_s = float(latency_s)
        self.energy_j_per_bit = float(energy_j_per_bit)
        self.clock_hz = float(clock_hz)
        self.burst_bits = burst_bits
        self.interleave = interleave
        self.probe = probe
        self.port = Port(env, name, channels, probe, kind="dram")

    def transfer_channels(self, bits: int) -> int:
        """Channels one transfer of `bits` holds: min(channels, ceil(bits / burst_bits)) when
        interleaving, else 1 (0 for 0 bits)."""
        bits = _count("bits", bits)
        if bits == 0:
            return 0
        return min(self.channels, -(-bits // self.burst_bits)) if self.interleave else 1

    def transfer_cycles(self, bits: int) -> int:
        """Cycles one transfer of `bits` holds its channels (0 for 0 bits)."""
        k = self.transfer_channels(bits)
        if k == 0:
            return 0
        return to_cycles((self.latency_s + bits / (k * self.bandwidth_bit_per_s)) * self.clock_hz)

    def transfer(self, bits: int, phase: str, layer: int | None = None):
        """Generator: move `bits` to or from DRAM over `transfer_channels(bits)` channels at once
        (0 bits: no-op)."""
        step = self.step(bits, phase, layer)
        if step is not None:
            yield from self.port.run(step)

    def step(self, bits: int, phase: str, layer: int | None = None) -> Step | None:
        """`transfer` as a `Step` (None for 0 bits)."""
        k = self.transfer_channels(bits)
        if k == 0:
            return None
        return Step(self.port, self.transfer_cycles(bits), phase, layer, bits, k, "dram", bits * self.energy_j_per_bit)


class Wgu:
    """Weight-gradient unit(s): `units` SRAM outer-product engines behind one queue.

    The caller prices a block with `circuits.weight_gradient_unit` (cycles, energy); the WGU only
    serialises blocks on its engines and charges the energy to "weight_gradient". `layer` is the
    (0-based) layer a per-layer WGU serves; None for one shared by all layers.
    """

    def __init__(self, env: Env, name: str, probe: Probe, *, units: int = 1, layer: int | None = None):
        self.name = name
        self.probe = probe
        self.port = Port(env, name, units, probe, kind="weight_gradient", layer=layer)

    def outer(self, rows: int, cols: int, *, phase: str, layer: int | None = None, cycles: int, energy_j: float):
        """Generator: accumulate one rows x cols outer-product block, holding an engine `cycles`."""
        yield from self.port.run(self.step(rows, cols, phase=phase, layer=layer, cycles=cycles, energy_j=energy_j))

    def step(self, rows: int, cols: int, *, phase: str, layer: int | None = None, cycles: int, energy_j: float) -> Step:
        """`outer` as a `Step`."""
        _positive_int("rows", rows)
        _positive_int("cols", cols)
        return Step(self.port, _count("cycles", cycles), phase, layer, 0, 1, "weight_gradient", energy_j)


class Unit:
    """A digital unit of `lanes` parallel lanes (accumulator, adder tree, activation, ...).

    `cost` is one operation on one lane. n operations take
        cycles = ceil(n / lanes) * to_cycles(cost.delay_cycles),   energy = n * cost.energy_j,
    charged to `category` ("accumulation" by default; "other" suits activation units).
    """

    def __init__(
        self, env: Env, name: str, cost: Cost, probe: Probe, *, lanes: int = 1, category: str = "accumulation"
    ):
        self.name = name
        cost = _cost("cost", cost)
        self.lanes = _positive_int("lanes", lanes)
        self.cycles_per_op = to_cycles(cost.delay_cycles)
        self.energy_j_per_op = cost.energy_j
        self.category = _category(category)
        self.probe = probe
        self.port = Port(env, name, 1, probe, kind="digital")

    def run(self, n_ops: int, phase: str, layer: int | None = None):
        """Generator: perform `n_ops` operations (0: no-op)."""
        n = _count("n_ops", n_ops)
        if n == 0:
            return
        yield from self.port.use(-(-n // self.lanes) * self.cycles_per_op, phase, layer)
        self.probe.charge(self.category, phase, n * self.energy_j_per_op)


class Pe:
    """A processing element: its subarrays (components of their own), a PE buffer that receives the
    inputs sent to them, and adder trees (one per ADC lane) that reduce the partial sums of its rows
    of subarrays (columns, for a transposed read) into one per output line.

    `buffer` is a register file (`circuits.register_file`, one access of `port_bits`); `tree` one
    reduction on one lane (`circuits.adder_tree`); see `Buffer` and `Unit` for the time and energy.
    """

    def __init__(self, env: Env, name: str, *, buffer: Cost, port_bits: int, tree: Cost, lanes: int, probe: Probe):
        self.name = name
        self.buffer = Buffer(env, f"{name}.buffer", port_bits, buffer, buffer, probe)
        self.tree = Unit(env, f"{name}.adder_tree", tree, probe, lanes=lanes)

    def receive(self, bits: int, phase: str, layer: int | None = None):
        """Generator: the inputs for this PE's subarrays written into its buffer."""
        return self.buffer.write(bits, phase, layer)

    def reduce(self, n: int, phase: str, layer: int | None = None):
        """Generator: `n` reductions (one per output line and sample) on the adder trees."""
        return self.tree.run(n, phase, layer)


class Tile:
    """A tile: a tile buffer, the tile's H-tree down to its PEs, and adder trees (one per ADC lane of
    a tile row) that reduce its PEs' partial sums across PE rows (columns, transposed).

    `receive`: inputs written into the tile buffer, then sent down the H-tree; `collect`: the PEs'
    partial sums sent up the H-tree, reduced, and written into the tile buffer for the chip.
    """

    def __init__(
        self,
        env: Env,
        name: str,
        *,
        buffer: Cost,
        port_bits: int,
        link: Cost,
        width_bits: int,
        tree: Cost,
        lanes: int,
        probe: Probe,
    ):
        self.name = name
        self.buffer = Buffer(env, f"{name}.buffer", port_bits, buffer, buffer, probe)
        self.link = HTree(env, f"{name}.htree", width_bits, link, probe)
        self.tree = Unit(env, f"{name}.adder_tree", tree, probe, lanes=lanes)

    def receive(self, bits: int, phase: str, layer: int | None = None):
        """Generator: `bits` of inputs into the tile buffer and down the tile's H-tree."""
        yield from self.buffer.write(bits, phase, layer)
        yield from self.link.send(bits, phase, layer)

    def collect(self, bits_up: int, n: int, bits_out: int, phase: str, layer: int | None = None):
        """Generator: the PEs' partial sums (`bits_up`) up the H-tree, `n` reductions, the reduced sums
        (`bits_out`) written into the tile buffer."""
        yield from self.link.send(bits_up, phase, layer)
        yield from self.tree.run(n, phase, layer)
        yield from self.buffer.write(bits_out, phase, layer)
