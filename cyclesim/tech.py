"""Technology data: the published numbers that tie the circuit models to a real process.

A CMOS node (transistors, wires, SRAM, logic cells, ADC fits), a synaptic device (cell resistance,
conductance levels, update nonlinearity and noise, read/write pulses) or an off-chip DRAM is described
by one TOML file under ``tech/`` (``nodes/``, ``devices/``, ``dram/``) that cites its sources. This
module parses those files, checks every field and unit, and returns frozen records in SI units.
"""

from __future__ import annotations

import functools
import math
import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from cyclesim.errors import TechError, one_line

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
    are fractions of Gmax - Gmin, NL in NeuroSim units) and where they come from."""

    name: str
    description: str
    cell: str  # "1T1R" | "crossbar"
    fields: dict  # config.Device field -> value


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


def _value(raw: Any, kind: Any, where: str, feature_m: float | None) -> Any:
    if isinstance(kind, tuple) and kind[0] == "bits":
        if not isinstance(raw, dict) or not raw:
            raise TechError(f"{where} must be a table of bits like {{ 5 = '...' }}, got {raw!r}")
        out = {}
        for key, text in raw.items():
            if not key.isdigit() or int(key) < 1:
                raise TechError(f"{where} keys must be bit counts like 5, got {key!r}")
            item = f"{where[:-1]}.{key}'"  # field 'adc.sar_area' -> field 'adc.sar_area.5'
            out[int(key)] = quantity(text, kind[1], where=item, feature_m=feature_m)
        return out
    if isinstance(kind, tuple):
        if raw not in kind:
            raise TechError(f"{where} must be one of {', '.join(map(repr, kind))}, got {raw!r}")
        return raw
    if kind == STR:
        if not isinstance(raw, str) or not raw.strip():
            raise TechError(f"{where} must be a non-empty string, got {raw!r}")
        return raw
    if kind in (NUM, INT):
        ok = isinstance(raw, int) if kind == INT else isinstance(raw, (int, float))
        if not ok or isinstance(raw, bool) or not math.isfinite(raw):
            noun = "an integer" if kind == INT else "a plain number"
            raise TechError(f"{where} must be {noun} (no unit), got {raw!r}")
        if raw < 0:
            raise TechError(f"{where} must not be negative, got {raw!r}")
        return raw if kind == INT else float(raw)
    return quantity(raw, kind, where=where, feature_m=feature_m)


def _load_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as err:
        raise TechError(f"{_display(path)}: cannot read ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise TechError(f"{_display(path)}: not valid TOML: {one_line(err)}") from None


def _section(doc: dict, file: str, section: str, fields: dict, feature_m: float | None = None) -> dict[str, Any]:
    """Check one [section] against its fields -> {key: SI value}; every error names the field."""
    table = doc.get(section)
    if not isinstance(table, dict):
        problem = "missing section" if table is None else "field must be a table"
        raise TechError(f"{file}: {problem} '[{section}]'")
    kinds = {}
    for key, kind in fields.items():
        names = [key[:-1] + "_" + f for f in FLAVORS] if key.endswith("@") else [key]
        kinds.update((name, kind) for name in names)
    extra = sorted(set(table) - set(kinds))
    if extra:
        raise TechError(f"{file}: unknown field '{section}.{extra[0]}' (typo?); known fields: {', '.join(kinds)}")
    values = {}
    for name, kind in kinds.items():
        if name not in table:
            raise TechError(f"{file}: missing field '{section}.{name}'")
        values[name] = _value(table[name], kind, f"{file}: field '{section}.{name}'", feature_m)
    return values


def _provenance(doc: dict, file: str, schema: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reject unknown top-level keys; return (sources, notes)."""
    unknown = sorted(set(doc) - set(schema) - {"sources", "notes"})
    if unknown:
        raise TechError(f"{file}: unknown field '{unknown[0]}' (typo?); expected sources, notes, {', '.join(schema)}")
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


def _check_name(path: Path, section: str, name: str) -> None:
    if name != path.stem:
        raise TechError(f"{_display(path)}: field '{section}.name' is {name!r} but the file name says {path.stem!r}")


def _named_section(path: Path, section: str, schema: dict) -> tuple[str, dict, dict]:
    """Read a file of one named section (a device, a DRAM): its display name, the checked section,
    and its provenance as the `Cited` fields."""
    path = Path(path)
    file, doc = _display(path), _load_toml(path)
    sources, notes = _provenance(doc, file, schema)
    d = _section(doc, file, section, schema[section])
    _check_name(path, section, d["name"])
    return file, d, {"sources": sources, "notes": notes, "file": file}


def load_device_file(path: Path) -> DevicePreset:
    """Parse one tech/devices/*.toml file."""
    file, d, cited = _named_section(path, "device", DEVICE_SCHEMA)
    if d["on_off_ratio"] <= 1 or d["levels"] < 2:
        raise TechError(
            f"{file}: field 'device.on_off_ratio' must be > 1 and "
            f"'device.levels' >= 2, got {d['on_off_ratio']} and {d['levels']}"
        )
    if (d["cell"] == "crossbar") != (d["access_r"] == 0):
        raise TechError(
            f"{file}: field 'device.access_r' must be 0 for a crossbar cell and "
            f"> 0 for a 1T1R cell, got {d['access_r']:g} ohm for {d['cell']}"
        )
    return DevicePreset(
        name=d["name"],
        description=d["description"],
        cell=d["cell"],
        fields={DEVICE_FIELDS[k]: d[k] for k in DEVICE_FIELDS},
        **cited,
    )


_DRAM_FIELDS = {"energy": "energy_j_per_bit", "bandwidth": "bandwidth_bit_per_s", "latency": "latency_s"}
"""A DRAM file's keys whose `DramTech` field names carry the unit (the others are the same)."""


def load_dram_file(path: Path) -> DramTech:
    """Parse one tech/dram/*.toml file."""
    file, d, cited = _named_section(path, "dram", DRAM_SCHEMA)
    for key in ("channels", "burst_bits", "io_width_bits"):
        if d[key] < 1:
            raise TechError(f"{file}: field 'dram.{key}' must be at least 1, got {d[key]}")
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
