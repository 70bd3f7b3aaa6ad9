"""Tests for cyclesim.tech: shipped data files, unit parsing and errors for malformed files."""

import math
import os
import shutil
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

try:
    import cyclesim  # noqa: F401
except ModuleNotFoundError:  # not installed and no pytest pythonpath configured yet
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cyclesim import tech
from cyclesim.errors import TechError, UserError

NODES = ["130nm", "90nm", "65nm", "45nm", "32nm", "22nm", "14nm", "10nm", "7nm"]


def close(a, b, rel=1e-9):
    return math.isclose(a, b, rel_tol=rel)


# ------------------------------------------------------------------------------ shipped files


def test_shipped_files_are_listed():
    assert tech.available("nodes") == NODES
    assert {"rram_neurosim", "ag_asi", "taox_hfox", "alox_hfo2", "epiram"} <= set(tech.available("devices"))
    assert {"hbm2", "ddr4", "lpddr4"} <= set(tech.available("dram"))
    with pytest.raises(ValueError):
        tech.available("bogus")


@pytest.mark.parametrize("name", NODES)
@pytest.mark.parametrize("flavor", tech.FLAVORS)
def test_every_node_loads(name, flavor):
    n = tech.node(name, flavor)
    assert n.name == name and n.flavor == flavor
    assert n.sources and all(s.strip() for s in n.sources)
    assert (n.kind == "finfet") == (n.finfet is not None) == (n.feature_size_m < 20e-9)
    for value in (
        n.vdd_v,
        n.vth_v,
        n.lg_m,
        n.cg_total_f_per_m,
        n.ion_n_a_per_m,
        n.ioff_n_a_per_m,
        n.wire.r_array_ohm_per_m,
        n.wire.c_f_per_m,
        n.sram.cell_area_m2,
        n.logic.dff_energy_j,
        n.adc.sar_c0_w,
    ):
        assert value > 0 and math.isfinite(value)
    assert n.vth_v < n.vdd_v and n.ioff_n_a_per_m < n.ion_n_a_per_m
    assert n.wire.r_htree_ohm_per_m < n.wire.r_array_ohm_per_m
    assert set(n.adc.sar_energy_j) == {4, 5, 6} and 5 in n.adc.csa_energy_j


@pytest.mark.parametrize("name", tech.available("devices"))
def test_every_device_loads(name):
    d = tech.device(name)
    assert d.name == name and d.sources and d.description
    f = d.fields
    assert f["on_off_ratio"] > 1 and f["r_on_ohm"] > 0 and f["levels"] >= 2
    assert d.cell in ("1T1R", "crossbar") and f["cell_area_f2"] > 0
    assert 0 <= f["c2c"] < 1 and f["nl_ltp"] >= 0 and f["nl_ltd"] >= 0


@pytest.mark.parametrize("name", tech.available("dram"))
def test_every_dram_loads(name):
    d = tech.dram(name)
    assert d.name == name and d.sources
    assert d.energy_j_per_bit > 0 and d.bandwidth_bit_per_s > 0 and d.latency_s > 0
    assert d.channels >= 1 and d.burst_bits >= 1 and d.io_width_bits >= 1


def test_node_spot_values():
    n = tech.node("32nm")  # LSTP default, the NeuroSim training default
    assert n.flavor == "lstp" and close(n.feature_size_m, 32e-9)
    assert close(n.vdd_v, 0.9) and close(n.vth_v, 0.442) and close(n.lg_m, 34e-9)
    assert close(n.ion_n_a_per_m, 600.0) and close(n.ion_p_a_per_m, 400.0)
    assert close(n.ioff_n_a_per_m, 0.1e-3)  # 0.1 nA/um = 1e-4 A/m
    assert close(n.cg_total_f_per_m, (0.838 * 1.2 + 0.686) * 1e-9)
    assert close(n.wire.r_array_ohm_per_m, 13.3e6) and close(n.wire.c_f_per_m, 0.2e-9)
    assert close(n.wire.bus_energy_j_per_bit_per_m, 94e-15 / 1e-3)
    assert close(n.sram.cell_area_f2, 160) and close(n.sram.cell_area_m2, 160 * (32e-9) ** 2)
    assert close(n.sram.buffer_read_j_per_bit, 47e-15) and close(n.sram.buffer_area_m2, 12106e-12)
    assert close(n.logic.inv_area_m2, 212.8 * (32e-9) ** 2)
    assert close(n.logic.cin_inv_f, 0.27e-15) and close(n.logic.add8_delay_s, 0.92e-9)
    assert close(n.adc.sar_c1_w, 1.1294e-6) and close(n.adc.sar_energy_j[5], 87e-15)
    assert close(n.adc.sar_area_m2[5], 263e-12, rel=0.01)  # table 5: SAR 5 b = 263 um2
    hp = tech.node(32, "hp")
    assert close(hp.vdd_v, 0.9) and close(hp.ion_n_a_per_m, 1410.0) and close(hp.r_eff_mult, 1.54)
    assert close(hp.ioff_n_a_per_m, 100e-3) and close(hp.wire.bus_delay_s_per_m, 282e-12 / 1e-3)


def test_flagged_typos_use_corrected_values():
    assert close(tech.node(90, "lstp").cg_ideal_f_per_m, 1.5413e-9)  # V1.4 value, not 1.5413e-10
    assert close(tech.node(10, "hp").ioff_p_a_per_m, 100e-3)  # not 1.63 nA/um
    assert any("1.5413" in note for note in tech.node(90).notes)


def test_finfet_nodes():
    n = tech.node("7nm", "hp")
    assert n.kind == "finfet" and close(n.cg_total_f_per_m, 1.049e-9)  # no overlap, Cf = 0
    assert close(n.effective_width_m(2), 2 * 18e-9 + 7e-9)  # minimum device = one fin
    assert close(n.effective_width_m(6), 3 * (2 * 18e-9 + 7e-9))
    assert n.pn_ratio == 1.0
    assert close(tech.node(32).effective_width_m(2), 64e-9)


@pytest.mark.parametrize("name", NODES)
@pytest.mark.parametrize("flavor", tech.FLAVORS)
def test_node_numbers_agree_with_their_formulas(name, flavor):
    """Catches transcription errors: derived numbers must follow from the tabulated fits."""
    n = tech.node(name, flavor)
    a = n.adc
    for bits, energy in a.sar_energy_j.items():  # E = (c1·b + c0)·(b + 1) ns, fixed term only
        assert close((a.sar_c1_w * bits + a.sar_c0_w) * (bits + 1) * 1e-9, energy, rel=0.04)
    for bits, energy in a.csa_energy_j.items():  # E = m·(L - 1)·1 ns
        assert close(a.csa_m_w * (2**bits - 1) * 1e-9, energy, rel=0.04)
    r_on = n.r_on_ohm(n.effective_width_m(2))
    assert close(r_on, n.logic.r_on_nmos_ohm, rel=0.01)
    w = n.wire
    assert close(w.resistivity_ohm_m / (w.width_m**2 * w.aspect_ratio), w.r_array_ohm_per_m, rel=0.01)
    if n.kind == "planar":  # C_in of a min inverter = Cg_total·(2F + ratio·2F)
        c_in = n.cg_total_f_per_m * n.effective_width_m(2) * (1 + n.pn_ratio)
        assert close(c_in, n.logic.cin_inv_f, rel=0.04)


@pytest.mark.parametrize("flavor", tech.FLAVORS)
def test_scaling_is_monotonic(flavor):
    nodes = [tech.node(name, flavor) for name in NODES]
    for big, small in zip(nodes, nodes[1:]):
        assert small.feature_size_m < big.feature_size_m
        assert small.vdd_v <= big.vdd_v


def test_node_name_forms():
    assert tech.node("32nm") is tech.node("32") is tech.node(32) is tech.node("32 nm")
    assert tech.node(32, "HP").flavor == "hp"


def test_device_spot_values():
    d = tech.device("rram_neurosim")
    f = d.fields
    assert d.cell == "1T1R" and close(f["r_on_ohm"], 1e5) and close(f["on_off_ratio"], 10)
    assert f["levels"] == 32 and close(f["nl_ltp"], 1.75) and close(f["nl_ltd"], 1.46)
    assert close(f["c2c"], 0.003) and f["d2d"] == 0 and f["nl_d2d"] == 0
    assert close(f["read_v"], 0.5) and close(f["read_pulse_s"], 10e-9)
    assert close(f["write_v"], 4.0) and close(f["write_pulse_s"], 50e-9)
    assert close(f["access_r_ohm"], 15e3) and f["cell_area_f2"] == 16
    ag = tech.device("ag_asi").fields
    assert close(ag["r_on_ohm"], 26e6) and ag["levels"] == 97 and close(ag["nl_ltd"], 4.88)
    assert close(ag["write_pulse_s"], 300e-6)
    assert close(tech.device("alox_hfo2").fields["on_off_ratio"], 4.43)
    assert tech.device("taox_hfox").fields["levels"] == 128 and tech.device("epiram").fields["levels"] == 256


def test_device_files_share_one_schema():
    """Every parametric file has the schema's keys; a file naming a curve table has `curve` instead of
    the keys the table fixes (tech.CURVE_KEYS)."""
    schema = set(tech.DEVICE_SCHEMA["device"])
    kinds = set()
    for name in tech.available("devices"):
        with open(tech.TECH_DIR / "devices" / f"{name}.toml", "rb") as fh:
            doc = tomllib.load(fh)
        assert set(doc) <= {"sources", "notes", "device"}
        keys = set(doc["device"])
        measured = "curve" in keys
        kinds.add(measured)
        assert keys == ((schema - set(tech.CURVE_KEYS)) | {"curve"} if measured else schema), name
    assert kinds == {False, True}


def test_dram_spot_values():
    h = tech.dram("hbm2")
    assert close(h.energy_j_per_bit, 3.9e-12) and close(h.total_bandwidth_bit_per_s, 15.2e12)
    assert h.channels == 8
    assert close(tech.dram("ddr4").latency_s, 13.75e-9)
    assert close(tech.dram("ddr4").bandwidth_bit_per_s, 19.2e9 * 8)
    assert close(tech.dram("lpddr4").bandwidth_bit_per_s, 3.2e9 * 16)


def test_unknown_names_list_what_exists():
    with pytest.raises(TechError, match="available: 130nm, 90nm") as err:
        tech.node("5nm")
    assert issubclass(TechError, UserError)
    with pytest.raises(TechError, match="rram_neurosim"):
        tech.device("nope")
    with pytest.raises(TechError, match="hbm2"):
        tech.dram("gddr7")
    with pytest.raises(TechError, match="lstp, hp"):
        tech.node(32, "ulp")
    with pytest.raises(TechError):
        tech.node("thirty-two")
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    "text, dim, expected",
    [
        ("0.9 V", "V", 0.9),
        ("100 kohm", "ohm", 1e5),
        ("100 kΩ", "ohm", 1e5),
        ("100 k\u2126", "ohm", 1e5),  # OHM SIGN
        ("26 Mohm", "ohm", 26e6),
        ("5 mohm", "ohm", 5e-3),  # case-sensitive: m = milli
        ("32 nm", "m", 32e-9),
        ("1 mm", "m", 1e-3),
        ("2 m", "m", 2.0),
        ("10 um", "m", 1e-5),
        ("10 µm", "m", 1e-5),  # MICRO SIGN
        ("10 \u03bcm", "m", 1e-5),  # GREEK MU
        ("0.838 fF/um", "F/m", 0.838e-9),
        ("600 uA/um", "A/m", 600.0),
        ("0.1 nA/um", "A/m", 1e-4),
        ("13.3 ohm/um", "ohm/m", 13.3e6),
        ("3.9 pJ/bit", "J/bit", 3.9e-12),
        ("94 fJ/bit/mm", "J/bit/m", 94e-12),
        ("661 ps/mm", "s/m", 661e-9),
        ("15.2e12 bit/s", "bit/s", 15.2e12),
        ("1 GB/s", "bit/s", 8e9),
        ("50 ns", "s", 50e-9),
        ("300 us", "s", 300e-6),
        ("8.9 uW", "W", 8.9e-6),
        ("12106 um2", "m2", 12106e-12),
        ("0.29 µm²", "m2", 0.29e-12),
        ("1 fF/um2", "F/m2", 1e-3),
        ("4.03e-8 ohm*m", "ohm*m", 4.03e-8),
        ("4.03e-8 Ω·m", "ohm*m", 4.03e-8),
        ("1.3e-3 1/K", "1/K", 1.3e-3),
        ("0.0794 V2", "V2", 0.0794),
        ("1 GHz", "1/s", 1e9),
        ("  0.9V  ", "V", 0.9),
        ("0 ns", "s", 0.0),
        ("160 F2", "F2", 160.0),
    ],
)
def test_quantity_good(text, dim, expected):
    assert close(tech.quantity(text, dim, where="w"), expected)


def test_quantity_is_exact_for_decimal_prefixes():
    assert tech.quantity("18 nm", "m", where="w") == 1.8e-08
    assert tech.quantity("50 ns", "s", where="w") == 5e-08


def test_quantity_feature_size_squared():
    assert close(tech.quantity("160 F2", "m2", where="w", feature_m=32e-9), 160 * 32e-9**2)
    with pytest.raises(TechError, match="F2 is only allowed"):
        tech.quantity("160 F2", "m2", where="w")


@pytest.mark.parametrize(
    "text, dim, problem",
    [
        ("0.9 A", "V", "must be a voltage like '0.9 V', got '0.9 A'"),
        ("0.9", "V", "must be a voltage"),  # no unit
        ("V", "V", "must be a voltage"),  # no number
        ("abc", "ohm", "must be a resistance"),
        ("1 kohms", "ohm", "unknown unit 'kohms'"),
        ("1 Kohm", "ohm", "unknown unit"),  # K is kelvin, not kilo
        ("-0.9 V", "V", "must not be negative"),
        ("1 fF", "F/m", "must be a capacitance per width"),
        ("600 uA", "A/m", "must be a current per width"),
        ("3.9 pJ", "J/bit", "must be an energy per bit"),
        ("1 um", "m2", "must be an area"),
        ("1e999 V", "V", "must be finite"),
        ("1 V/", "V", "unknown unit"),
        (0.9, "V", "string with its unit"),
        (None, "V", "must be a voltage"),
    ],
)
def test_quantity_bad(text, dim, problem):
    with pytest.raises(TechError) as err:
        tech.quantity(text, dim, where="tech/nodes/32nm.toml: field 'lstp.vdd'")
    msg = str(err.value)
    assert msg.startswith("tech/nodes/32nm.toml: field 'lstp.vdd' ")
    assert problem in msg and "\n" not in msg


# ------------------------------------------------------------------------- malformed files


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A private copy of tech/ that CYCLESIM_TECH points at."""
    root = tmp_path / "tech"
    shutil.copytree(tech.TECH_DIR, root)
    monkeypatch.setenv("CYCLESIM_TECH", str(root))
    return root


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def raises_one_line(call, *fragments):
    with pytest.raises(TechError) as err:
        call()
    msg = str(err.value)
    assert "\n" not in msg, msg
    for fragment in fragments:
        assert fragment in msg, msg
    return msg


def test_copied_tree_is_used(tree):
    assert tech.tech_dir() == tree
    edit(tree / "dram" / "hbm2.toml", 'energy = "3.9 pJ/bit"', 'energy = "4.5 pJ/bit"')
    assert close(tech.dram("hbm2").energy_j_per_bit, 4.5e-12)


@pytest.mark.parametrize(
    "old, new, fragments",
    [
        ('vdd = "0.9 V"\n', "", ["missing field 'lstp.vdd'"]),
        ('vdd = "0.9 V"', 'vdd = "-0.9 V"', ["field 'lstp.vdd'", "must not be negative"]),
        ('vdd = "0.9 V"', 'vdd = "0.9 A"', ["field 'lstp.vdd' must be a voltage like '0.9 V', got '0.9 A'"]),
        ('vdd = "0.9 V"', "vdd = 0.9", ["field 'lstp.vdd'", "string with its unit"]),
        ('vdd = "0.9 V"', 'vdd = "0.9 V"\nvddd = "0.9 V"', ["unknown field 'lstp.vddd'", "typo"]),
        ("r_eff_multiplier = 1.77", 'r_eff_multiplier = "1.77 V"', ["'lstp.r_eff_multiplier'", "plain number"]),
        ("r_eff_multiplier = 1.77", "r_eff_multiplier = -1.77", ["'lstp.r_eff_multiplier'", "negative"]),
        ('cell_area = "160 F2"', 'cell_area = "160 F"', ["field 'sram.cell_area'", "must be an area"]),
        ("buffer_bits = 65536", "buffer_bits = 65536.5", ["'sram.buffer_bits'", "integer"]),
        ('bus_delay_hp = "282 ps/mm"\n', "", ["missing field 'wire.bus_delay_hp'"]),
        ('5 = "87 fJ"', '5 = "87 fJ/bit"', ["field 'adc.sar_energy_lstp.5'", "must be an energy"]),
        ('kind = "planar"', 'kind = "finfet"', ["'node.kind'", "[finfet]"]),
        ('kind = "planar"', 'kind = "bulk"', ["'node.kind'", "'planar', 'finfet'"]),
        ('feature_size = "32 nm"', 'feature_size = "45 nm"', ["'node.feature_size'", "32nm"]),
        ("[junction]", "[junctions]", ["unknown field 'junctions'"]),
        ("sources = [", "sources = []\nold_sources = [", ["unknown field 'old_sources'"]),
        ('vdd = "0.9 V"', 'vdd = "0.9 V', ["not valid TOML"]),
    ],
)
def test_malformed_node_file(tree, old, new, fragments):
    path = tree / "nodes" / "32nm.toml"
    edit(path, old, new)
    raises_one_line(lambda: tech.load_node_file(path), "32nm.toml", *fragments)


def test_malformed_node_through_public_api(tree):
    edit(tree / "nodes" / "45nm.toml", 'ion_n = "500 uA/um"', 'ion_n = "500 uA"')
    raises_one_line(lambda: tech.node("45nm"), "45nm.toml", "field 'lstp.ion_n'")


def test_empty_sources_rejected(tree):
    path = tree / "dram" / "ddr4.toml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("sources = ["), text.index("]\nnotes")
    path.write_text(text[:start] + "sources = [" + text[end:], encoding="utf-8")
    raises_one_line(lambda: tech.load_dram_file(path), "ddr4.toml", "'sources'", "non-empty")


@pytest.mark.parametrize(
    "old, new, fragments",
    [
        ("levels = 32\n", "", ["missing field 'device.levels'"]),
        ('r_on = "100 kohm"', 'r_on = "-100 kohm"', ["field 'device.r_on'", "negative"]),
        ('r_on = "100 kohm"', 'r_on = "100 kV"', ["field 'device.r_on' must be a resistance"]),
        ("cell_area_f2 = 16.0", 'cell_area_f2 = "16 F2"', ["'device.cell_area_f2'", "plain number"]),
        ('write_pulse = "50 ns"', 'write_pulse = "50 nm"', ["field 'device.write_pulse' must be a time"]),
        ("levels = 32\n", "levels = 32.0\n", ["'device.levels'", "integer"]),
        ("c2c = 0.003", "c2c = 0.003\nc2c_sigma = 0.1", ["unknown field 'device.c2c_sigma'"]),
        ('name = "rram_neurosim"', 'name = "rram"', ["'device.name'", "rram_neurosim"]),
        ('cell = "1T1R"', 'cell = "crossbar"', ["'device.access_r'", "crossbar"]),
        ("on_off_ratio = 10.0", "on_off_ratio = 0.5", ["'device.on_off_ratio'"]),
    ],
)
def test_malformed_device_file(tree, old, new, fragments):
    path = tree / "devices" / "rram_neurosim.toml"
    edit(path, old, new)
    raises_one_line(lambda: tech.load_device_file(path), "rram_neurosim.toml", *fragments)


@pytest.mark.parametrize(
    "old, new, fragments",
    [
        ("channels = 8\n", "", ["missing field 'dram.channels'"]),
        ('energy = "3.9 pJ/bit"', 'energy = "3.9 pJ"', ["field 'dram.energy' must be an energy per bit"]),
        ('latency = "13.75 ns"', 'latency = "-13.75 ns"', ["field 'dram.latency'", "negative"]),
        ('bandwidth = "1.9e12 bit/s"', 'bandwidth = "1.9e12 bit"', ["field 'dram.bandwidth'"]),
        ("channels = 8", "channels = 0", ["'dram.channels'", "between 1 and 1024"]),
    ],
)
def test_malformed_dram_file(tree, old, new, fragments):
    path = tree / "dram" / "hbm2.toml"
    edit(path, old, new)
    raises_one_line(lambda: tech.load_dram_file(path), "hbm2.toml", *fragments)


def test_missing_tech_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CYCLESIM_TECH", str(tmp_path / "nowhere"))
    assert tech.available("nodes") == []
    raises_one_line(lambda: tech.node(32), "unknown technology node", "none")


# ---------------------------------------------------------- issue 16: user files as strict as shipped


@pytest.mark.parametrize(
    "kind, name, old, new, fragments",
    [
        ("dram", "hbm2", 'bandwidth = "1.9e12 bit/s"', 'bandwidth = "0 bit/s"', ["'dram.bandwidth'", "between"]),
        ("nodes", "32nm", 'c = "0.2 fF/um"', 'c = "0 fF/um"', ["'wire.c'", "between"]),
        ("nodes", "32nm", 'cg_ideal = "0.838 fF/um"', 'cg_ideal = "0 fF/um"', ["'lstp.cg_ideal'"]),
        ("nodes", "32nm", 'ion_n = "600 uA/um"', 'ion_n = "0 uA/um"', ["'lstp.ion_n'", "between"]),
        ("nodes", "32nm", 'ion_p = "400 uA/um"', 'ion_p = "0 uA/um"', ["'lstp.ion_p'"]),
        ("nodes", "32nm", "buffer_bits = 65536", "buffer_bits = 0", ["'sram.buffer_bits'", "between 1"]),
        ("nodes", "32nm", 'vdd = "0.9 V"', 'vdd = "900 V"', ["'lstp.vdd'", "between 0.001 and 10 V"]),
        ("nodes", "32nm", 'vdd = "0.9 V"', 'vdd = "0.3 V"', ["'lstp.vth'", "below 'lstp.vdd'"]),
        ("nodes", "32nm", "r_eff_multiplier = 1.77", "r_eff_multiplier = 1e400", ["'lstp.r_eff_multiplier'"]),
        ("nodes", "32nm", "buffer_bits = 65536", "buffer_bits = " + "9" * 30, ["'sram.buffer_bits'"]),
        ("devices", "rram_neurosim", 'read_pulse = "10 ns"', 'read_pulse = "1 s"', ["'device.read_pulse'", "1e-05 s"]),
        ("devices", "rram_neurosim", "nl_ltp = 1.75", "nl_ltp = 1e-30", ["'device.nl_ltp'", "0 or between 0.01"]),
        ("devices", "rram_neurosim", 'r_on = "100 kohm"', 'r_on = "0 ohm"', ["'device.r_on'"]),
        ("devices", "rram_neurosim", "\nlevels = 32\n", "\nlevels = 100000000\n", ["'device.levels'"]),
        ("dram", "hbm2", 'energy = "3.9 pJ/bit"', 'energy = "3.9 J/bit"', ["'dram.energy'"]),
        ("dram", "hbm2", "burst_bits = 256", "burst_bits = 0", ["'dram.burst_bits'"]),
    ],
)
def test_zero_and_absurd_values_are_one_line(tree, kind, name, old, new, fragments):
    path = tree / kind / f"{name}.toml"
    edit(path, old, new)
    load = {"nodes": tech.load_node_file, "devices": tech.load_device_file, "dram": tech.load_dram_file}[kind]
    msg = raises_one_line(lambda: load(path), f"{name}.toml: field ", *fragments)
    assert len(msg) < 400


@pytest.mark.parametrize("kind, name", [("nodes", "32nm"), ("devices", "ag_asi"), ("dram", "ddr4")])
def test_non_utf8_file_is_one_line(tree, kind, name):
    path = tree / kind / f"{name}.toml"
    path.write_bytes(path.read_bytes().replace(b"sources", b"sour\xffces", 1))
    load = {"nodes": tech.load_node_file, "devices": tech.load_device_file, "dram": tech.load_dram_file}[kind]
    raises_one_line(lambda: load(path), f"{name}.toml", "not UTF-8", "0xff")


def test_every_shipped_value_lies_in_its_range():
    """The ranges are physical and loose: every shipped file loads with them (by loading them all)."""
    for kind, load in (
        ("nodes", tech.load_node_file),
        ("devices", tech.load_device_file),
        ("dram", tech.load_dram_file),
    ):
        for path in sorted((tech.TECH_DIR / kind).glob("*.toml")):
            load(path)


@pytest.mark.parametrize(
    "text, fragments",
    [
        (None, ["cannot read"]),
        ('sources = ["x"]\nnl = [0.01, 1.0]\n', ["'a_norm'"]),
        ('sources = ["x"]\nnl = [1.0, 0.5]\na_norm = [1.0, 2.0]\n', ["'nl'", "increasing"]),
        ('sources = ["x"]\nnl = [0.01, 1.0, 2.0]\na_norm = [1.0, 2.0]\n', ["same length"]),
        ('sources = ["x"]\nnl = [0.0, 1.0]\na_norm = [1.0, 2.0]\n', ["'nl'", "positive"]),
        ('sources = ["x"]\nnl = [0.1, inf]\na_norm = [1.0, 2.0]\n', ["'nl'"]),
        ('sources = ["x"]\nnl = [0.1, 1.0]\na_norm = ["a", 2.0]\n', ["'a_norm'"]),
        ('sources = ["x"]\nnl = [0.1, 1.0]\na_norm = [1.0, 2.0]\nextra = 1\n', ["unknown field 'extra'"]),
    ],
)
def test_malformed_nonlinearity_table(tree, text, fragments):
    path = tree / "nonlinearity.toml"
    if text is None:
        path.unlink()
    else:
        path.write_text(text, encoding="utf-8")
    raises_one_line(tech.nonlinearity, "nonlinearity.toml", *fragments)


def test_nonlinearity_table_is_the_shipped_one():
    nl, a = tech.nonlinearity()
    assert nl[0] == 0.01 and nl[-1] == 9.0 and len(nl) == len(a) == 20 and a[0] == 126.27


def test_readme_example_device_loads_and_runs(tree):
    from cyclesim.config import Device

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```toml\n# DIR/devices/my_hfox.toml") + len("```toml\n")
    (tree / "devices" / "my_hfox.toml").write_text(readme[start : readme.index("```", start)], encoding="utf-8")
    assert "my_hfox" in tech.available("devices")
    d = Device.preset("my_hfox")
    assert d.r_on_ohm == 50e3 and d.levels == 64 and d.read_v == 0.2


def _cli_error(capsys, argv) -> str:
    from cyclesim import cli

    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out + err, err
    return lines[0]


@pytest.mark.parametrize(
    "kind, name, old, new, field",
    [
        ("dram", "hbm2", 'bandwidth = "1.9e12 bit/s"', 'bandwidth = "0 bit/s"', "dram.bandwidth"),
        ("nodes", "32nm", 'c = "0.2 fF/um"', 'c = "0 fF/um"', "wire.c"),
        ("nodes", "32nm", 'ion_n = "600 uA/um"', 'ion_n = "0 uA/um"', "lstp.ion_n"),
        ("nodes", "32nm", "buffer_bits = 65536", "buffer_bits = 0", "sram.buffer_bits"),
        ("nodes", "32nm", "sources", "sour\udcffces", "not UTF-8"),
    ],
)
def test_bad_user_tech_files_through_the_cli(capsys, tree, tmp_path, monkeypatch, kind, name, old, new, field):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CYCLESIM_NO_DOWNLOAD", "1")
    path = tree / kind / f"{name}.toml"
    text = path.read_text(encoding="utf-8").replace(old, new, 1)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    workload = Path(__file__).resolve().parents[1] / "workloads" / "dfa_3layer.py"
    line = _cli_error(capsys, [workload, "--set", "dataset=synthetic", "--set", "training.epochs=0", "--quiet"])
    assert f"{name}.toml" in line and field in line


# ------------------------------------------------------------------------------ curve tables

GOOD_CURVE = """# a tiny measured device
pulse,conductance_s,direction,cycle
0,1.0e-6,ltp,0
1,4.0e-6,ltp,0
2,6.0e-6,ltp,0
3,7.0e-6,ltp,0
0,1.1e-6,ltp,1
1,4.2e-6,ltp,1
2,6.1e-6,ltp,1
3,7.1e-6,ltp,1
0,7.0e-6,ltd,0
1,5.0e-6,ltd,0
2,3.0e-6,ltd,0
3,2.0e-6,ltd,0
"""


def curve_file(tmp_path, text=GOOD_CURVE, name="dev.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_curve_table_reads_and_derives_the_device_fields(tmp_path):
    t = tech.load_curve(curve_file(tmp_path))
    assert t.ltp_s.shape == (2, 4) and t.ltd_s.shape == (1, 4)
    assert close(t.gmin_s, 1.05e-6) and close(t.gmax_s, 7.05e-6)  # extremes of the mean curves
    f = t.device_fields()
    assert close(f["r_on_ohm"], 1 / 7.05e-6) and close(f["on_off_ratio"], 7.05 / 1.05) and f["levels"] == 4
    assert set(f) == set(tech.CURVE_FIELDS)
    # any column order, spaces, upper-case directions and a byte-order mark are read alike
    lines = GOOD_CURVE.splitlines()[1:]
    swapped = "\n".join(",".join(reversed(line.split(","))) for line in lines).replace("ltd", " LTD ")
    again = tech.load_curve(curve_file(tmp_path, "\ufeff" + swapped, "swapped.csv"))
    assert np.array_equal(again.ltp_s, t.ltp_s) and np.array_equal(again.ltd_s, t.ltd_s)
    text = tech.curve_csv(t, ["a comment"])
    assert text.startswith("# a comment\npulse,conductance_s,direction,cycle\n")
    back = tech.load_curve(curve_file(tmp_path, text, "back.csv"))
    assert np.array_equal(back.ltp_s, t.ltp_s) and np.array_equal(back.ltd_s, t.ltd_s)


def _rows(direction, cycle, values):
    return "".join(f"{p},{v},{direction},{cycle}\n" for p, v in enumerate(values))


HEADER = "pulse,conductance_s,direction,cycle\n"
LTD_OK = _rows("ltd", 0, [7e-6, 5e-6, 3e-6, 2e-6])


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("", ["empty", "pulse, conductance_s, direction, cycle"]),
        ("# only a comment\n", ["empty"]),
        (HEADER, ["no ltp rows", "ltd"]),
        ("pulse,conductance,direction,cycle\n", ["unknown column 'conductance'", "conductance_s"]),
        ("pulse,conductance_s,direction\n", ["missing column 'cycle'"]),
        ("pulse,conductance_s,direction,cycle,cycle\n", ["'cycle' appears twice"]),
        (HEADER + "0,1e-6,ltp\n", ["line 2", "3 value(s) for the 4 columns"]),
        (HEADER + "0,1e-6,up,0\n", ["line 2", "direction must be ltp", "got 'up'"]),
        (HEADER + "0,-1e-6,ltp,0\n", ["line 2", "conductance_s must be a positive conductance", "'-1e-6'"]),
        (HEADER + "0,0,ltp,0\n", ["line 2", "positive conductance"]),
        (HEADER + "0,nan,ltp,0\n", ["line 2", "positive conductance"]),
        (HEADER + "0,1e-6 S,ltp,0\n", ["line 2", "positive conductance", "siemens"]),
        (HEADER + "x,1e-6,ltp,0\n", ["line 2", "pulse must be a whole number"]),
        (HEADER + "1.5,1e-6,ltp,0\n", ["line 2", "pulse must be a whole number"]),
        (HEADER + "0,1e-6,ltp,-1\n", ["line 2", "cycle must be a whole number"]),
        (HEADER + "99999999,1e-6,ltp,0\n", ["line 2", "pulse must be a whole number from 0 to 65536"]),
        (HEADER + "0,1e-6,ltp,0\n0,2e-6,ltp,0\n", ["line 3", "second row for ltp cycle 0 pulse 0"]),
        (HEADER + _rows("ltp", 0, [1e-6, 2e-6, 3e-6, 4e-6]), ["no ltd rows"]),
        (HEADER + "0,1e-6,ltp,0\n2,2e-6,ltp,0\n3,3e-6,ltp,0\n" + LTD_OK, ["ltp cycle 0 has no pulse 1", "gaps"]),
        (
            HEADER + _rows("ltp", 0, [1e-6, 2e-6, 3e-6, 4e-6]) + _rows("ltp", 1, [1e-6, 2e-6, 3e-6]) + LTD_OK,
            ["ltp cycle 1 has pulses 0..2 but cycle 0 has 0..3", "same pulses"],
        ),
        (HEADER + _rows("ltp", 0, [1e-6, 2e-6]) + LTD_OK, ["too few points", "ltp sweep has 2", "at least 3"]),
        (HEADER + _rows("ltp", 0, [1e-6]) + LTD_OK, ["too few points"]),
        (
            HEADER + _rows("ltp", 0, [1e-6, 3e-6, 2e-6, 4e-6]) + LTD_OK,
            ["non-monotone", "mean ltp conductance over 1 cycle(s) does not rise from pulse 1 to 2", "direction"],
        ),
        (HEADER + _rows("ltp", 0, [1e-6, 2e-6, 3e-6]) + _rows("ltd", 0, [1e-6, 2e-6, 3e-6]), ["non-monotone", "ltd"]),
        (
            HEADER + _rows("ltp", 0, [1.0, 2.0, 3.0]) + _rows("ltd", 0, [3.0, 2.0, 1.0]),
            ["R_on = 1 / Gmax", "outside the physical range", "siemens"],
        ),
        (
            HEADER + _rows("ltp", 0, [1e-14, 2e-6, 3e-6]) + _rows("ltd", 0, [3e-6, 2e-6, 1e-14]),
            ["on/off = Gmax / Gmin", "outside the physical range"],
        ),
        (HEADER + '0,"1e-6,ltp,0\n', ["line 2"]),
    ],
)
def test_malformed_curve_table(tmp_path, text, fragments):
    path = curve_file(tmp_path, text)
    raises_one_line(lambda: tech.load_curve(path), "dev.csv", *fragments)


def test_unreadable_curve_tables(tmp_path):
    raises_one_line(lambda: tech.load_curve(tmp_path / "nope.csv"), "nope.csv", "cannot read", "No such file")
    raises_one_line(lambda: tech.load_curve(tmp_path), "cannot read", "a folder", tmp_path.name)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(GOOD_CURVE.replace("# a tiny", "# caf\xe9 tiny").encode("latin-1"))
    raises_one_line(lambda: tech.load_curve(bad), "latin1.csv", "not UTF-8", "0xe9")
    raises_one_line(lambda: tech.load_curve(tmp_path / ("x" * 5000)), "cannot read")
    raises_one_line(lambda: tech.load_curve("a\x00b.csv"), "cannot read")
    nul = curve_file(tmp_path, GOOD_CURVE.replace("ltp,1", "ltp\x00,1"), "nul.csv")
    raises_one_line(lambda: tech.load_curve(nul), "nul.csv")


def test_curve_table_cache_sees_an_edited_file(tmp_path):
    path = curve_file(tmp_path)
    assert tech.load_curve(path).levels == 4
    path.write_text(GOOD_CURVE + "4,7.5e-6,ltp,0\n4,7.6e-6,ltp,1\n", encoding="utf-8")
    os.utime(path, ns=(1, 10**18))  # a new modification time, whatever the file system's clock resolution
    assert tech.load_curve(path).levels == 5


def test_shipped_curve_presets(tree):
    """The measured presets load, name their table next to them and fix the fields it gives."""
    for name, levels, gmin_s, gmax_s in (
        ("enode", 218, 297.72e-6, 978.28e-6),
        ("crosssim_ramps", 185, 1.63696e-3, 2.46808e-3),
    ):
        d = tech.device(name)
        assert Path(d.fields["curve"]) == tree / "devices" / f"{name}.csv"
        t = tech.load_curve(d.fields["curve"])
        assert t.levels == d.fields["levels"] == levels
        assert math.isclose(t.gmin_s, gmin_s, rel_tol=1e-3) and math.isclose(t.gmax_s, gmax_s, rel_tol=1e-3)
        assert d.fields["nl_ltp"] == d.fields["c2c"] == 0.0 and len(d.sources) >= 2


@pytest.mark.parametrize(
    "old, new, fragments",
    [
        ('curve = "enode.csv"', 'curve = "missing.csv"', ["field 'device.curve'", "missing.csv", "cannot read"]),
        ('curve = "enode.csv"', "curve = 3", ["'device.curve' must name a curve table", "enode.csv"]),
        ('curve = "enode.csv"', 'curve = ""', ["'device.curve' must name a curve table"]),
        (
            'curve = "enode.csv"',
            'curve = "enode.csv"\nc2c = 0.01',
            ["'device.c2c' comes from the curve table", "remove it"],
        ),
        ('curve = "enode.csv"\n', "", ["missing field 'device.r_on'"]),
        ("d2d = 0.0\n", "", ["missing field 'device.d2d'"]),
    ],
)
def test_malformed_curve_preset(tree, old, new, fragments):
    path = tree / "devices" / "enode.toml"
    edit(path, old, new)
    raises_one_line(lambda: tech.load_device_file(path), "enode.toml", *fragments)


def test_a_preset_curve_table_with_a_problem_names_the_table(tree):
    edit(tree / "devices" / "enode.csv", "0,0.00029772,ltp,0", "0,-0.00029772,ltp,0")
    raises_one_line(
        lambda: tech.load_device_file(tree / "devices" / "enode.toml"), "enode.toml", "enode.csv", "positive"
    )
