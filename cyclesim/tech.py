"""Technology data: the published numbers that tie the circuit models to a real process.

A CMOS node (transistors, wires, SRAM, logic cells, ADC fits), a synaptic device (cell resistance,
conductance levels, update nonlinearity and noise, read/write pulses) or an off-chip DRAM is described
by one TOML file under ``tech/`` (``nodes/``, ``devices/``, ``dram/``) that cites its sources. A
measured device's conductance-versus-pulse sweeps are a CSV curve table beside its TOML (or anywhere,
named by ``device.curve``). This module parses those files, checks every field and unit, and returns
frozen records in SI units.
"""

from __future__ import annotations

import csv
import functools
import math
import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from cyclesim.errors import TechError, one_line, shorten, show

TECH_DIR: Path = Path(os.environ.get("CYCLESIM_TECH") or Path(__file__).resolve().parents[1] / "tech")
KINDS = ("nodes", "devices", "dram")
FLAVORS = ("lstp", "hp")

# --------------------------------------------------------------------------------------- units

# fmt: off
_PREFIXES = {"a": -18, "f": -15, "p": -12, "n": -9, "u": -6, "m": -3,  # powers of ten
             "k": 3, "M": 6, "G": 9, "T": 12}
_UNITS = {  # symbol -> (factor to SI, dimension as {base: exponent})
    "V": (1.0, {"V": 1}), "A": (1.0, {"A": 1}), "ohm": (1.0, {"ohm": 1}), "Ohm": (1.0, {"ohm": 1}),
    "F": (1.0, {"F": 1}), "s": (1.0, {"s": 1}), "J": (1.0, {"J": 1}), "W": (1.0, {"W": 1}),
    "m": (1.0, {"m": 1}), "bit": (1.0, {"bit": 1}), "B": (8.0, {"bit": 1}), "K": (1.0, {"K": 1}),
    "Hz": (1.0, {"s": -1}),
}
_ALIASES = {"\u00b5": "u", "\u03bc": "u", "\u03a9": "ohm", "\u2126": "ohm",  # µ μ Ω Ω
            "\u00b2": "2", "\u00b3": "3", "\u00b7": "*"}  # ² ³ ·
# fmt: on
_NUMBER = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")
_TERM = re.compile(r"([A-Za-z]+)\^?(\d)?")
_DESCRIPTIONS = {  # dimension -> (what it is, an example) for error messages
    "V": ("a voltage", "0.9 V"),
    "V2": ("a squared voltage (power x resistance)", "0.0794 V2"),
    "m": ("a length", "32 nm"),
    "m2": ("an area", "12106 um2' or '160 F2"),
    "F2": ("an area in feature sizes squared", "160 F2"),
    "ohm": ("a resistance", "100 kohm"),
    "ohm/m": ("a resistance per length", "13.3 ohm/um"),
    "ohm*m": ("a resistivity", "4.03e-8 ohm*m"),
    "F": ("a capacitance", "0.27 fF"),
    "F/m": ("a capacitance per width", "0.838 fF/um"),
    "F/m2": ("a capacitance per area", "1 fF/um2"),
    "A/m": ("a current per width", "600 uA/um"),
    "s": ("a time", "50 ns"),
    "s/m": ("a delay per length", "661 ps/mm"),
    "J": ("an energy", "2.7 fJ"),
    "J/bit": ("an energy per bit", "3.9 pJ/bit"),
    "J/bit/m": ("an energy per bit and length", "94 fJ/bit/mm"),
    "W": ("a power", "8.9 uW"),
    "bit/s": ("a bandwidth", "15.2e12 bit/s"),
    "1/K": ("a temperature coefficient", "0.00451 1/K"),
}


@functools.cache
def _parse_unit(unit: str) -> tuple[int, float, tuple[tuple[str, int], ...]]:
    """'fJ/bit/mm' -> (-12, 1.0, (('J', 1), ('bit', -1), ('m', -1))): SI value = x·10^-12·1.0.

    Prefixes are kept as an exact power of ten so '18 nm' becomes exactly 1.8e-08.
    Raises ValueError(token) for an unknown unit.
    """
    for alias, plain in _ALIASES.items():
        unit = unit.replace(alias, plain)
    tokens = re.split(r"\s*([*/])\s*", unit.strip())
    exp10, factor, dims, sign = 0, 1.0, {}, 1
    for i, tok in enumerate(tokens):
        if i % 2:  # separator
            sign = -1 if tok == "/" else 1
            continue
        if tok == "1" and i == 0:
            continue
        m = _TERM.fullmatch(tok)
        if not m:
            raise ValueError(tok)
        letters, exp = m.group(1), int(m.group(2) or 1)
        if letters == "F" and exp == 2:  # feature size squared, not farad squared
            f, d = 1.0, {"F2": 1}
            exp = 1
        elif letters in _UNITS:
            f, d = _UNITS[letters]
        elif letters[0] in _PREFIXES and letters[1:] in _UNITS:
            f, d = _UNITS[letters[1:]]
            exp10 += sign * exp * _PREFIXES[letters[0]]
        else:
            raise ValueError(tok)
        factor *= f ** (sign * exp)
        for base, e in d.items():
            dims[base] = dims.get(base, 0) + sign * exp * e
    return exp10, factor, tuple(sorted((k, v) for k, v in dims.items() if v))


def quantity(text: str, dimension: str, *, where: str, feature_m: float | None = None) -> float:
    """Parse a string with a unit into an SI float: quantity('100 kohm', 'ohm', where=...) == 1e5.

    `dimension` is written with the same unit symbols ('V', 'F/m', 'J/bit/m', 'm2', '1/K', ...).
    Areas may be given in F2 (feature size squared) only when `feature_m` is given; with
    dimension 'F2' the result is the number of F2. SI prefixes a f p n u/µ m k M G T are
    case-sensitive. A wrong unit, an unparseable or negative value raises TechError naming `where`.
    """
    desc, example = _DESCRIPTIONS.get(dimension, (f"a quantity in {dimension}", f"1 {dimension}"))
    expected = f"{where} must be {desc} like '{example}', got {text!r}"
    if not isinstance(text, str):
        raise TechError(f"{expected} (write the value as a string with its unit)")
    match = _NUMBER.fullmatch(text)
    if not match or not match.group(2):
        raise TechError(expected)
    try:
        exp10, factor, dims = _parse_unit(match.group(2))
    except ValueError as err:
        raise TechError(f"{expected} (unknown unit {str(err)!r})") from None
    target = dict(_parse_unit(dimension)[2])
    dims = dict(dims)
    if dims.get("F2") and "F2" not in target:
        if feature_m is None:
            raise TechError(f"{expected} (F2 is only allowed for areas in a node file)")
        factor *= feature_m ** (2 * dims["F2"])
        dims["m"] = dims.get("m", 0) + 2 * dims.pop("F2")
    if {k: v for k, v in dims.items() if v} != target:
        raise TechError(expected)
    value = float(Decimal(match.group(1)).scaleb(exp10)) * factor
    if value < 0:
        raise TechError(f"{where} must not be negative, got {text!r}")
    if not math.isfinite(value):
        raise TechError(f"{where} must be finite, got {text!r}")
    return value


# ------------------------------------------------------------------------------------- limits


@attrs.frozen
class Limit:
    """A physical range of one value: lo..hi (lo itself excluded when `lo_open`), and 0 as well when
    `zero_ok` (e.g. NL = 0, a linear device; a crossbar cell's access resistance)."""

    lo: float
    hi: float
    lo_open: bool = False
    zero_ok: bool = False

    def __contains__(self, value) -> bool:
        if value == 0 and self.zero_ok:
            return True
        return (value > self.lo if self.lo_open else value >= self.lo) and value <= self.hi

    def describe(self, unit: str = "") -> str:
        """'between 1e-12 and 1e-05 s', '> 1 and <= 1e+07', '0 or between 0.01 and 9'."""
        u = f" {unit}" if unit else ""
        text = f"> {self.lo:g} and <= {self.hi:g}{u}" if self.lo_open else f"between {self.lo:g} and {self.hi:g}{u}"
        return f"0 or {text}" if self.zero_ok else text


# fmt: off
DEVICE_LIMITS = {  # config.Device field -> its physical range (checked in workloads and device files alike)
    # R_on: published RRAM on-states span ~1 kOhm (filamentary) to ~30 MOhm (Ag:a-Si, 26 MOhm); below
    # 100 Ohm a cell passes > 1 mA at a 0.1 V read (more than a bit line carries), above 1 GOhm a read
    # current is < 1 nA at 1 V, below any column ADC's resolution.
    "r_on_ohm": Limit(100.0, 1e9),
    # On/off ratio: > 1 by definition; the largest reported RRAM/PCM ratios are ~1e6-1e7.
    "on_off_ratio": Limit(1.0, 1e7, lo_open=True),
    # Levels: at least two states; 2^16 is far beyond any demonstrated analog device (~2^11).
    "levels": Limit(2, 1 << 16),
    # NL labels: NeuroSim's table (tech/nonlinearity.toml) spans 0.01-9; 0 is a linear device. Below
    # 0.01 the curve constant A grows without bound (NL 1e-30 divides by zero in the pulse update).
    "nl_ltp": Limit(0.01, 9.0, zero_ok=True),
    "nl_ltd": Limit(0.01, 9.0, zero_ok=True),
    # Spreads are fractions of Gmax - Gmin (c2c per pulse, d2d per cell); nl_d2d is in NL units.
    "c2c": Limit(0.0, 1.0),
    "d2d": Limit(0.0, 1.0),
    "nl_d2d": Limit(0.0, 9.0),
    # Read voltage: reads are 0.05-0.5 V; below 1 mV the signal is lost in a sense amplifier's offset,
    # above 5 V any RRAM switches (it would be a write).
    "read_v": Limit(1e-3, 5.0),
    # Read pulse: published reads take 1-100 ns; 1 ps is below any line's RC, 10 us is 100x the slowest.
    "read_pulse_s": Limit(1e-12, 1e-5),
    # Write voltage: SET/RESET need 0.5-5 V, forming up to ~10 V; below 0.1 V nothing switches.
    "write_v": Limit(0.1, 10.0),
    # Write pulse: 10 ns (oxide RRAM) to 300 us (Ag:a-Si); 10 ms bounds the slowest (ECRAM-like) devices.
    "write_pulse_s": Limit(1e-12, 1e-2),
    # Access transistor on-resistance: 0 for a crossbar cell, ~1-100 kOhm for 1T1R; at most R_on's bound.
    "access_r_ohm": Limit(0.0, 1e9),
    # Cell area: 4 F^2 is a planar crossbar's minimum (3D stacking brings the effective area towards
    # 1 F^2); 1T1R cells are 6-100 F^2; 1e4 F^2 is a cell 100 F on a side.
    "cell_area_f2": Limit(1.0, 1e4),
    # Retention time constant: 1e12 s (~30,000 years) is beyond any retention worth modelling (the
    # usual target is 10 years, 3e8 s).
    "retention_tau_s": Limit(0.0, 1e12, lo_open=True),
    # Time between two iterations: at most a year.
    "retention_interval_s": Limit(0.0, 3.2e7),
}
# fmt: on
"""Physical ranges of the synaptic device's fields: `config.Device` validates a workload's device
and `load_device_file` a device file against the same table."""

# fmt: off
_DIM_LIMITS = {  # a node or DRAM quantity's range by dimension: every shipped value lies well inside
    "m": Limit(1e-10, 1e-5),        # 0.1 nm (an atom) .. 10 um: transistor and wire dimensions
    "m2": Limit(1e-19, 1e-4),       # (0.3 nm)^2 .. 100 mm^2: a cell .. a large macro
    "V": Limit(1e-3, 10.0),         # 1 mV .. 10 V: supplies are 0.7-1.3 V, sense margins ~0.1 V
    "V2": Limit(1e-6, 100.0),       # ADC fit coefficients (0.02-0.2 V^2)
    "F": Limit(1e-20, 1e-12),       # a gate's input capacitance (0.08-2.5 fF)
    "F/m": Limit(1e-13, 1e-6),      # gate or wire capacitance per width/length (0.2-2 fF/um)
    "F/m2": Limit(1e-6, 1.0),       # junction capacitance per area (1 fF/um^2)
    "A/m": Limit(1e-12, 1e5),       # on/off currents per width (1e-4 .. 1900 A/m)
    "ohm": Limit(1.0, 1e9),         # transistor on-resistances (8-43 kOhm)
    "ohm/m": Limit(1.0, 1e12),      # wire resistance per length (0.07-180 Ohm/um)
    "ohm*m": Limit(1e-9, 1e-3),     # resistivity (copper 1.7e-8 plus size effects)
    "s": Limit(1e-15, 1e-6),        # gate, adder and sense delays (0.05-5 ns)
    "s/m": Limit(1e-12, 1e-2),      # repeated-wire delay (0.08-1.7 ns/mm)
    "J": Limit(1e-20, 1e-9),        # per-operation energies (fJ .. pJ)
    "J/bit": Limit(1e-19, 1e-9),    # per-bit SRAM and DRAM energies (fJ .. tens of pJ)
    "J/bit/m": Limit(1e-16, 1e-3),  # bus energy per bit and length (40-210 fJ/mm)
    "W": Limit(1e-12, 1.0),         # ADC powers (0.1-65 uW)
    "bit/s": Limit(1e6, 1e15),      # one DRAM channel: 1 Mb/s .. 1 Pb/s (HBM2 1.9 Tb/s)
    "1/K": Limit(0.0, 1.0),         # temperature coefficients (0.001-0.005 per K)
}
_FIELD_LIMITS = {  # fields whose range is not their dimension's (keys: section.schema key)
    "transistor.cg_fringe": Limit(1e-13, 1e-6, zero_ok=True),  # FinFET nodes fold it into cg_ideal
    "transistor.r_eff_multiplier": Limit(0.1, 10.0),           # R_on = mult.Vdd/(Ion.W): 1.45-1.77
    "junction.mj_area": Limit(0.0, 1.0),                       # grading coefficients lie in 0..1
    "junction.mj_sidewall": Limit(0.0, 1.0),
    "junction.mj_gate_sidewall": Limit(0.0, 1.0),
    "wire.aspect_ratio": Limit(0.1, 10.0),                     # thickness/width (1.9-2.3)
    "sram.access_width_f": Limit(0.1, 100.0),                  # transistor widths in F (1.2-2.1)
    "sram.pulldown_width_f": Limit(0.1, 100.0),
    "sram.pullup_width_f": Limit(0.1, 100.0),
    "sram.buffer_bits": Limit(1, 1 << 40),
    "adc.sar_k@": Limit(0.0, 10.0),                            # fit exponent (2.3)
    "adc.csa_sense_c@": Limit(1e-15, 1e-6, zero_ok=True),      # 0: a constant sensing time
    "dram.latency": Limit(0.0, 1e-3),                          # 0 (ideal) .. 1 ms (DRAM: ~14 ns)
    "dram.energy": Limit(1e-15, 1e-9),                         # 1 fJ .. 1 nJ per bit (3.9-13.5 pJ)
    "dram.channels": Limit(1, 1024),                           # as config.Chip.dram_channels
    "dram.burst_bits": Limit(1, 1 << 20),
    "dram.io_width_bits": Limit(1, 1 << 16),
}
# fmt: on
ADC_TABLE_BITS = Limit(1, 32)
"""Bit counts a {bits = quantity} table may list."""


def _limit(section: str, key: str, kind: Any) -> Limit | None:
    """The range of field `key` (its schema key) of `section`, or None (strings, choices)."""
    if section == "device":
        return DEVICE_LIMITS.get(DEVICE_FIELDS.get(key, ""))
    group = "transistor" if section in FLAVORS else section
    if f"{group}.{key}" in _FIELD_LIMITS:
        return _FIELD_LIMITS[f"{group}.{key}"]
    if isinstance(kind, tuple) and kind[0] == "bits":
        kind = kind[1]
    return _DIM_LIMITS.get(kind) if isinstance(kind, str) else None


# ------------------------------------------------------------------------------------- records


@attrs.frozen
class Junction:
    """Drain/source junction capacitance model (BSIM-like), evaluated at Vdd."""

    cj_area_f_per_m2: float
    cj_sidewall_f_per_m: float
    cj_gate_sidewall_f_per_m: float
    mj_area: float
    mj_sidewall: float
    mj_gate_sidewall: float
    built_in_v: float


@attrs.frozen
class FinFet:
    """Fin geometry; FinFET per-width values are per metre of W_eff = n_fin·(2·H_fin + W_fin)."""

    fin_height_m: float
    fin_width_m: float
    fin_pitch_m: float


@attrs.frozen
class Wire:
    """Copper wire per unit length; bus figures are for a repeated bus at 0.25 switching activity."""

    width_m: float
    aspect_ratio: float
    resistivity_ohm_m: float
    r_array_ohm_per_m: float  # base width: array rows/columns and local routing
    r_htree_ohm_per_m: float  # 2x base width: H-tree segments
    c_f_per_m: float
    rho_temp_coeff_per_k: float  # rho(T) = rho·(1 + coeff·|T - 300 K|)
    bus_energy_j_per_bit_per_m: float
    bus_delay_s_per_m: float


@attrs.frozen
class Sram:
    """SRAM cell and an 8 KB buffer (512 x 128 b); RF = register-file buffer (one DFF per bit)."""

    cell_area_f2: float
    cell_area_m2: float
    access_width_f: float
    pulldown_width_f: float
    pullup_width_f: float
    min_sense_v: float
    buffer_bits: int
    buffer_read_j_per_bit: float
    buffer_write_j_per_bit: float
    buffer_area_m2: float
    rf_energy_j_per_bit: float  # read = write
    rf_area_m2: float


@attrs.frozen
class Logic:
    """Standard-cell areas and per-operation figures (DFF: one clock with D toggling)."""

    inv_area_m2: float
    nand2_area_m2: float
    dff_area_m2: float
    full_adder_area_m2: float  # per bit
    cin_inv_f: float  # input capacitance of a minimum inverter
    r_on_nmos_ohm: float  # on-resistance of a minimum (2F) NMOS
    dff_energy_j: float
    add8_energy_j: float  # 8-bit ripple add, worst case
    add8_delay_s: float


@attrs.frozen
class Adc:
    """Column readout fits (NeuroSim), all powers x (1 + power_temp_coeff·(T - 300 K)).

    SAR: P = sar_c1·b + sar_c0 + sar_a·exp(-sar_k·log10 R), E = P·(b + 1) ns, b = bits.
    MLSA (L = 2^b levels, L - 1 comparators): P = m·(L - 1) + a·exp(-sar_k·log10 R), with m = csa_m
    or vsa_m, a = csa_a (CSA) or sar_a (VSA); E = P·sensing time. CSA sensing time =
    clamp(csa_sense_c·ln(R / 1 kohm) + csa_sense_d, sense_min, sense_max) (constant 1 ns where c = 0;
    NeuroSim's extra polynomial factor in R_ref/R is not in the reference and is left out);
    VSA sensing time = vsa_sense. R is the column resistance scaled by 0.5 V / V_read.
    The *_area_m2 and *_energy_j maps are keyed by bits (energies: near-open column, fixed term).
    """

    sar_c1_w: float
    sar_c0_w: float
    sar_a_v2: float
    sar_k: float
    csa_m_w: float
    vsa_m_w: float
    csa_a_v2: float
    csa_sense_c_s: float
    csa_sense_d_s: float
    vsa_sense_s: float
    sense_min_s: float
    sense_max_s: float
    power_temp_coeff_per_k: float
    sar_area_m2: dict[int, float] = attrs.field(hash=False)  # dicts: left out of hash()
    csa_area_m2: dict[int, float] = attrs.field(hash=False)
    sar_energy_j: dict[int, float] = attrs.field(hash=False)
    csa_energy_j: dict[int, float] = attrs.field(hash=False)


@attrs.frozen
class Cited:
    """Where a technology record comes from: its file's `sources` and `notes`, and the file."""

    sources: tuple[str, ...]
    notes: tuple[str, ...]
    file: str


@attrs.frozen
class Node(Cited):
    """One CMOS node with the transistor flavour chosen (LSTP or HP); per-width values per metre."""

    name: str
    flavor: str
    feature_size_m: float
    kind: str  # "planar" | "finfet"
    vdd_v: float
    vth_v: float
    lg_m: float
    cg_ideal_f_per_m: float
    cg_fringe_f_per_m: float
    cg_total_f_per_m: float  # Cg_ideal·(1 + 0.2 overlap, planar only) + Cf
    ion_n_a_per_m: float
    ion_p_a_per_m: float
    ion_n_400k_a_per_m: float
    ioff_n_a_per_m: float
    ioff_p_a_per_m: float
    ioff_n_400k_a_per_m: float
    r_eff_mult: float  # R_on = r_eff_mult·Vdd/(Ion·W)
    junction: Junction
    finfet: FinFet | None
    wire: Wire
    sram: Sram
    logic: Logic
    adc: Adc

    @property
    def pn_ratio(self) -> float:
        """PMOS/NMOS width ratio Ion_N/Ion_P (truncated to an integer at FinFET nodes)."""
        ratio = self.ion_n_a_per_m / self.ion_p_a_per_m
        return float(max(1, int(ratio))) if self.kind == "finfet" else ratio

    def effective_width_m(self, width_f: float) -> float:
        """Electrical width of a device drawn `width_f` feature sizes wide.

        Planar: W·F. FinFET: W' = W·F·pitch/(2F), n_fin = ceil(W'/pitch) = ceil(W/2),
        W_eff = n_fin·(2·H_fin + W_fin); a minimum 2F device is one fin.
        """
        if self.finfet is None:
            return width_f * self.feature_size_m
        n_fin = max(1, math.ceil(width_f / 2 - 1e-9))
        return n_fin * (2 * self.finfet.fin_height_m + self.finfet.fin_width_m)

    def r_on_ohm(self, width_m: float, pmos: bool = False) -> float:
        """On-resistance of a transistor of (effective) width `width_m`: mult·Vdd/(Ion·W)."""
        ion = self.ion_p_a_per_m if pmos else self.ion_n_a_per_m
        return self.r_eff_mult * self.vdd_v / (ion * width_m)


DEVICE_FIELDS = {
    "r_on": "r_on_ohm",
    "on_off_ratio": "on_off_ratio",
    "levels": "levels",
    "nl_ltp": "nl_ltp",
    "nl_ltd": "nl_ltd",
    "c2c": "c2c",
    "d2d": "d2d",
    "nl_d2d": "nl_d2d",
    "read_v": "read_v",
    "read_pulse": "read_pulse_s",
    "write_v": "write_v",
    "write_pulse": "write_pulse_s",
    "access_r": "access_r_ohm",
    "cell_area_f2": "cell_area_f2",
}
"""The one mapping from a device file's keys (values carry their units) to the fields of
`cyclesim.config.Device`, the record a workload holds and a user overrides."""


@attrs.frozen
class DevicePreset(Cited):
    """A synaptic device file: the `config.Device` field values it sets (`fields`, SI units; spreads
    are fractions of Gmax - Gmin, NL in NeuroSim units) and where they come from. A file that names a
    curve table (`curve = "<name>.csv"`) sets `curve` (the table's absolute path) and the fields the
    table fixes (`CURVE_FIELDS`) instead of giving them."""

    name: str
    description: str
    cell: str  # "1T1R" | "crossbar"
    fields: dict  # config.Device field -> value


# ------------------------------------------------------------------------------ measured curves
# A device may be given by measurement instead of by NeuroSim's parametric curve: a CSV table of
# conductance-versus-pulse sweeps (`CURVE_COLUMNS`), potentiation (LTP) and depression (LTD), each
# repeated over cycles. Row (pulse p, conductance_s G, direction d, cycle c) is the conductance, in
# siemens, of cycle c of the d sweep after p pulses from the sweep's start (p = 0: the starting
# state). Lines starting with '#' are comments (a table's provenance). The checks below are the
# format's rules; `device.MeasuredCurve` turns a table into the update the cells follow.

CURVE_COLUMNS = ("pulse", "conductance_s", "direction", "cycle")
"""The columns of a curve table, in the order `curve_csv` writes them (any order is read)."""
CURVE_DIRECTIONS = ("ltp", "ltd")
"""Sweep directions: `ltp` raises the conductance (potentiation), `ltd` lowers it (depression)."""
CURVE_MIN_PULSES = 2
"""Pulses a sweep needs at least (three conductances): one pulse gives a single step, no curve."""
CURVE_MAX_BYTES = 64 << 20
"""Largest curve table read (64 MiB, ~1.5 million rows): far beyond any measurement, and a bound on
the time and memory a mistaken path (a dataset, a log) can cost before it is refused."""
CURVE_FIELDS = {
    "r_on_ohm": "1 / Gmax, Gmax the largest conductance of its mean curves",
    "on_off_ratio": "Gmax / Gmin of its mean curves",
    "levels": "the pulses of its LTP sweep + 1",
    "nl_ltp": "0: its measured mean LTP curve replaces the parametric one",
    "nl_ltd": "0: its measured mean LTD curve replaces the parametric one",
    "c2c": "0: its measured step spread over cycles replaces the parametric C2C",
    "nl_d2d": "0: a measured curve has no per-cell nonlinearity spread (device.d2d still spreads Gmax)",
}
"""The `config.Device` fields a curve table fixes (`CurveTable.device_fields`), and why."""
CURVE_KEYS = ("r_on", "on_off_ratio", "levels", "nl_ltp", "nl_ltd", "c2c", "nl_d2d")
"""The device-file keys of those fields: a file with `curve` must not give them."""


@attrs.frozen(eq=False)
class CurveTable:
    """A checked curve table: `ltp_s[c, p]` is the conductance (S) of LTP cycle c after p pulses,
    `ltd_s` the same for LTD (cycles x pulses + 1 each; both directions may differ in both).

    Gmin and Gmax are the extremes of the two mean curves (the mean over cycles at each pulse), so
    on/off = Gmax / Gmin and R_on = 1 / Gmax; levels = the LTP sweep's pulses + 1 (the states it
    visits). `file` names the table in messages.
    """

    file: str
    ltp_s: np.ndarray
    ltd_s: np.ndarray

    @property
    def mean_ltp_s(self) -> np.ndarray:
        return self.ltp_s.mean(axis=0)

    @property
    def mean_ltd_s(self) -> np.ndarray:
        return self.ltd_s.mean(axis=0)

    @property
    def gmin_s(self) -> float:
        return float(min(self.mean_ltp_s.min(), self.mean_ltd_s.min()))

    @property
    def gmax_s(self) -> float:
        return float(max(self.mean_ltp_s.max(), self.mean_ltd_s.max()))

    @property
    def levels(self) -> int:
        return int(self.ltp_s.shape[1])

    def device_fields(self) -> dict:
        """The values of the `config.Device` fields the table fixes (`CURVE_FIELDS`)."""
        gmin, gmax = self.gmin_s, self.gmax_s
        fixed = {"r_on_ohm": 1.0 / gmax, "on_off_ratio": gmax / gmin, "levels": self.levels}
        return fixed | {k: 0.0 for k in CURVE_FIELDS if k not in fixed}


def curve_table(file: str, ltp_s, ltd_s) -> CurveTable:
    """A `CurveTable` from sweeps (cycles x pulses + 1 per direction, siemens), checked as a file's
    would be (a TechError naming `file`): positive finite conductances, at least `CURVE_MIN_PULSES`
    pulses, a strictly rising mean LTP curve and a strictly falling mean LTD curve, and an R_on,
    on/off ratio and level count within `DEVICE_LIMITS`."""
    sweeps = {}
    for direction, sweep in zip(CURVE_DIRECTIONS, (ltp_s, ltd_s)):
        g = np.array(sweep, dtype=np.float64, ndmin=2)
        if g.ndim != 2 or g.shape[0] < 1:
            raise TechError(f"{file}: no {direction} rows; a curve table needs an ltp and an ltd sweep")
        if not np.all(np.isfinite(g)) or not np.all(g > 0):
            raise TechError(f"{file}: {direction} conductances must be positive finite numbers of siemens")
        if g.shape[1] - 1 < CURVE_MIN_PULSES:
            raise TechError(
                f"{file}: too few points: the {direction} sweep has {g.shape[1]} conductance(s) (pulses 0.."
                f"{g.shape[1] - 1}); a curve needs at least {CURVE_MIN_PULSES + 1} (pulses 0, 1, 2, ...) per cycle"
            )
        mean = g.mean(axis=0)
        step = np.diff(mean) * (1.0 if direction == "ltp" else -1.0)
        if not np.all(step > 0):
            p = int(np.argmax(~(step > 0)))
            verb, want = ("does not rise", "raise") if direction == "ltp" else ("does not fall", "lower")
            raise TechError(
                f"{file}: non-monotone curve: the mean {direction} conductance over {g.shape[0]} cycle(s) {verb} "
                f"from pulse {p} to {p + 1} ({mean[p]:.6g} S to {mean[p + 1]:.6g} S); every {direction} pulse "
                f"must {want} the mean conductance: check the direction labels, average more cycles or cut "
                f"the saturated tail"
            )
        sweeps[direction] = g
    table = CurveTable(file, sweeps["ltp"], sweeps["ltd"])
    gmin, gmax = table.gmin_s, table.gmax_s
    for name, value, what in (
        ("r_on_ohm", 1.0 / gmax, f"R_on = 1 / Gmax = 1 / {gmax:.6g} S = {1.0 / gmax:.6g} ohm"),
        ("on_off_ratio", gmax / gmin, f"on/off = Gmax / Gmin = {gmax:.6g} S / {gmin:.6g} S = {gmax / gmin:.6g}"),
        ("levels", table.levels, f"levels = {table.levels} (the ltp sweep's pulses + 1)"),
    ):
        limit = DEVICE_LIMITS[name]
        if value not in limit:
            raise TechError(
                f"{file}: {what} is outside the physical range ({limit.describe()}); conductance_s is in "
                f"siemens (e.g. 1e-05 for 10 uS) and pulse counts from 0"
            )
    return table


def load_curve(path) -> CurveTable:
    """The curve table (CSV) at `path`, checked (`curve_table`); any problem is one TechError naming
    the file, the problem and the fix. Cached while the file is unchanged."""
    path = Path(path)
    fix = f"name a CSV file with the columns {', '.join(CURVE_COLUMNS)}"
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except (OSError, ValueError, RuntimeError) as err:
        reason = getattr(err, "strerror", None) or one_line(err)
        raise TechError(f"curve table {shorten(str(path), 160)}: cannot read ({reason}); {fix}") from None
    if not os.path.isfile(resolved):
        raise TechError(f"curve table {shorten(str(path), 160)}: cannot read (not a file: a folder?); {fix}")
    return _curve_file(resolved, stat.st_mtime_ns, stat.st_size)


def _curve_cell(file: str, lineno: int, column: str, text: str) -> Any:
    """One cell of a curve table, parsed and range-checked; TechError naming the line otherwise."""
    where = f"{file}: line {lineno}: {column}"
    text = text.strip()
    if column == "direction":
        word = text.lower()
        if word not in CURVE_DIRECTIONS:
            raise TechError(
                f"{where} must be ltp (potentiation, conductance rising) or ltd (depression), got {show(text)}"
            )
        return word
    if column == "conductance_s":
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise TechError(
                f"{where} must be a positive conductance in siemens (e.g. 1e-05 for 10 uS), got {show(text)}"
            )
        return value
    try:
        value = int(text)
    except ValueError:
        value = -1
    top = DEVICE_LIMITS["levels"].hi if column == "pulse" else 10**9
    if not 0 <= value <= top:
        what = "pulses applied since the sweep's start" if column == "pulse" else "the cycle's number"
        raise TechError(f"{where} must be a whole number from 0 to {top:g} ({what}), got {show(text)}")
    return value


@functools.lru_cache(maxsize=32)
def _curve_file(path: Path, _mtime_ns: int, size: int) -> CurveTable:
    file = _display(path)
    if size > CURVE_MAX_BYTES:
        raise TechError(
            f"{file}: {size / 2**20:.0f} MiB is too large for a curve table (at most {CURVE_MAX_BYTES >> 20} MiB); "
            f"is this the right file?"
        )
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise TechError(
            f"{file}: cannot read ({err.strerror or one_line(err)}); name a CSV file with the columns "
            f"{', '.join(CURVE_COLUMNS)}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TechError(
            f"{file}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start}); save the "
            f"table as UTF-8 CSV"
        ) from None
    header, sweeps = None, {d: {} for d in CURVE_DIRECTIONS}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            cells = next(csv.reader([line]))
        except csv.Error as err:
            raise TechError(f"{file}: line {lineno}: not CSV ({one_line(err)})") from None
        if header is None:
            header = [c.strip().lower() for c in cells]
            for name in header:
                if name not in CURVE_COLUMNS:
                    raise TechError(
                        f"{file}: line {lineno}: unknown column {show(name)} (typo?); the header must name the "
                        f"columns {', '.join(CURVE_COLUMNS)}"
                    )
                if header.count(name) > 1:
                    raise TechError(f"{file}: line {lineno}: column {show(name)} appears twice in the header")
            missing = [c for c in CURVE_COLUMNS if c not in header]
            if missing:
                raise TechError(
                    f"{file}: line {lineno}: missing column {show(missing[0])}; the header must name the columns "
                    f"{', '.join(CURVE_COLUMNS)}"
                )
            continue
        if len(cells) != len(header):
            raise TechError(
                f"{file}: line {lineno}: {len(cells)} value(s) for the {len(header)} columns {', '.join(header)}"
            )
        row = {name: _curve_cell(file, lineno, name, cell) for name, cell in zip(header, cells)}
        cycle = sweeps[row["direction"]].setdefault(row["cycle"], {})
        if row["pulse"] in cycle:
            raise TechError(
                f"{file}: line {lineno}: a second row for {row['direction']} cycle {row['cycle']} pulse "
                f"{row['pulse']}; each pulse of a cycle has one conductance"
            )
        cycle[row["pulse"]] = row["conductance_s"]
    if header is None:
        raise TechError(f"{file}: empty: the first line must name the columns {', '.join(CURVE_COLUMNS)}")
    arrays = []
    for direction in CURVE_DIRECTIONS:
        cycles = sweeps[direction]
        if not cycles:
            raise TechError(
                f"{file}: no {direction} rows; a curve table needs both an ltp sweep (potentiation) and an ltd "
                f"sweep (depression)"
            )
        first = min(cycles)
        count = len(cycles[first])
        for number in sorted(cycles):
            pulses = cycles[number]
            gap = next((p for p in range(len(pulses)) if p not in pulses), None)
            if gap is not None:
                raise TechError(
                    f"{file}: {direction} cycle {number} has no pulse {gap} but goes on to pulse {max(pulses)}; "
                    f"each cycle's pulses run 0, 1, 2, ... without gaps"
                )
            if len(pulses) != count:
                raise TechError(
                    f"{file}: {direction} cycle {number} has pulses 0..{len(pulses) - 1} but cycle {first} has "
                    f"0..{count - 1}; every cycle of a direction must cover the same pulses (trim the longer ones)"
                )
        arrays.append([[cycles[n][p] for p in range(count)] for n in sorted(cycles)])
    return curve_table(file, *arrays)


def curve_csv(table: CurveTable, comments=()) -> str:
    """A curve table as CSV text (`CURVE_COLUMNS`; conductances as Python's shortest exact repr, so
    reading it back gives the same numbers), `comments` first as '#' lines."""
    lines = [f"# {c}" for c in comments]
    lines.append(",".join(CURVE_COLUMNS))
    for direction, sweeps in zip(CURVE_DIRECTIONS, (table.ltp_s, table.ltd_s)):
        for cycle, sweep in enumerate(sweeps):
            lines += [f"{p},{float(g)!r},{direction},{cycle}" for p, g in enumerate(sweep)]
    return "\n".join(lines) + "\n"


@attrs.frozen
class DramTech(Cited):
    """Off-chip DRAM: energy per bit moved, and per-channel bandwidth, latency and burst size."""

    name: str
    description: str
    energy_j_per_bit: float
    bandwidth_bit_per_s: float  # per channel
    channels: int
    latency_s: float
    burst_bits: int
    io_width_bits: int

    @property
    def total_bandwidth_bit_per_s(self) -> float:
        return self.bandwidth_bit_per_s * self.channels


# ------------------------------------------------------------------------------------- schemas
# A field kind is a dimension string for quantities, or NUM / INT / STR, a tuple of allowed words,
# or ("bits", dimension) for a {bits = quantity} table. Keys ending in "@" exist as _lstp and _hp.

NUM, INT, STR = "#number", "#integer", "#string"
_TRANSISTOR = {
    "vdd": "V",
    "vth": "V",
    "lg": "m",
    "cg_ideal": "F/m",
    "cg_fringe": "F/m",
    "ion_n": "A/m",
    "ion_p": "A/m",
    "ion_n_400k": "A/m",
    "ioff_n": "A/m",
    "ioff_p": "A/m",
    "ioff_n_400k": "A/m",
    "r_eff_multiplier": NUM,
}
NODE_SCHEMA = {
    "node": {"feature_size": "m", "kind": ("planar", "finfet")},
    "lstp": _TRANSISTOR,
    "hp": _TRANSISTOR,
    "junction": {
        "cj_area": "F/m2",
        "cj_sidewall": "F/m",
        "cj_gate_sidewall": "F/m",
        "mj_area": NUM,
        "mj_sidewall": NUM,
        "mj_gate_sidewall": NUM,
        "built_in_v": "V",
    },
    "finfet": {"fin_height": "m", "fin_width": "m", "fin_pitch": "m"},  # FinFET nodes only
    "wire": {
        "width": "m",
        "aspect_ratio": NUM,
        "resistivity": "ohm*m",
        "r_array": "ohm/m",
        "r_htree": "ohm/m",
        "c": "F/m",
        "rho_temp_coeff": "1/K",
        "bus_energy@": "J/bit/m",
        "bus_delay@": "s/m",
    },
    "sram": {
        "cell_area": "m2",
        "access_width_f": NUM,
        "pulldown_width_f": NUM,
        "pullup_width_f": NUM,
        "min_sense_v": "V",
        "buffer_bits": INT,
        "buffer_read@": "J/bit",
        "buffer_write@": "J/bit",
        "buffer_area": "m2",
        "rf_energy@": "J/bit",
        "rf_area": "m2",
    },
    "logic": {
        "inv_area": "m2",
        "nand2_area": "m2",
        "dff_area": "m2",
        "full_adder_area": "m2",
        "cin_inv@": "F",
        "r_on_nmos@": "ohm",
        "dff_energy@": "J",
        "add8_energy@": "J",
        "add8_delay@": "s",
    },
    "adc": {
        "sar_c1@": "W",
        "sar_c0@": "W",
        "sar_a@": "V2",
        "sar_k@": NUM,
        "csa_m@": "W",
        "vsa_m@": "W",
        "csa_a@": "V2",
        "csa_sense_c@": "s",
        "csa_sense_d@": "s",
        "vsa_sense": "s",
        "sense_min": "s",
        "sense_max": "s",
        "power_temp_coeff": "1/K",
        "sar_area": ("bits", "m2"),
        "csa_area": ("bits", "m2"),
        "sar_energy@": ("bits", "J"),
        "csa_energy@": ("bits", "J"),
    },
}
DEVICE_SCHEMA = {
    "device": {
        "name": STR,
        "description": STR,
        "cell": ("1T1R", "crossbar"),
        "r_on": "ohm",
        "on_off_ratio": NUM,
        "levels": INT,
        "nl_ltp": NUM,
        "nl_ltd": NUM,
        "c2c": NUM,
        "d2d": NUM,
        "nl_d2d": NUM,
        "read_v": "V",
        "read_pulse": "s",
        "write_v": "V",
        "write_pulse": "s",
        "access_r": "ohm",
        "cell_area_f2": NUM,
    }
}
DRAM_SCHEMA = {
    "dram": {
        "name": STR,
        "description": STR,
        "energy": "J/bit",
        "bandwidth": "bit/s",
        "channels": INT,
        "latency": "s",
        "burst_bits": INT,
        "io_width_bits": INT,
    }
}


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _value(raw: Any, kind: Any, where: str, feature_m: float | None, limit: Limit | None = None) -> Any:
    if isinstance(kind, tuple) and kind[0] == "bits":
        if not isinstance(raw, dict) or not raw:
            raise TechError(f"{where} must be a table of bits like {{ 5 = '...' }}, got {show(raw)}")
        out = {}
        for key, text in raw.items():
            if not key.isdigit() or int(key) not in ADC_TABLE_BITS:
                raise TechError(
                    f"{where} keys must be bit counts like 5 ({ADC_TABLE_BITS.describe()}), got {show(key)}"
                )
            item = f"{where[:-1]}.{key}'"  # field 'adc.sar_area' -> field 'adc.sar_area.5'
            out[int(key)] = _in_range(
                quantity(text, kind[1], where=item, feature_m=feature_m), text, item, limit, kind[1]
            )
        return out
    if isinstance(kind, tuple):
        if raw not in kind:
            raise TechError(f"{where} must be one of {', '.join(map(repr, kind))}, got {show(raw)}")
        return raw
    if kind == STR:
        if not isinstance(raw, str) or not raw.strip():
            raise TechError(f"{where} must be a non-empty string, got {show(raw)}")
        return raw
    if kind in (NUM, INT):
        ok = isinstance(raw, int) if kind == INT else isinstance(raw, (int, float))
        if not ok or isinstance(raw, bool) or (isinstance(raw, float) and not math.isfinite(raw)):
            noun = "an integer" if kind == INT else "a plain number"
            raise TechError(f"{where} must be {noun} (no unit), got {show(raw)}")
        if raw < 0:
            raise TechError(f"{where} must not be negative, got {show(raw)}")
        return _in_range(raw if kind == INT else float(raw), raw, where, limit)
    return _in_range(quantity(raw, kind, where=where, feature_m=feature_m), raw, where, limit, kind)


def _in_range(value: Any, raw: Any, where: str, limit: Limit | None, unit: str = "") -> Any:
    """`value` (parsed from `raw`) if it lies in `limit`, else TechError naming the field and the range."""
    if limit is not None and value not in limit:
        shown = f"{show(raw)} = {value:g} {unit}".rstrip() if isinstance(raw, str) else show(raw)
        raise TechError(f"{where} must be {limit.describe(unit)}, got {shown}")
    return value


def _load_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as err:
        raise TechError(f"{_display(path)}: cannot read ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise TechError(f"{_display(path)}: not valid TOML: {one_line(err)}") from None
    except UnicodeDecodeError as err:
        raise TechError(
            f"{_display(path)}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start}); "
            f"save the file as UTF-8"
        ) from None


def _section(doc: dict, file: str, section: str, fields: dict, feature_m: float | None = None) -> dict[str, Any]:
    """Check one [section] against its fields -> {key: SI value}; every error names the field."""
    table = doc.get(section)
    if not isinstance(table, dict):
        problem = "missing section" if table is None else "field must be a table"
        raise TechError(f"{file}: {problem} '[{section}]'")
    kinds = {}
    for key, kind in fields.items():
        names = [key[:-1] + "_" + f for f in FLAVORS] if key.endswith("@") else [key]
        kinds.update((name, (kind, key)) for name in names)
    extra = sorted(set(table) - set(kinds))
    if extra:
        shown = show(extra[0])[1:-1]
        raise TechError(f"{file}: unknown field '{section}.{shown}' (typo?); known fields: {', '.join(kinds)}")
    values = {}
    for name, (kind, key) in kinds.items():
        if name not in table:
            raise TechError(f"{file}: missing field '{section}.{name}'")
        where = f"{file}: field '{section}.{name}'"
        values[name] = _value(table[name], kind, where, feature_m, _limit(section, key, kind))
    return values


def _provenance(doc: dict, file: str, schema: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reject unknown top-level keys; return (sources, notes)."""
    unknown = sorted(set(doc) - set(schema) - {"sources", "notes"})
    if unknown:
        shown = show(unknown[0])[1:-1]
        raise TechError(f"{file}: unknown field '{shown}' (typo?); expected sources, notes, {', '.join(schema)}")
    sources = doc.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s.strip() for s in sources):
        raise TechError(
            f"{file}: field 'sources' must be a non-empty list of strings naming where every number comes from"
        )
    notes = doc.get("notes", [])
    notes = [notes] if isinstance(notes, str) else notes
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise TechError(f"{file}: field 'notes' must be a string or a list of strings")
    return tuple(sources), tuple(notes)


# ------------------------------------------------------------------------------- file loaders


def load_node_file(path: Path) -> dict[str, Node]:
    """Parse one tech/nodes/*.toml file into {"lstp": Node, "hp": Node}."""
    path = Path(path)
    file, doc = _display(path), _load_toml(path)
    sources, notes = _provenance(doc, file, NODE_SCHEMA)
    head = _section(doc, file, "node", NODE_SCHEMA["node"])  # first: F2 areas need F
    feature_m, kind = head["feature_size"], head["kind"]
    name = f"{round(feature_m * 1e9)}nm"
    if _node_key(path.stem) != name:
        raise TechError(
            f"{file}: field 'node.feature_size' is {feature_m * 1e9:g} nm but the file name says {path.stem}"
        )
    if (kind == "finfet") != ("finfet" in doc):
        want = "needs" if kind == "finfet" else "must not have"
        raise TechError(f"{file}: field 'node.kind' is {kind!r}, which {want} a [finfet] section")
    data = {
        sec: _section(doc, file, sec, fields, feature_m)
        for sec, fields in NODE_SCHEMA.items()
        if sec in doc or sec != "finfet"
    }
    _check_node(file, data)
    fin = FinFet(**{f"{k}_m": v for k, v in data["finfet"].items()}) if "finfet" in data else None
    j = data["junction"]
    junction = Junction(
        j["cj_area"],
        j["cj_sidewall"],
        j["cj_gate_sidewall"],
        j["mj_area"],
        j["mj_sidewall"],
        j["mj_gate_sidewall"],
        j["built_in_v"],
    )
    nodes = {}
    for flavor in FLAVORS:
        t, w, s, g, a = (data[flavor], data["wire"], data["sram"], data["logic"], data["adc"])

        def fl(table: dict, key: str, flavor: str = flavor) -> Any:
            return table[f"{key}_{flavor}"]

        overlap = 0.2 if kind == "planar" else 0.0
        nodes[flavor] = Node(
            name=name,
            flavor=flavor,
            feature_size_m=feature_m,
            kind=kind,
            vdd_v=t["vdd"],
            vth_v=t["vth"],
            lg_m=t["lg"],
            cg_ideal_f_per_m=t["cg_ideal"],
            cg_fringe_f_per_m=t["cg_fringe"],
            cg_total_f_per_m=t["cg_ideal"] * (1 + overlap) + t["cg_fringe"],
            ion_n_a_per_m=t["ion_n"],
            ion_p_a_per_m=t["ion_p"],
            ion_n_400k_a_per_m=t["ion_n_400k"],
            ioff_n_a_per_m=t["ioff_n"],
            ioff_p_a_per_m=t["ioff_p"],
            ioff_n_400k_a_per_m=t["ioff_n_400k"],
            r_eff_mult=t["r_eff_multiplier"],
            junction=junction,
            finfet=fin,
            wire=Wire(
                w["width"],
                w["aspect_ratio"],
                w["resistivity"],
                w["r_array"],
                w["r_htree"],
                w["c"],
                w["rho_temp_coeff"],
                fl(w, "bus_energy"),
                fl(w, "bus_delay"),
            ),
            sram=Sram(
                s["cell_area"] / feature_m**2,
                s["cell_area"],
                s["access_width_f"],
                s["pulldown_width_f"],
                s["pullup_width_f"],
                s["min_sense_v"],
                s["buffer_bits"],
                fl(s, "buffer_read"),
                fl(s, "buffer_write"),
                s["buffer_area"],
                fl(s, "rf_energy"),
                s["rf_area"],
            ),
            logic=Logic(
                g["inv_area"],
                g["nand2_area"],
                g["dff_area"],
                g["full_adder_area"],
                fl(g, "cin_inv"),
                fl(g, "r_on_nmos"),
                fl(g, "dff_energy"),
                fl(g, "add8_energy"),
                fl(g, "add8_delay"),
            ),
            adc=Adc(
                fl(a, "sar_c1"),
                fl(a, "sar_c0"),
                fl(a, "sar_a"),
                fl(a, "sar_k"),
                fl(a, "csa_m"),
                fl(a, "vsa_m"),
                fl(a, "csa_a"),
                fl(a, "csa_sense_c"),
                fl(a, "csa_sense_d"),
                a["vsa_sense"],
                a["sense_min"],
                a["sense_max"],
                a["power_temp_coeff"],
                a["sar_area"],
                a["csa_area"],
                fl(a, "sar_energy"),
                fl(a, "csa_energy"),
            ),
            sources=sources,
            notes=notes,
            file=file,
        )
    return nodes


def _check_node(file: str, data: dict) -> None:
    """Relations every real process obeys (each value was range-checked on its own already)."""
    pairs = [  # (smaller, larger, why)
        *(((f, "vth"), (f, "vdd"), "a transistor must turn on below its supply") for f in FLAVORS),
        *(((f, "ioff_n"), (f, "ion_n"), "off current must be below on current") for f in FLAVORS),
        *(((f, "ioff_p"), (f, "ion_p"), "off current must be below on current") for f in FLAVORS),
        (("adc", "sense_min"), ("adc", "sense_max"), "the sensing-time clamp must be ordered"),
    ]
    if "finfet" in data:
        pairs.append((("finfet", "fin_width"), ("finfet", "fin_pitch"), "fins must fit their pitch"))
    for (sa, ka), (sb, kb), why in pairs:
        a, b = data[sa][ka], data[sb][kb]
        if not a < b and not (ka == "sense_min" and a == b):
            raise TechError(f"{file}: field '{sa}.{ka}' ({a:g}) must be below '{sb}.{kb}' ({b:g}): {why}")


def _check_name(path: Path, section: str, name: str) -> None:
    if name != path.stem:
        raise TechError(f"{_display(path)}: field '{section}.name' is {name!r} but the file name says {path.stem!r}")


def _named_section(path: Path, section: str, schema: dict, doc: dict | None = None) -> tuple[str, dict, dict]:
    """Read a file of one named section (a device, a DRAM): its display name, the checked section,
    and its provenance as the `Cited` fields (`doc`: the file's TOML, when already read)."""
    path = Path(path)
    file = _display(path)
    doc = _load_toml(path) if doc is None else doc
    sources, notes = _provenance(doc, file, schema)
    d = _section(doc, file, section, schema[section])
    _check_name(path, section, d["name"])
    return file, d, {"sources": sources, "notes": notes, "file": file}


_TABLE_DEVICE_SCHEMA = {"device": {k: v for k, v in DEVICE_SCHEMA["device"].items() if k not in CURVE_KEYS}}
"""A device file that names a curve table: the table fixes r_on, on_off_ratio, levels, NL and C2C."""


def load_device_file(path: Path) -> DevicePreset:
    """Parse one tech/devices/*.toml file. With `curve = "<name>.csv"` (a path relative to the file)
    the device's conductance comes from that curve table (`load_curve`), which fixes the fields of
    `CURVE_FIELDS`; the file must not give their keys (`CURVE_KEYS`)."""
    path = Path(path)
    file, doc = _display(path), _load_toml(path)
    section, table_path = doc.get("device"), None
    if isinstance(section, dict) and "curve" in section:
        curve = section.pop("curve")
        if not isinstance(curve, str) or not curve.strip():
            raise TechError(
                f"{file}: field 'device.curve' must name a curve table (CSV) relative to this file, like "
                f"'{path.stem}.csv', got {show(curve)}"
            )
        given = [k for k in CURVE_KEYS if k in section]
        if given:
            raise TechError(
                f"{file}: field 'device.{given[0]}' comes from the curve table {curve!r} "
                f"({CURVE_FIELDS[DEVICE_FIELDS[given[0]]]}); remove it"
            )
        table_path = path.parent / curve
    schema = DEVICE_SCHEMA if table_path is None else _TABLE_DEVICE_SCHEMA
    file, d, cited = _named_section(path, "device", schema, doc)
    if (d["cell"] == "crossbar") != (d["access_r"] == 0):
        raise TechError(
            f"{file}: field 'device.access_r' must be 0 for a crossbar cell and "
            f"> 0 for a 1T1R cell, got {d['access_r']:g} ohm for {d['cell']}"
        )
    fields = {DEVICE_FIELDS[k]: d[k] for k in DEVICE_FIELDS if k in d}
    if table_path is not None:
        try:
            table = load_curve(table_path)
        except TechError as err:
            raise TechError(f"{file}: field 'device.curve': {err}") from None
        fields |= table.device_fields() | {"curve": str(table_path.resolve())}
    return DevicePreset(name=d["name"], description=d["description"], cell=d["cell"], fields=fields, **cited)


_DRAM_FIELDS = {"energy": "energy_j_per_bit", "bandwidth": "bandwidth_bit_per_s", "latency": "latency_s"}
"""A DRAM file's keys whose `DramTech` field names carry the unit (the others are the same)."""


def load_dram_file(path: Path) -> DramTech:
    """Parse one tech/dram/*.toml file."""
    _file, d, cited = _named_section(path, "dram", DRAM_SCHEMA)
    return DramTech(**{_DRAM_FIELDS.get(k, k): v for k, v in d.items()}, **cited)


@functools.cache
def _cached(loader: str, path: Path) -> Any:
    return {"nodes": load_node_file, "devices": load_device_file, "dram": load_dram_file}[loader](path)


# ---------------------------------------------------------------------------------- public API


def tech_dir() -> Path:
    """The technology directory in use: $CYCLESIM_TECH if set now, else TECH_DIR."""
    env = os.environ.get("CYCLESIM_TECH")
    return Path(env) if env else TECH_DIR


def _node_key(name: str | int) -> str | None:
    text = str(name).strip().lower().replace(" ", "")
    text = text[:-2] if text.endswith("nm") else text
    return f"{int(text)}nm" if text.isdigit() else None


def available(kind: str) -> list[str]:
    """Names of the shipped files of one kind ("nodes", "devices", "dram"); nodes largest first."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    names = [p.stem for p in (tech_dir() / kind).glob("*.toml")]
    if kind == "nodes":
        return sorted(names, key=lambda n: (-int(n[:-2]) if _node_key(n) == n else 0, n))
    return sorted(names)


def _find(kind: str, key: str | None, shown: object, what: str) -> Path:
    names = available(kind)
    if key not in names:
        where = tech_dir() / kind
        listing = ", ".join(names) if names else f"none (no *.toml files in {where})"
        raise TechError(f"unknown {what} {str(shown)!r}; available: {listing}")
    return (tech_dir() / kind / f"{key}.toml").resolve()


def node(name: str | int, flavor: str = "lstp") -> Node:
    """The CMOS node `name` ("32nm", "32", 32) with transistor flavour "lstp" or "hp"."""
    flav = str(flavor).strip().lower()
    if flav not in FLAVORS:
        raise TechError(f"unknown transistor flavor {flavor!r}; use one of: {', '.join(FLAVORS)}")
    return _cached("nodes", _find("nodes", _node_key(name), name, "technology node"))[flav]


def device(name: str) -> DevicePreset:
    """The synaptic device preset tech/devices/<name>.toml (`config.Device.preset` builds the Device)."""
    return _cached("devices", _find("devices", str(name).strip(), name, "device"))


def dram(name: str) -> DramTech:
    """The off-chip memory tech/dram/<name>.toml."""
    return _cached("dram", _find("dram", str(name).strip().lower(), name, "DRAM"))


def nonlinearity() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """NeuroSim's table of the normalised curve constant A/Pmax against the nonlinearity label NL,
    from nonlinearity.toml in the technology directory: (nl, a_norm), nl increasing."""
    return _nonlinearity_file((tech_dir() / "nonlinearity.toml").resolve())


@functools.cache
def _nonlinearity_file(path: Path) -> tuple[tuple[float, ...], tuple[float, ...]]:
    file, doc = _display(path), _load_toml(path)
    unknown = sorted(set(doc) - {"sources", "notes", "nl", "a_norm"})
    if unknown:
        shown = show(unknown[0])[1:-1]
        raise TechError(f"{file}: unknown field '{shown}' (typo?); expected sources, notes, nl, a_norm")
    columns = []
    for key in ("nl", "a_norm"):
        column = doc.get(key)
        if (
            not isinstance(column, list)
            or len(column) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in column)
            or not all(0 < v < 1e6 for v in column)  # a bound as well: rejects inf, nan and huge ints
        ):
            raise TechError(
                f"{file}: field '{key}' must be a list of at least two positive finite numbers (< 1e6), "
                f"got {show(column)}"
            )
        columns.append(tuple(float(v) for v in column))
    nl, a = columns
    if len(nl) != len(a):
        raise TechError(f"{file}: fields 'nl' and 'a_norm' must have the same length, got {len(nl)} and {len(a)}")
    if any(x >= y for x, y in zip(nl, nl[1:])):
        raise TechError(f"{file}: field 'nl' must be strictly increasing, got {show(list(nl))}")
    return nl, a
