"""First-order circuit models: area, energy per operation, delay and leakage of each chip component.

A CIM subarray is a resistive crossbar whose rows are driven by input bits while column currents
are digitised by ADCs shared through column multiplexers; everything around it (shift-add,
adder trees, buffers, H-tree wires, weight-gradient SRAM, the DRAM port) is ordinary CMOS. Each
function below prices one such component at a technology node from the node's published
parameters (Vdd, gate capacitance, off current, wire R/C, cell areas, ADC fits in tech/), using
switched capacitance C·Vdd² for dynamic energy, drawn cell areas in F² for area and I_off·W·Vdd
for leakage, so that every cost follows the node physically.

Conventions: every public function takes ``(node, clock_hz, *, ...)`` with all other parameters
keyword-only, and returns a `Cost`. Each docstring says what "one operation" is. Delays are in
clock cycles as floats (callers round up); areas in µm².
"""

from __future__ import annotations

import functools
import math

import attrs

from cyclesim import tech
from cyclesim.config import Device
from cyclesim.errors import ConfigError

# ----------------------------------------------------------------------------- model constants
# Layout (docs/TECH_NUMBERS.md section 4, NeuroSim standard-cell rules): standard-cell height 28 F with a
# 3.5 F gap between P and N diffusions, so one finger holds up to 24.5 F of N+P width; each extra
# finger adds half a minimum inverter's width (poly + gap on a 2·(poly + gap) wide cell).
CELL_HEIGHT_F = 28.0
PN_GAP_F = 3.5
EXTRA_FINGER_FRACTION = 0.5
# Activity: probability that an internal logic node toggles in one operation on random data.
LOGIC_ACTIVITY = 0.5
# Switched capacitance per full-adder bit: 9 NAND2 gates (the tech area rule), each output node
# loaded by ~2 gate inputs plus its own drain (~1 gate input): 27 NAND2 input capacitances.
FA_NAND2_LOADS = 27.0
# A DFF is 12 minimum-inverter widths (tech area rule); one clock with D toggling charges about
# as much capacitance (clock buffers, two latches, transmission gates).
DFF_INV_LOADS = 12.0
# DFF leakage: 8 minimum-inverter leakages (docs/TECH_NUMBERS.md section 4).
DFF_INV_LEAKS = 8.0
# Elmore factors: 0.69 for a lumped RC step, 0.38 for a distributed RC line.
LUMPED_RC = 0.69
DISTRIBUTED_RC = 0.38
# Largest fan-out per stage of a driver chain (the optimum is ~3.6–4).
FANOUT = 4.0
# Global wire pitch for the H-tree: 8 F (CACTI's global-wire pitch, docs/TECH_NUMBERS.md section 2b).
HTREE_PITCH_F = 8.0
# Transistors of the ADC fits (docs/TECH_NUMBERS.md section 5, NeuroSim SarADC/MultilevelSenseAmp):
# SAR: (269 + 109·(b-1)) N + (209 + 73·(b-1)) P; CSA-MLSA: 48 N + 24 P per comparator.
SAR_T0, SAR_T_PER_BIT = 269.0 + 209.0, 109.0 + 73.0
MLSA_T_PER_COMPARATOR = 48.0 + 24.0
ADC_FIT_READ_V = 0.5  # the fits' column resistance is scaled by 0.5 V / V_read
# SRAM bank used for access time: rows per bank of a buffer (the 8 KB reference is 512 x 128 b).
SRAM_BANK_ROWS = 512
# SRAM cell 8F x 20F (tech note): word lines run along the 20F side, bit lines along the 8F side.
SRAM_CELL_W_F, SRAM_CELL_H_F = 20.0, 8.0
# Weight-gradient unit periphery per bit line, in minimum-inverter areas: precharge (3 devices),
# latch sense amplifier (~5 inverter equivalents), write driver (2).
WGU_COLUMN_INV_AREAS = 1.5 + 5.0 + 2.0
# DRAM PHY (ASSUMED, no value in tech/): the PHY of a 1024-bit HBM2 interface is bump-limited;
# ~1700 signal connections per 1024 data bits ("HBM2: It's All About The PHY", semiengineering.com,
# 2017) at an assumed 55 um microbump pitch. On-chip staging: 2 bursts of DFFs per channel.
PHY_BUMPS_PER_DATA_BIT = 1700.0 / 1024.0
PHY_BUMP_PITCH_M = 55e-6
DRAM_STAGING_BURSTS = 2

M2_TO_UM2 = 1e12


class CostError(ConfigError, ValueError):
    """A cost that came out non-finite or negative (or arithmetic that failed on the way): the settings
    or technology numbers it was priced from are beyond what the formulas can price. `quantity` says
    which figure; `priced` whether the message already names the component and its settings."""

    def __init__(self, message: str, quantity: str = "a figure", priced: bool = False):
        super().__init__(message)
        self.quantity, self.priced = quantity, priced


_QUANTITIES = {"area_um2": "area", "energy_j": "energy", "delay_cycles": "delay", "leakage_w": "leakage"}


@attrs.frozen
class Cost:
    """Cost of one component instance (or of a block, where the function says so)."""

    area_um2: float  # silicon area
    energy_j: float  # energy per operation (each function defines its operation)
    delay_cycles: float  # latency of one operation in clock cycles at the chip clock (callers ceil)
    leakage_w: float  # static power

    def __attrs_post_init__(self):
        for name in ("area_um2", "energy_j", "delay_cycles", "leakage_w"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise CostError(f"Cost.{name} must be finite and >= 0, got {value!r}", f"{_QUANTITIES[name]} {value!r}")

    def copies(self, n: int) -> Cost:
        """`n` identical instances working in parallel on one operation each (same delay)."""
        return Cost(self.area_um2 * n, self.energy_j * n, self.delay_cycles, self.leakage_w * n)


ZERO = Cost(0.0, 0.0, 0.0, 0.0)


# ------------------------------------------------------------------------------------ checks

_DEVICE_INPUTS = ("r_on_ohm", "on_off_ratio", "read_v", "read_pulse_s", "cell_area_f2", "access_r_ohm")
"""The `config.Device` fields the circuit models read (named when a cost fails)."""


def _settings(node, clock_hz, kwargs: dict) -> str:
    """The inputs a component was priced from, as the user's settings where they are settings."""
    parts = []
    for key, value in kwargs.items():
        if isinstance(value, Device):
            parts += [f"device.{f}={getattr(value, f):g}" for f in _DEVICE_INPUTS]
        elif isinstance(value, tech.DramTech):
            parts.append(f"chip.dram={value.name} ({value.file})")
        elif isinstance(value, float):
            parts.append(f"{key}={value:g}")
        else:
            parts.append(f"{key}={value!r}"[:80])
    parts.append(f"chip.clock_hz={clock_hz:g}" if isinstance(clock_hz, (int, float)) else f"clock_hz={clock_hz!r}")
    if isinstance(node, tech.Node):
        parts.append(f"chip.node={node.name} (flavor {node.flavor}, {node.file})")
    return ", ".join(parts)


def priced(fn):
    """Decorator of a public cost function `fn(node, clock_hz, *, ...)`: a non-finite or negative cost,
    or arithmetic that fails on the way (overflow, division by zero), becomes one `CostError` naming
    the component, the quantity and the settings it was priced from (the innermost component that
    failed: an enclosing one passes it on)."""

    @functools.wraps(fn)
    def wrapper(node, clock_hz, *args, **kwargs):
        try:
            return fn(node, clock_hz, *args, **kwargs)
        except CostError as exc:
            if exc.priced:
                raise
            quantity = exc.quantity
        except ArithmeticError as exc:  # OverflowError, ZeroDivisionError
            quantity = f"a figure ({type(exc).__name__}: {exc})"
        component = fn.__name__.strip("_").replace("_", " ")
        raise CostError(
            f"the cost model gave the {component} {quantity}, not a finite non-negative number; it was "
            f"priced from {_settings(node, clock_hz, kwargs)}: bring the settings (or the technology file's "
            f"numbers) back into their physical ranges",
            quantity,
            priced=True,
        ) from None

    return wrapper


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
    return float(value)


_EPS = 1e-9  # float noise tolerated when rounding delays up to whole cycles


def to_cycles(delay_cycles: float) -> int:
    """Whole cycles of an operation: n = max(1, ceil(delay_cycles - 1e-9)) (the slack absorbs float
    noise such as 2.0000000000004)."""
    d = float(delay_cycles)
    if not (math.isfinite(d) and d >= 0):
        raise ValueError(f"delay must be finite and >= 0 cycles, got {delay_cycles!r}")
    return max(1, math.ceil(d - _EPS))


def _cycles(seconds: float, clock_hz: float) -> float:
    return seconds * _positive("clock_hz", clock_hz)


# ------------------------------------------------------------------------- device primitives


def _f(node: tech.Node) -> float:
    return node.feature_size_m


def gate_cap_f(node: tech.Node, width_f: float) -> float:
    """Gate capacitance of a transistor drawn `width_f` feature sizes wide: C = Cg·W_drawn·F.

    Cg is the node's total gate capacitance per width. At FinFET nodes NeuroSim tabulates Cg per
    µm of *effective* width (fin sidewalls), and W_eff of a one-fin device is 2–3x its drawn
    width, so charging Cg·W_eff would make a minimum 14 nm HP gate (0.14 fF) heavier than a 22 nm
    one (0.075 fF) — an artefact of switching from planar to FinFET PTM cards, not scaling. We
    charge per drawn width at every node: identical to NeuroSim's planar inverter input caps
    (tech logic.cin_inv at 130–22 nm), monotonic across all nodes, and it under-counts FinFET
    gate loads by W_eff/W_drawn (≈2–4x). Drains are charged as the same capacitance.
    """
    return node.cg_total_f_per_m * width_f * _f(node)


def inv_input_cap_f(node: tech.Node) -> float:
    """Input capacitance of a minimum inverter: N 2F + P 2F·(Ion_N/Ion_P)."""
    return gate_cap_f(node, 2.0 * (1.0 + node.pn_ratio))


def _nand2_input_cap_f(node: tech.Node) -> float:
    """One NAND2 input: series NMOS doubled to 4F, PMOS 2F·ratio."""
    return gate_cap_f(node, 4.0 + 2.0 * node.pn_ratio)


def _inv_leak_w(node: tech.Node) -> float:
    """Mean leakage of a minimum inverter: Vdd·(Ioff_N·W_N + Ioff_P·W_P)/2 with effective widths."""
    w_n = node.effective_width_m(2.0)
    w_p = node.effective_width_m(2.0 * node.pn_ratio)
    return node.vdd_v * (node.ioff_n_a_per_m * w_n + node.ioff_p_a_per_m * w_p) / 2.0


def _transistor_leak_w(node: tech.Node) -> float:
    """Leakage of one minimum (2F) NMOS held off with Vdd across it."""
    return node.vdd_v * node.ioff_n_a_per_m * node.effective_width_m(2.0)


def _tau_s(node: tech.Node) -> float:
    """Intrinsic RC of a minimum inverter: R_on(min NMOS) · C_in(min inverter)."""
    return node.logic.r_on_nmos_ohm * inv_input_cap_f(node)


def _fo4_s(node: tech.Node) -> float:
    """Fan-out-of-4 inverter delay: 0.69·R·(4 + 1)·C (four loads plus its own drain)."""
    return LUMPED_RC * _tau_s(node) * (FANOUT + 1.0)


def fo4_delay_s(node: tech.Node) -> float:
    """The node's fan-out-of-4 inverter delay (`_fo4_s`), the unit of logic speed."""
    return _fo4_s(node)


def _full_adder_energy_j(node: tech.Node) -> float:
    """One full-adder bit: E = α·27·C_NAND2,in·Vdd²."""
    return LOGIC_ACTIVITY * FA_NAND2_LOADS * _nand2_input_cap_f(node) * node.vdd_v**2


def _dff_energy_j(node: tech.Node) -> float:
    """One DFF clocked with D toggling: E = 12·C_inv·Vdd²."""
    return DFF_INV_LOADS * inv_input_cap_f(node) * node.vdd_v**2


def _nand2_energy_j(node: tech.Node) -> float:
    """One NAND2 output node (2 gate loads + drain) toggling with probability α."""
    return LOGIC_ACTIVITY * 3.0 * _nand2_input_cap_f(node) * node.vdd_v**2


def _full_adder_delay_s(node: tech.Node) -> float:
    """Carry delay of one ripple stage, from the tech 8-bit adder delay / 8."""
    return node.logic.add8_delay_s / 8.0


def _um2(area_m2: float) -> float:
    return area_m2 * M2_TO_UM2


def _sized_inv_area_m2(node: tech.Node, size: float) -> float:
    """Area of an inverter `size` times minimum width, folded into fingers of the cell height.

    fingers = ceil(size·W_min / (28F − 3.5F)), W_min = 2F·(1 + ratio) the N+P width of a minimum
    inverter; A = A_inv·(1 + 0.5·(fingers − 1)).
    """
    w_min_f = 2.0 * (1.0 + node.pn_ratio)
    fingers = max(1, math.ceil(size * w_min_f / (CELL_HEIGHT_F - PN_GAP_F) - 1e-9))
    return node.logic.inv_area_m2 * (1.0 + EXTRA_FINGER_FRACTION * (fingers - 1))


@attrs.frozen
class _Chain:
    area_m2: float
    c_internal_f: float  # gate + drain capacitance switched inside the chain
    leakage_w: float
    delay_s: float


def _driver_chain(node: tech.Node, c_load_f: float) -> _Chain:
    """Inverter chain from a minimum inverter to `c_load_f` with fan-out at most 4 per stage.

    N = max(1, ceil(ln(C_L/C_in)/ln 4)) stages, stage fan-out f = (C_L/C_in)^(1/N), sizes f^i
    (i = 0..N−1). Internal switched capacitance = 2·Σ f^i·C_in (gates plus drains);
    delay = N·0.69·τ·(f + 1); area = Σ folded-inverter areas; leakage = Σ f^i·P_leak,inv.
    """
    c_in = inv_input_cap_f(node)
    ratio = max(c_load_f / c_in, 1.0)
    stages = max(1, math.ceil(math.log(ratio) / math.log(FANOUT) - 1e-9))
    fanout = ratio ** (1.0 / stages)
    sizes = [fanout**i for i in range(stages)]
    return _Chain(
        area_m2=sum(_sized_inv_area_m2(node, s) for s in sizes),
        c_internal_f=2.0 * sum(sizes) * c_in,
        leakage_w=sum(sizes) * _inv_leak_w(node),
        delay_s=stages * LUMPED_RC * _tau_s(node) * (fanout + 1.0),
    )


def _device_params(device: Device) -> dict:
    """The fields of a `config.Device` the circuit models use, plus whether its cell has an access
    transistor (1T1R: access_r_ohm > 0)."""
    if not isinstance(device, Device):
        raise TypeError(f"device must be a cyclesim.config.Device, got {type(device).__name__}")
    return dict(
        r_on_ohm=device.r_on_ohm,
        on_off_ratio=device.on_off_ratio,
        read_v=device.read_v,
        read_pulse_s=device.read_pulse_s,
        cell_area_f2=device.cell_area_f2,
        one_t_one_r=device.access_r_ohm > 0,
    )


def cell_pitch_f(cell_area_f2: float) -> float:
    """Row and column pitch of a square cell of `cell_area_f2` F²: sqrt(area) (16 F² -> 4 F)."""
    return math.sqrt(_positive("cell_area_f2", cell_area_f2))


# ------------------------------------------------------------------------------------ crossbar


def _column_cap_f(node: tech.Node, d: dict, rows: int) -> float:
    """C_col = rows·(p·c_wire + C_j): a column line over `rows` cells of pitch p = sqrt(A_cell)·F, with
    the drain of each access transistor (charged as the gate cap of a p-wide device; 0 for a
    transistor-less crossbar)."""
    pitch_f = cell_pitch_f(d["cell_area_f2"])
    c_junction = gate_cap_f(node, pitch_f) if d["one_t_one_r"] else 0.0
    return rows * (pitch_f * _f(node) * node.wire.c_f_per_m + c_junction)


@priced
def crossbar(
    node: tech.Node,
    clock_hz: float,
    *,
    device: Device,
    rows: int,
    cols: int,
    input_activity: float = 0.5,
    g_mean: float | None = None,
) -> Cost:
    """The resistive cell array of one subarray. Operation: one bit-plane read of all cells.

    Area:   A = rows·cols·A_cell·F²  (A_cell = the device's cell area in F², e.g. 16 F² for 1T1R).
    Energy: E = a·rows·cols·V_read²·G_mean·t_pulse + cols·C_col·V_read², where
            a = input_activity (fraction of rows whose input bit is 1),
            G_mean = g_mean·G_on, G_on = 1/R_on, default g_mean = (1 + 1/on_off)/2 (the mean of a
            conductance uniform in [G_off, G_on]; 0.55 for on/off = 10),
            C_col = rows·(p·c_wire + C_j) the column line (p = cell pitch = sqrt(A_cell)·F; C_j the
            access-transistor drain, charged as the gate cap of a p-wide device; 0 for crossbar
            cells) precharged to V_read once per read.
    Delay:  the read pulse, t_pulse·f_clk cycles.
    Leakage: 0 (the array is passive and its lines are grounded when idle).
    The series access-transistor resistance (15 kΩ ≪ R_on in the default device) is neglected.
    """
    rows, cols = _positive_int("rows", rows), _positive_int("cols", cols)
    a = _fraction("input_activity", input_activity)
    d = _device_params(device)
    g_on = 1.0 / d["r_on_ohm"]
    g_min_frac = 1.0 / d["on_off_ratio"]
    frac = (1.0 + g_min_frac) / 2.0 if g_mean is None else _fraction("g_mean", g_mean)
    if frac < g_min_frac - 1e-12:
        raise ValueError(f"g_mean must be >= 1/on_off = {g_min_frac:g} (G_off/G_on), got {frac}")
    F = _f(node)
    c_col = _column_cap_f(node, d, rows)
    energy = a * rows * cols * d["read_v"] ** 2 * frac * g_on * d["read_pulse_s"] + cols * c_col * d["read_v"] ** 2
    return Cost(
        area_um2=_um2(rows * cols * d["cell_area_f2"] * F * F),
        energy_j=energy,
        delay_cycles=_cycles(d["read_pulse_s"], clock_hz),
        leakage_w=0.0,
    )


@priced
def programming(node: tech.Node, clock_hz: float, *, device: Device, rows: int, cols: int) -> dict[str, Cost]:
    """Programming one subarray (the weight update), row by row: the energy and delay of its steps.
    The decoder and drivers that do it are the subarray's (`subarray`: "decoder", "wl_driver",
    "bl_driver"), so these costs carry no area or leakage of their own.

    "row_select": one row selected for programming: the decoder's address change and the row's
        word-line driver pulsing its line, E = E_decoder + E_WL(one row, activity 1).
    "pulse": one programming pulse on one cell: its column line charged to the write voltage and the
        cell conducting for the pulse, E = C_col·V_write² + V_write²·G_mean·t_write (C_col as in
        `crossbar`, G_mean = (1 + 1/on_off)/(2 R_on)); delay t_write·f_clk.
    """
    d = _device_params(device)
    rows, cols = _positive_int("rows", rows), _positive_int("cols", cols)
    area_f2 = d["cell_area_f2"]
    dec = decoder(node, clock_hz, rows=rows, pitch_f=cell_pitch_f(area_f2))
    acc = None if d["one_t_one_r"] else 0.0
    row = wl_driver(node, clock_hz, rows=1, cols=cols, cell_area_f2=area_f2, access_width_f=acc, activity=1.0)
    v_w, t_w = device.write_v, device.write_pulse_s
    g_mean = (1.0 + 1.0 / d["on_off_ratio"]) / 2.0 / d["r_on_ohm"]
    pulse_j = _column_cap_f(node, d, rows) * v_w**2 + v_w**2 * g_mean * t_w
    return {
        "row_select": Cost(0.0, dec.energy_j + row.energy_j, dec.delay_cycles + row.delay_cycles, 0.0),
        "pulse": Cost(0.0, pulse_j, _cycles(t_w, clock_hz), 0.0),
    }


# ------------------------------------------------------------------------- drivers and decoders


@priced
def wl_driver(
    node: tech.Node,
    clock_hz: float,
    *,
    rows: int,
    cols: int,
    cell_area_f2: float = 16.0,
    access_width_f: float | None = None,
    activity: float = 0.5,
) -> Cost:
    """Row (word-line / input) drivers of a subarray: one inverter chain per row.

    Operation: one bit-plane input, i.e. the rows whose input bit is 1 (fraction `activity`)
    pulse their line to Vdd and back.
    Load per row: C_row = cols·(p·c_wire + C_g(W_acc)), p = sqrt(cell_area_f2)·F the cell pitch,
    W_acc the access-transistor width (default = the cell pitch, i.e. sqrt(cell_area_f2) F; pass
    0 for a transistor-less crossbar).
    Chain: N = ceil(log4(C_row/C_inv)) stages of fan-out f = (C_row/C_inv)^(1/N).
    Energy: E = activity·rows·(C_row + 2·Σ f^i·C_inv)·Vdd².
    Delay: N·0.69·R_on·C_inv·(f + 1) + 0.38·r_wire·c_wire·L² (L = cols·p).
    Area: rows·Σ folded inverter areas; leakage: rows·Σ f^i·P_leak,inv.
    """
    rows, cols = _positive_int("rows", rows), _positive_int("cols", cols)
    F = _f(node)
    pitch_f = cell_pitch_f(cell_area_f2)
    load_width_f = pitch_f if access_width_f is None else float(access_width_f)
    activity = _fraction("activity", activity)
    length_m = cols * pitch_f * F
    c_line = length_m * node.wire.c_f_per_m + cols * gate_cap_f(node, load_width_f)
    chain = _driver_chain(node, c_line)
    wire_rc = DISTRIBUTED_RC * node.wire.r_array_ohm_per_m * node.wire.c_f_per_m * length_m**2
    return Cost(
        area_um2=_um2(rows * chain.area_m2),
        energy_j=activity * rows * (c_line + chain.c_internal_f) * node.vdd_v**2,
        delay_cycles=_cycles(chain.delay_s + wire_rc, clock_hz),
        leakage_w=rows * chain.leakage_w,
    )


@priced
def bl_driver(node: tech.Node, clock_hz: float, *, rows: int, cols: int, **cell) -> Cost:
    """Column (bit-line) drivers of a subarray: one inverter chain per column.

    Used for programming and, in transposable arrays, as the input drivers of the transposed
    read. Operation: the columns selected (fraction `activity`) pulse their line to Vdd and back.
    Load per column: C_col = rows·(p·c_wire + C_j), C_j the drain of each access transistor
    (charged as the gate cap of W_acc, default the cell pitch; 0 for a crossbar).
    Energy: E = activity·cols·(C_col + 2·Σ f^i·C_inv)·Vdd²; delay, area, leakage as `wl_driver`:
    these are `wl_driver`'s lines with rows and columns exchanged (`cell`: its cell_area_f2,
    access_width_f and activity).
    """
    return wl_driver(node, clock_hz, rows=cols, cols=rows, **cell)


@priced
def decoder(node: tech.Node, clock_hz: float, *, rows: int, pitch_f: float = 4.0) -> Cost:
    """One-hot decoder of ceil(log2 rows) address bits with 2-bit predecoding.

    Structure: n = ceil(log2 rows) bits split into g = ceil(n/2) groups; each 2-bit group is a
    2→4 predecoder (2 input inverters, 4 NAND2 + 4 INV), a 1-bit group 2 inverters; each output
    row ANDs one line of every group: (g − 1) NAND2 equivalents + 1 INV.
    Area: A = rows·((g − 1)·A_NAND2 + A_INV) + Σ_groups A_predecoder.
    Operation: one address change (one row deselected, one selected). A rising node draws C·Vdd²
    from the supply: per group one predecode line rises (it spans the decoder, rows·p of wire,
    drives rows/m NAND2 inputs, m = 4 outputs for a 2-bit group, 2 for a 1-bit group, and its
    predecode gate ~4 C_inv), and the newly selected row's gates rise:
    E = [Σ_groups (rows/m·C_NAND2 + rows·p·c_wire + 4·C_inv) + (g − 1)·3·C_NAND2 + C_inv]·Vdd².
    Delay: (n + 2)·FO4 (log stages plus predecode buffering). Leakage: gate count·P_leak,inv.
    `rows` = 1 needs no decoder and costs nothing.
    """
    rows = _positive_int("rows", rows)
    if rows == 1:
        return ZERO
    n = math.ceil(math.log2(rows))
    groups = [2] * (n // 2) + ([1] * (n % 2))
    g = len(groups)
    inv, nand2 = node.logic.inv_area_m2, node.logic.nand2_area_m2
    pre_area = sum(2 * inv + 4 * (nand2 + inv) if b == 2 else 2 * inv for b in groups)
    area = rows * ((g - 1) * nand2 + inv) + pre_area
    gates = rows * g + sum(10 if b == 2 else 2 for b in groups)
    c_nand, c_inv = _nand2_input_cap_f(node), inv_input_cap_f(node)
    wire = rows * pitch_f * _f(node) * node.wire.c_f_per_m
    c_pre = sum(rows / (2**b) * c_nand + wire + 4 * c_inv for b in groups)
    c_rows = (g - 1) * 3 * c_nand + c_inv
    return Cost(
        area_um2=_um2(area),
        energy_j=(c_pre + c_rows) * node.vdd_v**2,
        delay_cycles=_cycles((n + 2) * _fo4_s(node), clock_hz),
        leakage_w=gates * _inv_leak_w(node),
    )


@priced
def column_mux(node: tech.Node, clock_hz: float, *, cols: int, cols_per_adc: int, cell_area_f2: float = 16.0) -> Cost:
    """Column multiplexers: `cols_per_adc` adjacent columns share one ADC through transmission gates.

    Area: cols transmission gates (N 2F + P 2F·ratio, one inverter footprint each) + a decoder of
    cols_per_adc select lines + one driver chain per select line and per complement.
    Operation: one selection step (every ADC moves to its next column): select pair k turns off
    and pair k+1 on, so one true and one complement line rise, each drawing C·Vdd². The lines are
    loaded by n_adc = cols/cols_per_adc TG gates and span the subarray (L = cols·p of wire):
    E = [(n_adc·C_g(2F) + L·c_wire) + (n_adc·C_g(2F·ratio) + L·c_wire) + C_chains]·Vdd² + E_decoder.
    Delay: decoder + select-line driver delay. cols_per_adc = 1 needs no mux: zero cost.
    """
    cols = _positive_int("cols", cols)
    per = _positive_int("cols_per_adc", cols_per_adc)
    if per > cols:
        raise ValueError(f"cols_per_adc ({per}) cannot exceed cols ({cols})")
    if per == 1:
        return ZERO
    n_adc = math.ceil(cols / per)
    F = _f(node)
    pitch = cell_pitch_f(cell_area_f2)
    wire = cols * pitch * F * node.wire.c_f_per_m
    c_true = n_adc * gate_cap_f(node, 2.0) + wire
    c_comp = n_adc * gate_cap_f(node, 2.0 * node.pn_ratio) + wire
    ch_true, ch_comp = _driver_chain(node, c_true), _driver_chain(node, c_comp)
    dec = decoder(node, clock_hz, rows=per, pitch_f=pitch)
    area = cols * node.logic.inv_area_m2 + per * (ch_true.area_m2 + ch_comp.area_m2)
    # Pair k turns off, pair k+1 turns on: one true and one complement line rise, each drawing
    # C·Vdd² from the supply (the falling lines return their charge to ground).
    c_switched = c_true + ch_true.c_internal_f + c_comp + ch_comp.c_internal_f
    return Cost(
        area_um2=_um2(area) + dec.area_um2,
        energy_j=c_switched * node.vdd_v**2 + dec.energy_j,
        delay_cycles=dec.delay_cycles + _cycles(max(ch_true.delay_s, ch_comp.delay_s), clock_hz),
        leakage_w=per * (ch_true.leakage_w + ch_comp.leakage_w) + dec.leakage_w,
    )


# ----------------------------------------------------------------------------------------- ADC

ADC_KINDS = ("mlsa", "sar")


@priced
def adc(
    node: tech.Node, clock_hz: float, *, kind: str, bits: int, column_r_ohm: float | None = None, read_v: float = 0.5
) -> Cost:
    """One column ADC. Operation: one conversion (one column, one bit-plane).

    kind "mlsa" — current-mode multilevel sense amplifier (flash-like, L − 1 comparators, L = 2^b):
      Area   A = 72·(2^b − 1)·A_T   (48 N + 24 P minimum transistors per comparator; A_T = the
                                     node's minimum single-transistor cell = A_INV; this equals the
                                     tech csa_area table, e.g. 474,970 F² for 5 bits on bulk)
      Power  P = m·(2^b − 1) + a·exp(−k·log10 R')     (m = csa_m per comparator, a = csa_a)
      Time   t = t_min (1 ns; the tech's R-dependent CSA time fit is not used, see code)
      Energy E = P·t;  delay = t·f_clk.
    kind "sar" — successive-approximation ADC:
      Area   A = (478 + 182·(b − 1))·A_T
      Power  P = c1·b + c0 + a·exp(−k·log10 R')       (a = sar_a)
      Time   t = (b + 1) ns;  Energy E = P·t;  delay = t·f_clk.
    R' = column_r_ohm·0.5 V/read_v. With column_r_ohm None only the fixed (comparator) term is
    counted — the a/R' term is the fit's column read power, which `crossbar` already charges as
    V²·G·t, so leave it None when both are summed. Powers at 300 K (no temperature term).
    Leakage: transistor count·I_off(2F)·Vdd.
    """
    if kind not in ADC_KINDS:
        raise ValueError(f"adc kind must be one of {', '.join(ADC_KINDS)}, got {kind!r}")
    b = _positive_int("bits", bits)
    fit = node.adc
    a_t = node.logic.inv_area_m2
    if column_r_ohm is not None:
        r_scaled = _positive("column_r_ohm", column_r_ohm) * ADC_FIT_READ_V / _positive("read_v", read_v)
    if kind == "mlsa":
        comparators = 2**b - 1
        transistors = MLSA_T_PER_COMPARATOR * comparators
        power = fit.csa_m_w * comparators
        if column_r_ohm is not None:
            power += fit.csa_a_v2 * math.exp(-fit.sar_k * math.log10(r_scaled))
        # Sensing time: the tech's R-dependent CSA fit (c·ln(R/1 kΩ) + d, LSTP 130–32 nm) is not
        # used. It is incomplete (its R_ref/R polynomial factor is not published in the reference)
        # and not monotonic across nodes (90 nm LSTP d = 1.41 ns against 0.048 ns at 130 nm, so a
        # 90 nm conversion would cost more than a 130 nm one). We take the fit's lower clamp, 1 ns,
        # which is also the value at every HP node and at LSTP <= 22 nm.
        t = fit.sense_min_s
    else:
        transistors = SAR_T0 + SAR_T_PER_BIT * (b - 1)
        power = fit.sar_c1_w * b + fit.sar_c0_w
        if column_r_ohm is not None:
            power += fit.sar_a_v2 * math.exp(-fit.sar_k * math.log10(r_scaled))
        t = (b + 1) * 1e-9
    return Cost(
        area_um2=_um2(transistors * a_t),
        energy_j=power * t,
        delay_cycles=_cycles(t, clock_hz),
        leakage_w=transistors * _transistor_leak_w(node),
    )


@priced
def thermometer_encoder(node: tech.Node, clock_hz: float, *, bits: int) -> Cost:
    """The binary encoder behind a multilevel sense amplifier: its L − 1 comparator outputs (a
    thermometer code, L = 2^b) to a b-bit number. Operation: one conversion.

    Structure: thermometer to one-hot, one 2-input gate (NAND2 + INV) per level, t_i AND NOT t_(i+1);
    one-hot to binary, per output bit k an OR tree over the 2^(b−1) levels whose index has bit k set,
    2^(b−1) − 1 two-input gates (NOR2 + INV ≈ NAND2 + INV) each:
        gates G = (2^b − 1) + b·(2^(b−1) − 1)
    Area A = G·(A_NAND2 + A_INV); energy E = G·(E_NAND2 + E_INV) (every gate toggling with the logic
    activity); delay (1 + ceil(b − 1))·FO4; leakage 2·G·P_leak,inv. A SAR ADC needs none (its
    successive approximation register holds the binary result).
    """
    b = _positive_int("bits", bits)
    gates = (2**b - 1) + b * (2 ** (b - 1) - 1)
    lg = node.logic
    e_inv = LOGIC_ACTIVITY * 2.0 * inv_input_cap_f(node) * node.vdd_v**2
    return Cost(
        area_um2=_um2(gates * (lg.nand2_area_m2 + lg.inv_area_m2)),
        energy_j=gates * (_nand2_energy_j(node) + e_inv),
        delay_cycles=_cycles(b * _fo4_s(node), clock_hz),
        leakage_w=2 * gates * _inv_leak_w(node),
    )


# --------------------------------------------------------------------------- digital arithmetic


@priced
def shift_add(node: tech.Node, clock_hz: float, *, bits_in: int, bits_out: int) -> Cost:
    """Shift-and-add accumulator of one ADC (bit-serial inputs, LSB first).

    Each step adds a `bits_in`-bit partial sum to the top of a `bits_out`-bit register and shifts
    right, so the adder is (bits_in + 1) bits wide while the finished LSBs move down the register.
    Operation: one add-and-shift.
    Area:   A = (bits_in + 1)·A_FA + bits_out·A_DFF
    Energy: E = (bits_in + 1)·E_FA + bits_out·E_DFF,  E_FA = α·27·C_NAND2·Vdd², E_DFF = 12·C_inv·Vdd²
    Delay:  (bits_in + 1)·t_FA (ripple carry; t_FA = tech 8-bit adder delay / 8)
    Leakage: (bits_in + 1)·9 + bits_out·8 minimum-inverter leakages.
    """
    b_in, b_out = _positive_int("bits_in", bits_in), _positive_int("bits_out", bits_out)
    if b_out < b_in:
        raise ValueError(f"bits_out ({b_out}) must be >= bits_in ({b_in})")
    adder = b_in + 1
    lg = node.logic
    return Cost(
        area_um2=_um2(adder * lg.full_adder_area_m2 + b_out * lg.dff_area_m2),
        energy_j=adder * _full_adder_energy_j(node) + b_out * _dff_energy_j(node),
        delay_cycles=_cycles(adder * _full_adder_delay_s(node), clock_hz),
        leakage_w=(adder * 9 + b_out * DFF_INV_LEAKS) * _inv_leak_w(node),
    )


@priced
def adder_tree(node: tech.Node, clock_hz: float, *, inputs: int, bits: int) -> Cost:
    """Binary tree of ripple-carry adders reducing `inputs` numbers of `bits` bits to one.

    Level l = 1..D (D = ceil(log2 inputs)) has ceil(inputs/2^l) adders of (bits + l − 1) bits.
    Operation: one reduction.
    Area:   A = Σ_l n_l·(bits + l − 1)·A_FA
    Energy: E = Σ_l n_l·(bits + l − 1)·E_FA
    Delay:  (bits + 2·D)·t_FA (the carry ripples of successive levels overlap).
    `inputs` = 1 needs no adder: zero cost.
    """
    n, b = _positive_int("inputs", inputs), _positive_int("bits", bits)
    if n == 1:
        return ZERO
    depth = math.ceil(math.log2(n))
    fa_bits = 0
    remaining = n
    for level in range(1, depth + 1):
        adders = remaining // 2
        fa_bits += adders * (b + level - 1)
        remaining = adders + remaining % 2
    return Cost(
        area_um2=_um2(fa_bits * node.logic.full_adder_area_m2),
        energy_j=fa_bits * _full_adder_energy_j(node),
        delay_cycles=_cycles((b + 2 * depth) * _full_adder_delay_s(node), clock_hz),
        leakage_w=fa_bits * 9 * _inv_leak_w(node),
    )


@priced
def accumulator(node: tech.Node, clock_hz: float, *, bits: int) -> Cost:
    """A `bits`-wide adder and register (acc ← acc + x). Operation: one accumulation.

    Area A = bits·(A_FA + A_DFF); energy E = bits·(E_FA + E_DFF); delay bits·t_FA;
    leakage bits·(9 + 8)·P_leak,inv.
    """
    b = _positive_int("bits", bits)
    lg = node.logic
    return Cost(
        area_um2=_um2(b * (lg.full_adder_area_m2 + lg.dff_area_m2)),
        energy_j=b * (_full_adder_energy_j(node) + _dff_energy_j(node)),
        delay_cycles=_cycles(b * _full_adder_delay_s(node), clock_hz),
        leakage_w=b * (9 + DFF_INV_LEAKS) * _inv_leak_w(node),
    )


@priced
def activation_unit(node: tech.Node, clock_hz: float, *, bits: int) -> Cost:
    """ReLU + requantisation of one `bits`-bit value: per bit a comparator stage, a 2:1 mux, a DFF.

    ReLU gates every bit with the sign; the clip/round to the output range is a magnitude
    comparison (one full-adder-equivalent per bit) selecting the value or the limit (2:1 mux
    = 3 NAND2 per bit); the result is latched. Operation: one value.
    Area:   A = bits·(A_FA + 3·A_NAND2 + A_DFF)
    Energy: E = bits·(E_FA + 3·E_NAND2 + E_DFF),  E_NAND2 = α·3·C_NAND2·Vdd²
    Delay:  bits·t_FA + 2·FO4.  Leakage: bits·(9 + 3 + 8)·P_leak,inv.
    """
    b = _positive_int("bits", bits)
    lg = node.logic
    return Cost(
        area_um2=_um2(b * (lg.full_adder_area_m2 + 3 * lg.nand2_area_m2 + lg.dff_area_m2)),
        energy_j=b * (_full_adder_energy_j(node) + 3 * _nand2_energy_j(node) + _dff_energy_j(node)),
        delay_cycles=_cycles(b * _full_adder_delay_s(node) + 2 * _fo4_s(node), clock_hz),
        leakage_w=b * (9 + 3 + DFF_INV_LEAKS) * _inv_leak_w(node),
    )


# ------------------------------------------------------------------------------------- memories


def _sram_cell_leak_w(node: tech.Node) -> float:
    """6T cell: one pull-down, one pull-up and one access device off, Vdd across each."""
    s = node.sram
    w_n = node.effective_width_m(s.pulldown_width_f) + node.effective_width_m(s.access_width_f)
    w_p = node.effective_width_m(s.pullup_width_f)
    return node.vdd_v * (node.ioff_n_a_per_m * w_n + node.ioff_p_a_per_m * w_p)


def _sram_access_s(node: tech.Node, rows: int) -> float:
    """Access time of an SRAM bank of `rows` rows: decode + bit-line swing + sense.

    t = (ceil(log2 rows) + 2)·FO4 + C_BL·ΔV/I_cell + FO4, with C_BL = rows·(8F·c_wire + C_g(W_acc)),
    I_cell = Ion·W_acc·F/2 (access and pull-down in series), ΔV = the minimum sense voltage.
    """
    s, F = node.sram, _f(node)
    c_bl = rows * (SRAM_CELL_H_F * F * node.wire.c_f_per_m + gate_cap_f(node, s.access_width_f))
    i_cell = node.ion_n_a_per_m * s.access_width_f * F / 2.0
    decode = (math.ceil(math.log2(max(rows, 2))) + 2) * _fo4_s(node)
    return decode + c_bl * s.min_sense_v / i_cell + _fo4_s(node)


SRAM_ACCESS = ("read", "write")


@priced
def sram_buffer(node: tech.Node, clock_hz: float, *, bits_capacity: int, port_bits: int, access: str = "read") -> Cost:
    """SRAM buffer built from banks like the node's 8 KB reference macro (512 x 128 b).

    Area:   A = A_8KB·capacity/8KB  (area per bit of the reference macro, periphery included)
    Energy: E = port_bits·E_bit, E_bit = the reference macro's read or write energy per bit
            (energy per bit is kept constant with capacity: a larger buffer is more banks, and the
            wires between banks are the caller's H-tree). Operation: one access of port_bits.
    Delay:  access time of a bank of min(words, 512) rows (see `_sram_access_s`), in cycles.
    Leakage: capacity·(pull-down + pull-up + access device off-currents)·Vdd.
    """
    cap = _positive_int("bits_capacity", bits_capacity)
    port = _positive_int("port_bits", port_bits)
    if port > cap:
        raise ValueError(f"port_bits ({port}) cannot exceed bits_capacity ({cap})")
    if access not in SRAM_ACCESS:
        raise ValueError(f"access must be one of {', '.join(SRAM_ACCESS)}, got {access!r}")
    s = node.sram
    e_bit = s.buffer_read_j_per_bit if access == "read" else s.buffer_write_j_per_bit
    rows = min(math.ceil(cap / port), SRAM_BANK_ROWS)
    return Cost(
        area_um2=_um2(s.buffer_area_m2 * cap / s.buffer_bits),
        energy_j=port * e_bit,
        delay_cycles=_cycles(_sram_access_s(node, rows), clock_hz),
        leakage_w=cap * _sram_cell_leak_w(node),
    )


@priced
def register_file(node: tech.Node, clock_hz: float, *, bits_capacity: int, port_bits: int) -> Cost:
    """Register-file buffer (one DFF per bit, NeuroSim's default buffer type).

    Area:   A = A_RF,8KB·capacity/8KB (the tech reference, ≈ one DFF per bit)
    Energy: E = port_bits·(E_DFF + log2(words)·E_NAND2), words = capacity/port_bits: the written
            (or read-out) DFF plus one gate per level of the read-select tree. Operation: one
            access of port_bits (read = write). The tech rf_energy column is not used: it is
            non-monotonic across nodes (90 nm LSTP below 65 nm, a Cg typo; 14 nm HP above 22 nm,
            the FinFET cap jump), while this formula follows C·Vdd² at every node.
    Delay:  one clock for the DFF plus log2(words)·FO4 of read select, at least 1 cycle.
    Leakage: capacity·8·P_leak,inv.
    """
    cap = _positive_int("bits_capacity", bits_capacity)
    port = _positive_int("port_bits", port_bits)
    if port > cap:
        raise ValueError(f"port_bits ({port}) cannot exceed bits_capacity ({cap})")
    levels = math.log2(max(cap / port, 1.0))
    s = node.sram
    return Cost(
        area_um2=_um2(s.rf_area_m2 * cap / s.buffer_bits),
        energy_j=port * (_dff_energy_j(node) + levels * _nand2_energy_j(node)),
        delay_cycles=max(1.0, 1.0 + _cycles(levels * _fo4_s(node), clock_hz)),
        leakage_w=cap * DFF_INV_LEAKS * _inv_leak_w(node),
    )


# ---------------------------------------------------------------------------------- interconnect


@priced
def htree(
    node: tech.Node, clock_hz: float, *, length_m: float, width_bits: int, pitch_f: float = HTREE_PITCH_F
) -> Cost:
    """Repeated bus (H-tree segment) of `width_bits` wires over `length_m` at a wire pitch in F.

    Energy: E = width_bits·L·e_bus (tech bus energy per bit per metre, repeaters included, at 0.25
            switching activity). Operation: one transfer of width_bits over L.
    Delay:  L·d_bus·f_clk (tech repeated-wire delay per metre).
    Area:   A = width_bits·pitch·L (global wires 8F, semi-global 4F as in CACTI; repeaters sit
            under their wires' tracks).
    Leakage: repeaters sized and spaced by the classic optimum, s = sqrt(R_drv·c/(r·C_in)),
            spacing h = sqrt(2·R_drv·2·C_in/(r·c)) (R_drv = min NMOS R_on, r = H-tree wire R per m,
            c = wire C per m): width_bits·(L/h)·s·P_leak,inv.
    """
    length = _positive("length_m", length_m)
    width = _positive_int("width_bits", width_bits)
    w = node.wire
    r_drv, c_in = node.logic.r_on_nmos_ohm, inv_input_cap_f(node)
    size = math.sqrt(r_drv * w.c_f_per_m / (w.r_htree_ohm_per_m * c_in))
    spacing = math.sqrt(2.0 * r_drv * 2.0 * c_in / (w.r_htree_ohm_per_m * w.c_f_per_m))
    repeaters = width * math.ceil(length / spacing)
    return Cost(
        area_um2=_um2(width * _positive("pitch_f", pitch_f) * _f(node) * length),
        energy_j=width * length * w.bus_energy_j_per_bit_per_m,
        delay_cycles=_cycles(length * w.bus_delay_s_per_m, clock_hz),
        leakage_w=repeaters * size * _inv_leak_w(node),
    )


@priced
def dram_interface(node: tech.Node, clock_hz: float, *, dram: tech.DramTech) -> Cost:
    """One off-chip DRAM channel's interface. Operation: one isolated burst (dram.burst_bits).

    Energy: E = burst·(e_DRAM + E_DFF): the DRAM's energy per bit (tech; device + I/O, as NeuroSim
            charges it) plus latching each bit on chip.
    Delay:  (t_latency + burst/bandwidth_channel)·f_clk (a streamed burst costs only the second term).
    Area:   PHY + staging registers. PHY (ASSUMED, no tech value): bump-limited, io_width·1700/1024
            signal bumps (semiengineering.com, "HBM2: It's All About The PHY", 2017) at an assumed
            55 µm microbump pitch, node-independent (≈ 5.1 mm² for a 1024-bit channel); staging:
            2 bursts of DFFs (node-scaled). Multiply by dram.channels for the whole interface.
            NeuroSim (and the reproduced paper's area breakdown) counts no DRAM PHY.
    Leakage: staging DFFs only (PHY bias power is not modelled).
    """
    if not isinstance(dram, tech.DramTech):
        raise TypeError(f"dram must be a tech.DramTech, got {type(dram).__name__}")
    burst = dram.burst_bits
    staging = DRAM_STAGING_BURSTS * burst
    phy_m2 = dram.io_width_bits * PHY_BUMPS_PER_DATA_BIT * PHY_BUMP_PITCH_M**2
    return Cost(
        area_um2=_um2(phy_m2 + staging * node.logic.dff_area_m2),
        energy_j=burst * (dram.energy_j_per_bit + _dff_energy_j(node)),
        delay_cycles=_cycles(dram.latency_s + burst / dram.bandwidth_bit_per_s, clock_hz),
        leakage_w=staging * DFF_INV_LEAKS * _inv_leak_w(node),
    )


# ------------------------------------------------------------------------- weight-gradient unit


def sram_banks(rows: int) -> tuple[int, int]:
    """One banking rule for every SRAM macro: banks = ceil(rows / SRAM_BANK_ROWS) banks of
    ceil(rows / banks) rows each (a bank's bit lines stay short enough for its access time)."""
    banks = math.ceil(_positive_int("rows", rows) / SRAM_BANK_ROWS)
    return banks, math.ceil(rows / banks)


@priced
def weight_gradient_unit(
    node: tech.Node,
    clock_hz: float,
    *,
    rows: int,
    cols: int,
    word_bits: int,
    operand_bits: int,
    held_rows: int | None = None,
) -> Cost:
    """SRAM-based weight-gradient unit adding one outer-product block into `word_bits`-bit running sums.

    Storage: `held_rows` rows of cols words (default `rows`: the whole block is held on chip; 2: a
    streaming unit that double-buffers the row in flight while DRAM holds the sums), 8F x 20F cells,
    banked by `sram_banks`; each bank has its row decoder and word-line drivers, and per bit line a
    precharger, latch sense amplifier and write driver (8.5 minimum inverter areas), a full adder and
    two registers (sum and carry). Banks work on different rows in parallel.
    Operation: ΔW[r, c] += x[r]·δ[c] over a rows x cols block: for each row, read it (cols words),
    add the cols products bit-serially in carry-save form (`operand_bits` steps of one full-adder
    delay each: no carry ripples between steps), resolve the carries once with a `word_bits`-wide
    ripple add, write the row back.
    Area:   A = held_rows·cols·w·A_SRAM + banks·[bank_rows·A_WL + A_dec(bank_rows)
            + cols·w·(8.5·A_INV + A_FA + 2·A_DFF)]
    Energy: E = rows·[cols·w·(E_rd + E_wr) + cols·w·(n_op + 1)·E_FA + 2·cols·w·E_DFF + E_decode + E_WL]
            (E_rd, E_wr the tech SRAM energies per bit; w = word_bits, n_op = operand_bits)
    Delay:  ceil(rows / banks)·(2·ceil(t_access(bank_rows)·f) + n_op·ceil(t_FA·f) + ceil(w·t_FA·f))
            cycles.
    Leakage: cells + every bank's periphery (decoder, drivers, adders, registers, sense amps).
    """
    rows, cols = _positive_int("rows", rows), _positive_int("cols", cols)
    w, n_op = _positive_int("word_bits", word_bits), _positive_int("operand_bits", operand_bits)
    held = rows if held_rows is None else _positive_int("held_rows", held_rows)
    banks, bank_rows = sram_banks(held)
    s, lg, F = node.sram, node.logic, _f(node)
    lines = cols * w
    dec = decoder(node, clock_hz, rows=bank_rows, pitch_f=SRAM_CELL_H_F)
    # Word line: lines cells of 20F, each loading two access gates.
    c_wl = lines * (SRAM_CELL_W_F * F * node.wire.c_f_per_m + 2 * gate_cap_f(node, s.access_width_f))
    wl = _driver_chain(node, c_wl)
    column_area = lines * (WGU_COLUMN_INV_AREAS * lg.inv_area_m2 + lg.full_adder_area_m2 + 2 * lg.dff_area_m2)
    area = held * lines * s.cell_area_m2 + banks * (bank_rows * wl.area_m2 + column_area)
    e_row = (
        lines * (s.buffer_read_j_per_bit + s.buffer_write_j_per_bit)
        + lines * (n_op + 1) * _full_adder_energy_j(node)
        + 2 * lines * _dff_energy_j(node)
        + dec.energy_j
        + (c_wl + wl.c_internal_f) * node.vdd_v**2
    )
    t_access = _sram_access_s(node, bank_rows)
    step = max(1, math.ceil(_cycles(_full_adder_delay_s(node), clock_hz) - 1e-9))
    resolve = max(1, math.ceil(_cycles(w * _full_adder_delay_s(node), clock_hz) - 1e-9))
    per_row = 2 * math.ceil(_cycles(t_access, clock_hz) - 1e-9) + n_op * step + resolve
    column_leak = lines * (WGU_COLUMN_INV_AREAS + 9 + 2 * DFF_INV_LEAKS) * _inv_leak_w(node)
    leak = held * lines * _sram_cell_leak_w(node) + banks * (dec.leakage_w + bank_rows * wl.leakage_w + column_leak)
    return Cost(
        area_um2=_um2(area) + banks * dec.area_um2,
        energy_j=rows * e_row,
        delay_cycles=float(math.ceil(rows / banks) * per_row),
        leakage_w=leak,
    )


# ------------------------------------------------------------------------------------ subarray


@priced
def subarray(
    node: tech.Node,
    clock_hz: float,
    *,
    device: Device,
    rows: int,
    cols: int,
    cols_per_adc: int,
    adc_bits: int,
    adc_kind: str = "mlsa",
    input_bits: int = 8,
    input_activity: float = 0.5,
    transposable: bool = False,
) -> dict[str, Cost]:
    """All components of one subarray, each aggregated over its instances.

    Keys: "cells" (crossbar), "wl_driver", "bl_driver", "decoder" (row decoder for programming),
    "column_mux", "adc" (cols/cols_per_adc ADCs), "encoder" (one `thermometer_encoder` per MLSA
    ADC; zero for SAR), "shift_add" (one per ADC, bits_in = adc_bits, bits_out = adc_bits +
    input_bits); with `transposable` (BP's transposed read) also "row_mux", "adc_transposed",
    "shift_add_transposed", "encoder_transposed" for reading along the rows.
    Area, leakage: all instances. Energy, per key: cells one full bit-plane read; wl_driver /
    bl_driver one activation of their lines; decoder one row selection; column_mux / row_mux one
    full sweep (cols_per_adc steps); adc / shift_add one full bit-plane (every column converted
    and accumulated once; *_transposed: every row). Delay: one operation of one instance (a read
    pulse, one conversion, one step).
    """
    d = _device_params(device)
    rows, cols = _positive_int("rows", rows), _positive_int("cols", cols)
    per = _positive_int("cols_per_adc", cols_per_adc)
    limit = min(rows, cols) if transposable else cols
    if per > limit:
        raise ValueError(
            f"cols_per_adc ({per}) cannot exceed the columns ({cols})"
            + (f" or rows ({rows}) of a transposable array" if transposable else "")
        )
    area_f2 = d["cell_area_f2"]
    acc = None if d["one_t_one_r"] else 0.0
    one_adc = adc(node, clock_hz, kind=adc_kind, bits=adc_bits)
    one_sa = shift_add(node, clock_hz, bits_in=adc_bits, bits_out=adc_bits + input_bits)

    one_enc = thermometer_encoder(node, clock_hz, bits=adc_bits) if adc_kind == "mlsa" else ZERO

    def readout(lines: int) -> tuple[Cost, Cost, Cost, Cost]:
        n_adc = math.ceil(lines / per)

        def each(one: Cost) -> Cost:  # n_adc instances; energy: every line converted once
            return Cost(one.area_um2 * n_adc, one.energy_j * lines, one.delay_cycles, one.leakage_w * n_adc)

        mux = column_mux(node, clock_hz, cols=lines, cols_per_adc=per, cell_area_f2=area_f2)
        sweep = Cost(mux.area_um2, mux.energy_j * per, mux.delay_cycles, mux.leakage_w)
        return sweep, each(one_adc), each(one_sa), each(one_enc)

    mux, adcs, sa, enc = readout(cols)
    parts = {
        "cells": crossbar(node, clock_hz, device=device, rows=rows, cols=cols, input_activity=input_activity),
        "wl_driver": wl_driver(
            node, clock_hz, rows=rows, cols=cols, cell_area_f2=area_f2, access_width_f=acc, activity=input_activity
        ),
        "bl_driver": bl_driver(
            node, clock_hz, rows=rows, cols=cols, cell_area_f2=area_f2, access_width_f=acc, activity=input_activity
        ),
        "decoder": decoder(node, clock_hz, rows=rows, pitch_f=cell_pitch_f(area_f2)),
        "column_mux": mux,
        "adc": adcs,
        "encoder": enc,
        "shift_add": sa,
    }
    if transposable:
        parts["row_mux"], parts["adc_transposed"], parts["shift_add_transposed"], parts["encoder_transposed"] = readout(
            rows
        )
    return parts


def periphery_area_um2(parts: dict[str, Cost]) -> float:
    """Area of everything in a `subarray` breakdown except the cells."""
    return sum(c.area_um2 for k, c in parts.items() if k != "cells")
