"""The chip's inventory: one record per component, read by the area roll-up and the engine alike."""

import math

import attrs
import pytest

from cyclesim import tech
from cyclesim.config import Chip, Network, Workload
from cyclesim.hw import circuits as c
from cyclesim.hw import inventory
from cyclesim.hw.area import roll_up
from cyclesim.hw.inventory import SUMMARY_GROUPS, AreaTally, htree
from cyclesim.terms import DIE_COMPONENTS


def inv_of(rule="bp", sizes=(784, 256, 256, 10), **chip):
    return inventory.of(Workload(rule=rule, network=Network(sizes=sizes), chip=Chip(**chip)))


def test_transposable_tiles_cost_more():
    inv = inv_of("bp")
    plain = inventory._tile(inv.workload, inv.floorplan, tech.node("32nm"), False, inv.subarray_fw, inv.subarray_ag)
    trans = inv.tile_kinds[True]
    a, b = AreaTally(), AreaTally()
    a.add_parts(plain.parts)
    b.add_parts(trans.parts)
    assert b.total_um2 > a.total_um2
    assert math.isclose(sum(b.components.values()), b.total_um2)
    assert b.groups["other"] == pytest.approx(b.components["other"] + b.components["buffer"])
    assert {p.name for p in trans.parts} - {p.name for p in plain.parts} == {
        "row_mux",
        "adc_transposed",
        "shift_add_transposed",
        "encoder_transposed",
    }


def test_tally_sums_neurosim_groups_in_order():
    """Buffers are their own component but NeuroSim's "other" group; totals add the group sums in
    SUMMARY_GROUPS order, whatever the components."""
    tile = AreaTally()
    tile.add("other", 1.0, 3)
    tile.add("buffer", 0.5)
    tile.add("interconnect", 2.0)
    assert tile.groups == {"other": 3.5, "interconnect": 2.0}
    chip = AreaTally(dict.fromkeys(DIE_COMPONENTS, 0.0), dict.fromkeys(SUMMARY_GROUPS, 0.0))
    chip.add_tally(tile, 2)
    chip.add("array", 0.25)
    assert chip.components["other"] == 6.0 and chip.components["buffer"] == 1.0
    assert list(chip.groups) == list(SUMMARY_GROUPS) and chip.groups["other"] == 7.0
    assert chip.total_um2 == 11.25 == sum(chip.components.values())


def test_htree_by_hand():
    node = tech.node("32nm")
    side, width = 1e-3, 512
    got = htree(node, 1e9, side_m=side, leaves=16, width_bits=width, pitch_f=4.0).area_um2
    # two levels: one H of 1.5 S at 512 bits, four of 0.75 S at 256 bits
    want = (1.5 * side * 512 + 4 * 0.75 * side * 256) * 4 * 32e-9 * 1e12
    assert got == pytest.approx(want)
    assert htree(node, 1e9, side_m=side, leaves=1, width_bits=width, pitch_f=4.0) == c.ZERO


def test_roll_up_is_the_sum_of_the_parts():
    """Area = sum over arrays of tiles x (sum of the tile's parts) + sum of the chip's parts."""
    for rule in ("bp", "dfa", "fa", "sign_symmetry"):
        inv = inv_of(rule)
        want = sum(
            inv.tiles_of_kind(k) * sum(p.cost.area_um2 * p.count for p in kind.parts)
            for k, kind in inv.tile_kinds.items()
        ) + sum(p.cost.area_um2 * p.count for p in inv.chip_parts)
        assert roll_up(inv).total_um2 == pytest.approx(want, rel=1e-12)


def test_leakage_counts_every_part_once():
    """A shared WGU leaks once (not once per layer it serves); every tile part leaks."""
    inv = inv_of("bp")
    want = sum(
        inv.tiles_of_kind(k) * sum(p.cost.leakage_w * p.count for p in kind.parts) for k, kind in inv.tile_kinds.items()
    ) + sum(p.cost.leakage_w * p.count for p in inv.chip_parts)
    assert inv.leakage_w() == pytest.approx(want, rel=1e-12)
    wgus = [p for p in inv.chip_parts if p.category == "weight_gradient"]
    assert [p.name for p in wgus] == ["wgu"] and len(inv.wgu_blocks) == 3
    assert "dram_phy" not in {p.name for p in inv.chip_parts}  # off the die, as in the area total


def test_each_size_is_decided_once():
    """The engine's components take their sizes from the inventory records."""
    from cyclesim.engine.probe import Probe
    from cyclesim.engine.schedule import ChipModel

    inv = inv_of("dfa", dram_channels=3)
    import simpy

    model = ChipModel(simpy.Environment(), inv, None, Probe())
    assert model.gbuf.port_bits == inv.part("global_buffer").size["port_bits"]
    assert model.htree.width_bits == inv.part("chip_htree").size["width_bits"]
    assert model.accum.lanes == inv.part("accumulation").count
    assert model.feedback_mac.lanes == inv.part("feedback_mac").count
    assert model.dram.channels == 3 == inv.dram_phy.count
    assert model.leakage_w == inv.leakage_w()


def test_dram_channels_reach_the_phy_area():
    two, eight = (roll_up(inv_of("bp", dram_channels=n)).dram_phy_um2 for n in (2, 8))
    assert eight == pytest.approx(4 * two)


def test_feedback_store_parts_follow_the_rule():
    """DFA's B in SRAM (and sign-symmetry's sign bits) come with the digital MAC that reads them;
    BP and FA (B in RRAM) have neither."""
    names = {r: {p.name for p in inv_of(r).chip_parts} for r in ("bp", "fa", "dfa", "sign_symmetry")}
    assert {"feedback_sram", "feedback_mac"} <= names["dfa"] and {"feedback_sram", "feedback_mac"} <= names[
        "sign_symmetry"
    ]
    assert not {"feedback_sram", "feedback_mac"} & (names["bp"] | names["fa"])


def test_the_engine_computes_no_area(monkeypatch):
    """Simulating an iteration builds no area and prices no circuit: the inventory did both."""
    import numpy as np

    from cyclesim import data
    from cyclesim.engine import schedule
    from cyclesim.hw import area
    from cyclesim.learn.train import Trainer

    wl = Workload(rule="dfa", network=Network(sizes=(784, 32, 10)))
    ds = data.load("synthetic", None, seed=0)
    tr = Trainer(attrs.evolve(wl, dataset="synthetic"), ds, np.random.SeedSequence(0))
    inv = inventory.of(wl)

    def forbidden(*a, **k):
        raise AssertionError("priced during the simulation")

    for name in ("chip_area", "roll_up"):
        monkeypatch.setattr(area, name, forbidden)
    for name in ("subarray", "register_file", "weight_gradient_unit", "accumulator", "htree"):
        monkeypatch.setattr(c, name, forbidden)
    monkeypatch.setattr(inventory, "build", forbidden)
    r = schedule.simulate(inv, tr.net, tr.trace_first_batch())
    assert r.cycles > 0
