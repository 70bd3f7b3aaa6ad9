"""Chip area: the paper's breakdown structure, the tile-boundary sawtooth, node scaling."""

import json
import math

import attrs
import pytest

from cyclesim.config import Chip, Network, Workload
from cyclesim.hw.area import SUMMARY_GROUPS, chip_area, neurosim_summary
from cyclesim.hw.floorplan import plan
from cyclesim.terms import DIE_COMPONENTS


def area(rule="bp", sizes=(784, 1024, 1024, 10), **chip):
    wl = Workload(rule=rule, network=Network(sizes=sizes), chip=Chip(**chip))
    return chip_area(wl, plan(wl))


def test_categories_sum_to_total_and_json():
    a = area()
    assert list(a.breakdown_um2) == list(DIE_COMPONENTS)  # the energy categories less off-chip DRAM
    assert all(v > 0 for v in a.breakdown_um2.values())
    assert math.isclose(sum(a.breakdown_um2.values()), a.total_um2)
    assert math.isclose(sum(a.shares.values()), 1.0)
    json.dumps(a.to_json())
    assert a.dram_phy_um2 > 0  # reported, not in the total


def test_neurosim_summary_folds_buffers_into_other():
    a = area()
    s = neurosim_summary(a.breakdown_um2)
    assert list(s) == list(SUMMARY_GROUPS)
    assert s["other"] == pytest.approx(a.breakdown_um2["other"] + a.breakdown_um2["buffer"])
    assert s["array"] == a.breakdown_um2["array"] and s["interconnect"] == a.breakdown_um2["interconnect"]
    assert math.isclose(sum(s.values()), a.total_um2)
    assert math.isclose(sum(neurosim_summary(a.shares).values()), 1.0)


def test_bp_chip_is_adc_dominated():
    """Paper's BP pie: ADC 52.7 %, CIM arrays 0.5 %."""
    s = area("bp").shares
    assert max(s, key=s.get) == "adc"
    assert s["array"] < 0.02


def test_dfa_chip_is_weight_gradient_dominated():
    """Paper's DFA pie (NeuroSim's chip: full-layer WGUs): no transposed periphery, per-layer WGUs
    -> weight gradient largest."""
    bp, dfa = area("bp", wgu_capacity="layer"), area("dfa", wgu_capacity="layer")
    s = dfa.shares
    assert max(s, key=s.get) == "weight_gradient"
    assert dfa.breakdown_um2["adc"] < 0.5 * bp.breakdown_um2["adc"]
    assert dfa.breakdown_um2["weight_gradient"] > bp.breakdown_um2["weight_gradient"]
    # the same DFA network on BP's hardware choices (one shared WGU) spends less of its area on it
    shared = area("dfa", wgu="shared", wgu_capacity="layer").shares
    assert shared["weight_gradient"] < s["weight_gradient"]


def test_a_streaming_wgu_is_a_small_part_of_the_chip():
    """With running sums in DRAM (the default dataflow) a WGU holds two rows: the weight gradient is
    a minor share even with one unit per layer; holding them on chip makes it the largest."""
    stream, held = area("dfa"), area("dfa", gradient_accumulation="on_chip")
    assert stream.shares["weight_gradient"] < 0.15 < 0.5 < held.shares["weight_gradient"]
    assert area("dfa", wgu_capacity="layer").total_um2 == held.total_um2


def test_tile_boundary_sawtooth():
    wl_a = Workload(rule="bp", network=Network(sizes=(784, 1024, 1024, 10)))
    wl_b = attrs.evolve(wl_a, network=Network(sizes=(784, 1025, 1025, 10)))
    fa, fb = plan(wl_a), plan(wl_b)
    assert fa.utilization / fb.utilization >= 2.0
    assert chip_area(wl_b, fb).total_um2 / chip_area(wl_a, fa).total_um2 >= 1.8


def test_area_shrinks_with_the_node():
    totals = [area(node=n).total_um2 for n in ("130nm", "90nm", "65nm", "45nm", "32nm", "22nm", "14nm", "10nm", "7nm")]
    assert all(a > b for a, b in zip(totals, totals[1:]))


def test_unknown_node_is_a_tech_error():
    from cyclesim.errors import TechError

    with pytest.raises(TechError):
        area(node="3nm")


# ------------------------------------------------- issue 16: warnings about absurd-but-valid chips


def report(rule="dfa", **chip):
    return area(rule=rule, sizes=(784, 256, 256, 10), **chip)


def test_a_sane_chip_has_no_warnings_and_an_unchanged_document():
    a = report()
    assert a.warnings == () and "warnings" not in a.to_json()


@pytest.mark.parametrize(
    "chip, needles",
    [
        (dict(tile_size=64, pe_size=64), ["times a whole 300 mm wafer", "no such chip can be built", "64/64/128"]),
        (dict(tile_size=16, pe_size=16), ["beyond one reticle (858 mm²", "several dies"]),
    ],
)
def test_an_area_beyond_a_reticle_or_a_wafer_is_warned_about(chip, needles):
    a = report(**chip)
    assert len(a.warnings) == 1 and all(n in a.warnings[0] for n in needles), a.warnings
    assert a.to_json()["warnings"] == list(a.warnings)
    assert "\n" not in a.warnings[0]


def test_a_clock_faster_than_one_gate_delay_is_warned_about():
    a = report(node="130nm", clock_hz=1e11)
    assert len(a.warnings) == 1 and "fan-out-of-4" in a.warnings[0] and "chip.clock_hz=1e+11" in a.warnings[0]
    assert report(node="130nm", clock_hz=1e9).warnings == ()


def test_reads_at_the_write_voltage_are_warned_about():
    from cyclesim.config import Device

    wl = Workload(device=Device(read_v=4.0, write_v=4.0))
    (warning,) = chip_area(wl, plan(wl)).warnings
    assert "device.read_v=4 V is not below device.write_v=4 V" in warning


def test_chip_warnings_is_a_function_of_the_workload():
    from cyclesim.hw.area import chip_warnings

    wl = Workload(chip=Chip(tile_size=64, pe_size=64))
    fp = plan(wl)
    a = chip_area(wl, fp)
    assert chip_warnings(wl, fp, a) == list(a.warnings)


def test_a_chip_of_square_metres_is_recorded_with_its_warning(capsys, tmp_path, monkeypatch):
    """A run of an absurd chip completes (it is valid) and results.json says why it is absurd."""
    from pathlib import Path

    from cyclesim import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CYCLESIM_NO_DOWNLOAD", "1")
    wl = Path(__file__).resolve().parents[1] / "workloads" / "dfa_3layer.py"
    argv = [wl, "--set", "dataset=synthetic", "--set", "training.epochs=0", "--set", "network.sizes=784,16,10"]
    argv += ["--set", "chip.tile_size=64", "--set", "chip.pe_size=64", "--set", "chip.subarray=1024"]
    assert cli.main([str(a) for a in [*argv, "--quiet", "--out", tmp_path / "o"]]) == 0
    capsys.readouterr()
    doc = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert doc["area"]["total_um2"] > 1e12  # > 1 m² (4 m²)
    assert "wafer" in doc["area"]["warnings"][0]
