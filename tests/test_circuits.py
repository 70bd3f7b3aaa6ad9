"""Circuit models: hand-computed values, physical scaling over all nodes, ADC and subarray trends."""

import math

import pytest

from cyclesim import tech
from cyclesim.config import Device
from cyclesim.hw import circuits as c

NODES = ["130nm", "90nm", "65nm", "45nm", "32nm", "22nm", "14nm", "10nm", "7nm"]
CLK = 1e9
UM2 = 1e12  # m² -> µm²


@pytest.fixture(scope="module")
def n32():
    return tech.node("32nm", "lstp")


@pytest.fixture(scope="module")
def dev():
    return Device.preset("rram_neurosim")


# ------------------------------------------------------ independent re-statements of the primitives


def cin(node):  # minimum inverter input: Cg·(2F + 2F·ratio)
    return node.cg_total_f_per_m * node.feature_size_m * 2 * (1 + node.pn_ratio)


def cnand(node):  # one NAND2 input: Cg·(4F + 2F·ratio)
    return node.cg_total_f_per_m * node.feature_size_m * (4 + 2 * node.pn_ratio)


def chain_internal_c(node, c_load):  # ceil(log4) stages, gates + drains of every stage
    ratio = max(c_load / cin(node), 1.0)
    stages = max(1, math.ceil(math.log(ratio) / math.log(4)))
    return 2 * cin(node) * sum(ratio ** (i / stages) for i in range(stages))


def e_fa(node):
    return 0.5 * 27 * cnand(node) * node.vdd_v**2


def e_dff(node):
    return 12 * cin(node) * node.vdd_v**2


# ------------------------------------------------------------------------------------- Cost


def test_cost_rejects_negative_and_nonfinite():
    with pytest.raises(ValueError):
        c.Cost(-1.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        c.Cost(0.0, math.inf, 0.0, 0.0)
    with pytest.raises(ValueError):
        c.Cost(0.0, 0.0, math.nan, 0.0)
    two = c.Cost(1.0, 2.0, 3.0, 4.0).copies(2)
    assert two == c.Cost(2.0, 4.0, 3.0, 8.0)


# ------------------------------------------------------------------------------ hand checks


def test_crossbar_hand_values(n32, dev):
    cost = c.crossbar(n32, CLK, device=dev, rows=128, cols=128)
    F = 32e-9
    assert cost.area_um2 == pytest.approx(128 * 128 * 16 * F * F * UM2)
    assert cost.area_um2 == pytest.approx(268.4, rel=1e-3)  # the brief's check
    g_mean = (1 + 1 / 10) / 2 / 100e3  # S
    c_col = 128 * (4 * F * 0.2e-9 + n32.cg_total_f_per_m * 4 * F)  # wire 0.2 fF/um + drain
    expect = 0.5 * 128 * 128 * 0.5**2 * g_mean * 10e-9 + 128 * c_col * 0.5**2
    assert cost.energy_j == pytest.approx(expect)
    assert cost.delay_cycles == pytest.approx(10.0)  # 10 ns read pulse at 1 GHz
    explicit = c.crossbar(n32, CLK, device=dev, rows=128, cols=128, input_activity=1.0, g_mean=1.0)
    assert explicit.energy_j == pytest.approx(128 * 128 * 0.25 / 100e3 * 10e-9 + 128 * c_col * 0.25)
    with pytest.raises(ValueError):
        c.crossbar(n32, CLK, device=dev, rows=128, cols=128, g_mean=0.05)  # below G_off/G_on


def test_crossbar_accepts_config_device(n32, dev):
    a = c.crossbar(n32, CLK, device=dev, rows=64, cols=32)
    b = c.crossbar(n32, CLK, device=Device.preset("rram_neurosim"), rows=64, cols=32)
    assert a == b
    with pytest.raises(TypeError):
        c.crossbar(n32, CLK, device="rram_neurosim", rows=64, cols=32)


def test_wl_driver_hand_values(n32):
    F, V = 32e-9, 0.9
    c_row = 128 * (4 * F * 0.2e-9 + n32.cg_total_f_per_m * 4 * F)
    ratio = c_row / cin(n32)
    stages = max(1, math.ceil(math.log(ratio) / math.log(4)))
    f = ratio ** (1 / stages)
    sizes = [f**i for i in range(stages)]
    cost = c.wl_driver(n32, CLK, rows=128, cols=128, activity=0.5)
    assert cost.energy_j == pytest.approx(0.5 * 128 * (c_row + 2 * sum(sizes) * cin(n32)) * V**2)
    assert stages == 4  # 31 fF over 0.27 fF = 115 -> four stages of fan-out 3.27
    # folded areas (N+P width 5F·size in fingers of 24.5F): sizes 1 and 3.27 fit one finger,
    # 10.7 needs 3 fingers, 35 needs 8; each extra finger adds half an inverter
    inv = 212.8 * F * F * UM2
    assert cost.area_um2 == pytest.approx(128 * inv * (1 + 1 + (1 + 0.5 * 2) + (1 + 0.5 * 7)))
    bl = c.bl_driver(n32, CLK, rows=128, cols=128)
    assert bl == cost  # square array: same line loads


def test_decoder_hand_values(n32):
    F = 32e-9
    inv, nand = 212.8 * F * F * UM2, 319.2 * F * F * UM2
    cost = c.decoder(n32, CLK, rows=128)
    # 7 address bits -> groups 2,2,2,1; per row 3 NAND2 + INV
    expect = 128 * (3 * nand + inv) + 3 * (2 * inv + 4 * (nand + inv)) + 2 * inv
    assert cost.area_um2 == pytest.approx(expect)
    wire = 128 * 4 * F * 0.2e-9
    c_pre = 3 * (128 / 4 * cnand(n32) + wire + 4 * cin(n32)) + (128 / 2 * cnand(n32) + wire + 4 * cin(n32))
    assert cost.energy_j == pytest.approx((c_pre + 3 * 3 * cnand(n32) + cin(n32)) * 0.81)
    assert c.decoder(n32, CLK, rows=1) == c.ZERO


def test_column_mux(n32):
    assert c.column_mux(n32, CLK, cols=128, cols_per_adc=1) == c.ZERO
    cost = c.column_mux(n32, CLK, cols=128, cols_per_adc=8)
    tgs = 128 * 212.8 * (32e-9) ** 2 * UM2
    dec = c.decoder(n32, CLK, rows=8)
    assert cost.area_um2 > tgs + dec.area_um2
    assert cost.area_um2 < 3 * (tgs + dec.area_um2)
    # energy: one true (16 NMOS gates of 2F) and one complement (16 PMOS gates of 3F) select
    # line rise, each spanning 128 cells of wire, plus their driver chains and the decoder
    wire = 128 * 4 * 32e-9 * 0.2e-9
    c_true = 16 * n32.cg_total_f_per_m * 32e-9 * 2 + wire
    c_comp = 16 * n32.cg_total_f_per_m * 32e-9 * 3 + wire
    c_all = c_true + c_comp + chain_internal_c(n32, c_true) + chain_internal_c(n32, c_comp)
    assert cost.energy_j == pytest.approx(c_all * 0.81 + dec.energy_j)
    with pytest.raises(ValueError):
        c.column_mux(n32, CLK, cols=8, cols_per_adc=16)


def test_adc_mlsa_matches_tech_tables():
    for name in NODES:
        node = tech.node(name)
        for bits, area in node.adc.csa_area_m2.items():
            cost = c.adc(node, CLK, kind="mlsa", bits=bits)
            assert cost.area_um2 == pytest.approx(area * UM2, rel=1e-5)
        for bits, energy in node.adc.csa_energy_j.items():  # near-open column, 1 ns sensing
            cost = c.adc(node, CLK, kind="mlsa", bits=bits)
            assert cost.energy_j == pytest.approx(node.adc.csa_m_w * (2**bits - 1) * 1e-9)
            assert cost.energy_j == pytest.approx(energy, rel=0.03)


def test_adc_sar_matches_tech_tables():
    for name in NODES:
        node = tech.node(name)
        for bits, area in node.adc.sar_area_m2.items():
            cost = c.adc(node, CLK, kind="sar", bits=bits)
            assert cost.area_um2 == pytest.approx(area * UM2, rel=1e-5)
            assert cost.delay_cycles == pytest.approx(bits + 1)  # (b + 1) ns at 1 GHz
        for bits, energy in node.adc.sar_energy_j.items():
            cost = c.adc(node, CLK, kind="sar", bits=bits)
            p = node.adc.sar_c1_w * bits + node.adc.sar_c0_w
            assert cost.energy_j == pytest.approx(p * (bits + 1) * 1e-9)
            assert cost.energy_j == pytest.approx(energy, rel=0.03)


def test_adc_default_32nm(n32):
    cost = c.adc(n32, CLK, kind="mlsa", bits=5)
    assert cost.area_um2 == pytest.approx(474970 * (32e-9) ** 2 * UM2, rel=1e-5)  # ≈ 486 µm²
    assert cost.area_um2 == pytest.approx(486.4, rel=1e-3)
    assert cost.energy_j == pytest.approx(3.0875e-6 * 31 * 1e-9)  # ≈ 96 fJ
    assert cost.delay_cycles == pytest.approx(1.0)


def test_adc_column_resistance_term(n32):
    r = 2600.0
    cost = c.adc(n32, CLK, kind="mlsa", bits=5, column_r_ohm=r, read_v=0.5)
    fit = n32.adc
    t = 1e-9  # constant sensing time (the R-dependent fit is not monotonic across nodes)
    p = fit.csa_m_w * 31 + fit.csa_a_v2 * math.exp(-fit.sar_k * math.log10(r))
    assert cost.energy_j == pytest.approx(p * t)
    # halving V_read doubles the fits' scaled resistance
    half = c.adc(n32, CLK, kind="sar", bits=5, column_r_ohm=r, read_v=0.25)
    p = fit.sar_c1_w * 5 + fit.sar_c0_w + fit.sar_a_v2 * math.exp(-fit.sar_k * math.log10(2 * r))
    assert half.energy_j == pytest.approx(p * 6e-9)
    with pytest.raises(ValueError):
        c.adc(n32, CLK, kind="flash", bits=5)
    with pytest.raises(ValueError):
        c.adc(n32, CLK, kind="sar", bits=0)


def test_digital_units_hand_values(n32):
    F = 32e-9
    fa, dff, nand = 2872.8 * F * F * UM2, 2553.6 * F * F * UM2, 319.2 * F * F * UM2
    sa = c.shift_add(n32, CLK, bits_in=5, bits_out=13)
    assert sa.area_um2 == pytest.approx(6 * fa + 13 * dff)
    assert sa.energy_j == pytest.approx(6 * e_fa(n32) + 13 * e_dff(n32))
    assert sa.delay_cycles == pytest.approx(6 * 0.92 / 8)  # ripple of 6 bits, tech add8 delay
    acc = c.accumulator(n32, CLK, bits=16)
    assert acc.area_um2 == pytest.approx(16 * (fa + dff))
    assert acc.energy_j == pytest.approx(16 * (e_fa(n32) + e_dff(n32)))
    tree = c.adder_tree(n32, CLK, inputs=4, bits=8)
    assert tree.area_um2 == pytest.approx((2 * 8 + 9) * fa)
    assert tree.energy_j == pytest.approx(25 * e_fa(n32))
    odd = c.adder_tree(n32, CLK, inputs=5, bits=8)  # levels: 2x8, 1x9 (+carry), 1x10
    assert odd.area_um2 == pytest.approx((16 + 9 + 10) * fa)
    assert c.adder_tree(n32, CLK, inputs=1, bits=8) == c.ZERO
    act = c.activation_unit(n32, CLK, bits=8)
    assert act.area_um2 == pytest.approx(8 * (fa + 3 * nand + dff))
    e_nand = 0.5 * 3 * cnand(n32) * 0.81
    assert act.energy_j == pytest.approx(8 * (e_fa(n32) + 3 * e_nand + e_dff(n32)))
    # DFF energy from 12 C_inv·V² lands on NeuroSim's derived 2.7 fJ at 32 nm
    assert e_dff(n32) == pytest.approx(n32.logic.dff_energy_j, rel=0.05)
    with pytest.raises(ValueError):
        c.shift_add(n32, CLK, bits_in=8, bits_out=4)


def test_memories_hand_values(n32):
    sram = c.sram_buffer(n32, CLK, bits_capacity=2 * 65536, port_bits=128)
    assert sram.area_um2 == pytest.approx(2 * 12106)
    assert sram.energy_j == pytest.approx(128 * 47e-15)
    write = c.sram_buffer(n32, CLK, bits_capacity=65536, port_bits=64, access="write")
    assert write.energy_j == pytest.approx(64 * 26e-15)
    assert 0.3 < sram.delay_cycles < 5  # a few cycles at most
    rf = c.register_file(n32, CLK, bits_capacity=65536, port_bits=128)
    assert rf.area_um2 == pytest.approx(172946)
    e_nand = 0.5 * 3 * cnand(n32) * 0.81
    assert rf.energy_j == pytest.approx(128 * (e_dff(n32) + 9 * e_nand))  # 512 words
    assert rf.energy_j / 128 == pytest.approx(n32.sram.rf_energy_j_per_bit, rel=0.3)  # 7.3 fJ
    assert rf.delay_cycles >= 1
    with pytest.raises(ValueError):
        c.sram_buffer(n32, CLK, bits_capacity=64, port_bits=128)
    with pytest.raises(ValueError):
        c.sram_buffer(n32, CLK, bits_capacity=64, port_bits=8, access="erase")


def test_htree_hand_values(n32):
    cost = c.htree(n32, CLK, length_m=1e-3, width_bits=128)
    assert cost.energy_j == pytest.approx(128 * 94e-15)  # 94 fJ/bit/mm
    assert cost.delay_cycles == pytest.approx(0.661)  # 661 ps/mm at 1 GHz
    assert cost.area_um2 == pytest.approx(128 * 8 * 32e-9 * 1e-3 * UM2)  # 32,768 µm²
    assert cost.leakage_w > 0


def test_weight_gradient_unit(n32):
    cost = c.weight_gradient_unit(n32, CLK, rows=128, cols=128, word_bits=5, operand_bits=5)
    cells = 128 * 128 * 5 * 160 * (32e-9) ** 2 * UM2
    assert cells < cost.area_um2 < 2 * cells
    bits = 128 * 128 * 5
    floor = bits * (47e-15 + 26e-15) + bits * (5 + 1) * e_fa(n32)
    assert floor < cost.energy_j < 1.2 * floor
    assert cost.delay_cycles >= 128 * (2 + 5 + 1)
    smaller = c.weight_gradient_unit(n32, CLK, rows=64, cols=128, word_bits=5, operand_bits=5)
    assert smaller.area_um2 < cost.area_um2 and smaller.energy_j < cost.energy_j


def test_weight_gradient_unit_adds_operand_bits_steps_of_word_wide_adders(n32):
    """E = rows·[cols·w·(E_rd + E_wr + 2 E_DFF) + cols·w·(n_op + 1)·E_FA + E_dec + E_WL]: one more
    operand bit adds exactly rows·cols·w full-adder operations."""
    kw = dict(rows=128, cols=64, word_bits=24)
    e8, e9 = (c.weight_gradient_unit(n32, CLK, operand_bits=n, **kw).energy_j for n in (8, 9))
    assert e9 - e8 == pytest.approx(128 * 64 * 24 * e_fa(n32))


def test_sram_banks_one_rule():
    assert c.sram_banks(512) == (1, 512)
    assert c.sram_banks(513) == (2, 257)
    assert c.sram_banks(784) == (2, 392)
    assert c.sram_banks(2) == (1, 2)


def test_a_banked_unit_keeps_its_time_per_row(n32):
    """784 rows are two banks of 392 working on different rows: no slower per row than 512 rows in one
    bank (an unbanked 784-row array would be, its bit lines being longer)."""
    kw = dict(cols=256, word_bits=24, operand_bits=8)
    per_row_784 = c.weight_gradient_unit(n32, CLK, rows=784, **kw).delay_cycles / 392
    per_row_512 = c.weight_gradient_unit(n32, CLK, rows=512, **kw).delay_cycles / 512
    assert per_row_784 <= per_row_512


def test_a_streaming_unit_is_small_and_as_costly_per_block(n32):
    """Holding two rows instead of the block shrinks the array, not the work of a block."""
    kw = dict(rows=256, cols=256, word_bits=24, operand_bits=8)
    held = c.weight_gradient_unit(n32, CLK, **kw)
    stream = c.weight_gradient_unit(n32, CLK, held_rows=2, **kw)
    assert stream.area_um2 < held.area_um2 / 5  # the column adders and sense amplifiers remain
    assert stream.energy_j == pytest.approx(held.energy_j, rel=0.05)
    assert stream.delay_cycles <= held.delay_cycles


def test_dram_interface(n32):
    hbm = tech.dram("hbm2")
    cost = c.dram_interface(n32, CLK, dram=hbm)
    assert cost.energy_j == pytest.approx(256 * (3.9e-12 + e_dff(n32)))
    assert cost.delay_cycles == pytest.approx((13.75e-9 + 256 / 1.9e12) * 1e9)
    phy = 1024 * 1700 / 1024 * (55e-6) ** 2 * UM2
    assert cost.area_um2 == pytest.approx(phy + 512 * 2553.6 * (32e-9) ** 2 * UM2)
    with pytest.raises(TypeError):
        c.dram_interface(n32, CLK, dram="hbm2")


# ---------------------------------------------------------------------------------- scaling


def _components(node, dev):
    hbm = tech.dram("hbm2")
    return {
        "crossbar": c.crossbar(node, CLK, device=dev, rows=128, cols=128),
        "wl_driver": c.wl_driver(node, CLK, rows=128, cols=128),
        "bl_driver": c.bl_driver(node, CLK, rows=256, cols=64),
        "decoder": c.decoder(node, CLK, rows=128),
        "column_mux": c.column_mux(node, CLK, cols=128, cols_per_adc=8),
        "adc_mlsa": c.adc(node, CLK, kind="mlsa", bits=5),
        "adc_mlsa_r": c.adc(node, CLK, kind="mlsa", bits=5, column_r_ohm=5e3),
        "adc_sar": c.adc(node, CLK, kind="sar", bits=5),
        "adc_sar_r": c.adc(node, CLK, kind="sar", bits=6, column_r_ohm=5e3),
        "shift_add": c.shift_add(node, CLK, bits_in=5, bits_out=13),
        "adder_tree": c.adder_tree(node, CLK, inputs=4, bits=13),
        "accumulator": c.accumulator(node, CLK, bits=16),
        "activation_unit": c.activation_unit(node, CLK, bits=8),
        "sram_buffer": c.sram_buffer(node, CLK, bits_capacity=65536, port_bits=128),
        "sram_write": c.sram_buffer(node, CLK, bits_capacity=65536, port_bits=128, access="write"),
        "register_file": c.register_file(node, CLK, bits_capacity=32768, port_bits=64),
        "htree": c.htree(node, CLK, length_m=1e-3, width_bits=128),
        "weight_gradient_unit": c.weight_gradient_unit(node, CLK, rows=128, cols=128, word_bits=5, operand_bits=5),
        "dram_interface": c.dram_interface(node, CLK, dram=hbm),
    }


@pytest.mark.parametrize("flavor", ["lstp", "hp"])
def test_area_and_energy_fall_monotonically_with_the_node(flavor, dev):
    per_node = [_components(tech.node(name, flavor), dev) for name in NODES]
    for comp in per_node[0]:
        for field in ("area_um2", "energy_j"):
            values = [getattr(costs[comp], field) for costs in per_node]
            for big, small, a, b in zip(NODES, NODES[1:], values, values[1:]):
                assert b < a, f"{comp}.{field} rises from {big} ({a:.4g}) to {small} ({b:.4g}) [{flavor}]"


@pytest.mark.parametrize("flavor", ["lstp", "hp"])
def test_every_cost_is_finite_and_non_negative(flavor, dev):
    for name in NODES:
        node = tech.node(name, flavor)
        costs = list(_components(node, dev).values())
        for kind in ("mlsa", "sar"):
            for bits in range(1, 9):
                costs.append(c.adc(node, CLK, kind=kind, bits=bits, column_r_ohm=1e3 * bits))
        for cost in c.subarray(
            node, CLK, device=dev, rows=64, cols=64, cols_per_adc=4, adc_bits=4, transposable=True
        ).values():
            costs.append(cost)
        for cost in costs:
            for v in (cost.area_um2, cost.energy_j, cost.delay_cycles, cost.leakage_w):
                assert math.isfinite(v) and v >= 0


# ------------------------------------------------------------------------------- ADC trends


@pytest.mark.parametrize("name", ["32nm", "7nm"])
def test_mlsa_area_doubles_per_bit(name):
    node = tech.node(name)
    areas = [c.adc(node, CLK, kind="mlsa", bits=b).area_um2 for b in range(3, 9)]
    for a, b in zip(areas, areas[1:]):
        assert 1.8 <= b / a <= 2.2


@pytest.mark.parametrize("name", ["32nm", "7nm"])
def test_sar_area_is_linear_in_bits(name):
    node = tech.node(name)
    areas = [c.adc(node, CLK, kind="sar", bits=b).area_um2 for b in range(2, 10)]
    steps = [b - a for a, b in zip(areas, areas[1:])]
    assert all(s > 0 for s in steps)
    assert max(steps) / min(steps) == pytest.approx(1.0, abs=1e-9)
    # and the SAR wins over the flash-like MLSA from 5 bits on
    assert c.adc(node, CLK, kind="sar", bits=5).area_um2 < c.adc(node, CLK, kind="mlsa", bits=5).area_um2


# ---------------------------------------------------------------------------------- subarray


def test_default_subarray_calibration(n32, dev):
    parts = c.subarray(n32, CLK, device=dev, rows=128, cols=128, cols_per_adc=8, adc_bits=5)
    periph = c.periphery_area_um2(parts)
    assert parts["adc"].area_um2 == pytest.approx(16 * 486.37, rel=1e-3)  # ≈ 7,800 µm²
    assert parts["adc"].area_um2 > 0.5 * periph  # ADCs dominate
    assert parts["cells"].area_um2 < 0.05 * (periph + parts["cells"].area_um2)  # cells tiny
    for key in ("wl_driver", "bl_driver", "decoder", "column_mux", "shift_add"):
        assert parts[key].area_um2 < parts["adc"].area_um2
    # energies per full bit-plane: 128 conversions, 128 shift-adds, 8 mux steps
    assert parts["adc"].energy_j == pytest.approx(128 * c.adc(n32, CLK, kind="mlsa", bits=5).energy_j)
    assert parts["column_mux"].energy_j == pytest.approx(8 * c.column_mux(n32, CLK, cols=128, cols_per_adc=8).energy_j)


def test_thermometer_encoder_gate_count(n32):
    """G = (2^b - 1) + b (2^(b-1) - 1) two-input gates (each NAND2 + INV): 6 bits -> 63 + 186."""
    enc = c.thermometer_encoder(n32, CLK, bits=6)
    assert enc.area_um2 == pytest.approx(249 * (n32.logic.nand2_area_m2 + n32.logic.inv_area_m2) * UM2)
    assert c.thermometer_encoder(n32, CLK, bits=5).area_um2 < enc.area_um2 / 1.9


def test_only_a_multilevel_sense_amplifier_needs_an_encoder(n32, dev):
    kw = dict(device=dev, rows=64, cols=64, cols_per_adc=8, adc_bits=6)
    assert c.subarray(n32, CLK, adc_kind="mlsa", **kw)["encoder"].area_um2 > 0
    assert c.subarray(n32, CLK, adc_kind="sar", **kw)["encoder"] == c.ZERO


def test_transposable_subarray_adds_row_readout(n32, dev):
    plain = c.subarray(n32, CLK, device=dev, rows=128, cols=64, cols_per_adc=8, adc_bits=5)
    both = c.subarray(n32, CLK, device=dev, rows=128, cols=64, cols_per_adc=8, adc_bits=5, transposable=True)
    assert set(both) - set(plain) == {"row_mux", "adc_transposed", "shift_add_transposed", "encoder_transposed"}
    assert both["adc_transposed"].area_um2 == pytest.approx(2 * plain["adc"].area_um2)  # 16 vs 8 ADCs
    assert c.periphery_area_um2(both) > c.periphery_area_um2(plain)


@pytest.mark.parametrize("name", ["130nm", "32nm", "7nm"])
def test_larger_subarrays_have_less_periphery_per_cell(name, dev):
    node = tech.node(name)
    per_cell = []
    for size in (64, 128, 256):
        parts = c.subarray(node, CLK, device=dev, rows=size, cols=size, cols_per_adc=8, adc_bits=5)
        per_cell.append(c.periphery_area_um2(parts) / size**2)
    assert per_cell[2] < per_cell[1] < per_cell[0]


def test_bad_arguments(n32, dev):
    with pytest.raises(ValueError):
        c.crossbar(n32, CLK, device=dev, rows=0, cols=8)
    with pytest.raises(ValueError):
        c.wl_driver(n32, CLK, rows=8, cols=8, activity=1.5)
    with pytest.raises(ValueError):
        c.htree(n32, CLK, length_m=-1.0, width_bits=8)
    with pytest.raises(ValueError):
        c.crossbar(n32, 0.0, device=dev, rows=8, cols=8)
    with pytest.raises(TypeError):
        c.adc(n32, CLK, "mlsa", 5)  # everything after (node, clock_hz) is keyword-only


# ------------------------------------------------ issue 16: a non-finite cost is one user error


def test_cost_error_is_a_user_error_and_a_value_error():
    from cyclesim.errors import UserError

    with pytest.raises(c.CostError) as info:
        c.Cost(0.0, 0.0, math.inf, 0.0)
    assert isinstance(info.value, UserError) and isinstance(info.value, ValueError)
    assert info.value.quantity == "delay inf"


def test_a_non_finite_delay_names_the_component_quantity_and_setting(n32, dev):
    import attrs

    bad = attrs.evolve(dev)
    object.__setattr__(bad, "read_pulse_s", 1e300)  # past config's validators, as a buggy caller might
    with pytest.raises(c.CostError) as info:
        c.crossbar(n32, CLK, device=bad, rows=128, cols=128)
    msg = str(info.value)
    assert "the crossbar delay inf" in msg and "device.read_pulse_s=1e+300" in msg
    assert "chip.clock_hz=1e+09" in msg and "chip.node=32nm" in msg and "\n" not in msg
    with pytest.raises(c.CostError) as info:  # the enclosing subarray passes the innermost error on
        c.subarray(n32, CLK, device=bad, rows=128, cols=128, cols_per_adc=8, adc_bits=5)
    assert "the crossbar delay" in str(info.value)


def test_an_overflow_names_the_component_and_the_node(n32):
    import attrs

    hot = attrs.evolve(n32, vdd_v=1e200)
    with pytest.raises(c.CostError) as info:
        c.wl_driver(hot, CLK, rows=128, cols=128)
    msg = str(info.value)
    assert "the wl driver" in msg and "OverflowError" in msg and "chip.node=32nm" in msg


def test_a_division_by_zero_names_the_component_and_the_dram(n32):
    import attrs

    dram = attrs.evolve(tech.dram("hbm2"), bandwidth_bit_per_s=0.0)
    with pytest.raises(c.CostError) as info:
        c.dram_interface(n32, CLK, dram=dram)
    msg = str(info.value)
    assert "the dram interface" in msg and "ZeroDivisionError" in msg and "chip.dram=hbm2" in msg


def test_the_decorated_functions_keep_their_names_and_docs():
    assert c.crossbar.__name__ == "crossbar" and "Area:" in c.crossbar.__doc__
