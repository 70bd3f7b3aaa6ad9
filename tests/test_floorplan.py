"""Floorplan: NeuroSim-like mapping of layers (and DFA's B_l) onto subarrays, PEs and tiles."""

import json
import time

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyclesim.config import Chip, Network, Precision, Workload
from cyclesim.errors import MappingError, UserError
from cyclesim.hw.area import chip_area
from cyclesim.hw.floorplan import ArrayMap, Floorplan, fill_grid, network_geometry, plan

TILE_CELLS = 1024 * 1024  # defaults: subarray 128, pe_size 2, tile_size 4


def wl(sizes, rule="bp", **chip):
    return Workload(rule=rule, network=Network(sizes=sizes), chip=Chip(**chip))


def shape(a: ArrayMap):
    return (a.sub_rows, a.sub_cols, a.pe_rows, a.pe_cols, a.tile_rows, a.tile_cols)


def test_small_network_by_hand():
    fp = plan(wl((784, 100, 10)))
    assert isinstance(fp, Floorplan)
    l1, l2 = fp.arrays
    assert (l1.name, l1.kind, l1.rows, l1.cols) == ("layer1", "weight", 784, 100)
    # 784/128 -> 7 subarray rows, 100/128 -> 1 column; 7/2 -> 4 PE rows; 4/4 -> 1 tile row
    assert shape(l1) == (7, 1, 4, 1, 1, 1)
    assert (l1.subarrays, l1.pes, l1.tiles) == (7, 4, 1)
    assert l1.cells_mapped == 78_400 and l1.cells_allocated == TILE_CELLS
    assert l1.utilization == pytest.approx(78_400 / 1_048_576)
    assert shape(l2) == (1, 1, 1, 1, 1, 1)
    assert (l2.subarrays, l2.pes, l2.tiles, l2.cells_mapped) == (1, 1, 1, 1000)
    assert (fp.tiles, fp.pes, fp.subarrays) == (2, 5, 8)
    assert fp.cells_mapped == 79_400 and fp.cells_allocated == 2 * TILE_CELLS
    assert fp.utilization == pytest.approx(79_400 / (2 * 1_048_576))
    assert (fp.subarray, fp.pe_size, fp.tile_size, fp.duplication) == (128, 2, 4, 1)
    assert fp.cells_per_tile == TILE_CELLS


def test_tile_boundary_sawtooth_1024_vs_1025():
    a = plan(wl((784, 1024, 1024, 10)))
    b = plan(wl((784, 1025, 1025, 10)))
    assert [x.tiles for x in a.arrays] == [1, 1, 1]
    assert [x.tiles for x in b.arrays] == [2, 4, 2]
    assert (a.tiles, b.tiles) == (3, 8)
    assert shape(a.arrays[1]) == (8, 8, 4, 4, 1, 1) and a.arrays[1].utilization == 1.0
    assert shape(b.arrays[1]) == (9, 9, 5, 5, 2, 2)
    assert a.utilization / b.utilization >= 2


def test_tiles_are_never_shared_between_layers():
    # three tiny layers each take a whole tile of their own
    fp = plan(wl((784, 8, 8, 10)))
    assert [a.tiles for a in fp.arrays] == [1, 1, 1]
    assert fp.cells_allocated == 3 * TILE_CELLS


def test_ragged_edges():
    # one column past a subarray: a second subarray column but still one PE column
    l1, l2 = plan(wl((784, 129, 10))).arrays
    assert shape(l1) == (7, 2, 4, 1, 1, 1) and (l1.subarrays, l1.pes) == (14, 4)
    assert shape(l2) == (2, 1, 1, 1, 1, 1)
    # non-power-of-two grouping: PEs of 3x3 subarrays, tiles of one PE
    l1, _ = plan(wl((784, 129, 10), pe_size=3, tile_size=1)).arrays
    assert shape(l1) == (7, 2, 3, 1, 3, 1) and (l1.subarrays, l1.pes, l1.tiles) == (14, 3, 3)
    assert l1.cells_allocated == 3 * (128 * 3) ** 2
    # small subarrays: 784x65 with 16x16 subarrays, 2x2 PEs, 2x2 tiles (64x64 cells per tile)
    l1, _ = plan(wl((784, 65, 10), subarray=16, cols_per_adc=8, pe_size=2, tile_size=2)).arrays
    assert shape(l1) == (49, 5, 25, 3, 13, 2)
    assert (l1.subarrays, l1.pes, l1.tiles) == (245, 75, 26)
    assert l1.utilization == pytest.approx(784 * 65 / (26 * 64 * 64))


def test_duplication_multiplies_weight_arrays():
    one = plan(wl((784, 100, 10)))
    two = plan(wl((784, 100, 10), duplication=2))
    assert (two.subarrays, two.pes, two.tiles) == (16, 10, 4)
    for a, b in zip(one.arrays, two.arrays):
        assert shape(a) == shape(b)  # per-copy geometry unchanged
        assert (b.subarrays, b.pes, b.tiles) == (2 * a.subarrays, 2 * a.pes, 2 * a.tiles)
        assert b.cells_mapped == 2 * a.cells_mapped
        assert b.utilization == pytest.approx(a.utilization)
    assert two.duplication == 2


def test_per_layer_duplication_copies_each_layer_its_own_count():
    one = plan(wl((784, 100, 50, 10)))
    mixed = plan(wl((784, 100, 50, 10), duplication=(3, 1, 2)))
    assert [a.copies for a in mixed.arrays] == [3, 1, 2] and mixed.duplication == (3, 1, 2)
    for a, b, n in zip(one.arrays, mixed.arrays, (3, 1, 2), strict=True):
        assert shape(a) == shape(b) and (b.subarrays, b.tiles) == (n * a.subarrays, n * a.tiles)
    assert mixed.tiles == 3 * one.arrays[0].tiles + one.arrays[1].tiles + 2 * one.arrays[2].tiles
    same, every = plan(wl((784, 100, 50, 10), duplication=(2, 2, 2))), plan(wl((784, 100, 50, 10), duplication=2))
    assert same.arrays == every.arrays and same.tiles == every.tiles


def test_per_layer_duplication_counts_against_the_tile_budget():
    msg = one_line_mapping_error(lambda: plan(wl((784, 100, 50, 10), duplication=(8, 1, 1), max_tiles=4)))
    assert "chip.max_tiles" in msg and "chip.duplication (now 8,1,1)" in msg, msg


def test_bp_arrays_transposable_shared_wgu():
    fp = plan(wl((784, 256, 256, 10), rule="bp"))
    assert [a.kind for a in fp.arrays] == ["weight"] * 3
    assert all(a.transposable for a in fp.arrays)
    assert fp.wgu == "shared" and fp.wgu_shapes == ((784, 256),)
    assert fp.feedback_store == "none" and fp.feedback_sram_bits == 0
    # the shared WGU is sized to the largest layer (most cells)
    fp = plan(wl((784, 50, 2000, 10), rule="bp"))
    assert fp.wgu_shapes == ((50, 2000),)


def test_dfa_rram_feedback_arrays():
    fp = plan(wl((784, 256, 256, 10), rule="dfa", feedback_store="rram"))
    assert fp.feedback_store == "rram" and fp.feedback_sram_bits == 0
    assert [a.name for a in fp.arrays] == ["layer1", "layer2", "layer3", "feedback1", "feedback2"]
    assert not any(a.transposable for a in fp.arrays)
    fb = fp.feedback
    assert [(a.kind, a.rows, a.cols) for a in fb] == [("feedback", 10, 256)] * 2
    assert shape(fb[0]) == (1, 2, 1, 1, 1, 1) and (fb[0].subarrays, fb[0].pes, fb[0].tiles) == (2, 1, 1)
    assert fp.tiles == 3 + 2
    assert fp.wgu == "per_layer" and fp.wgu_shapes == ((784, 256), (256, 256), (256, 10))
    # feedback arrays are held once even when the weights are duplicated
    dup = plan(wl((784, 256, 256, 10), rule="dfa", feedback_store="rram", duplication=3))
    assert [a.tiles for a in dup.arrays] == [3, 3, 3, 1, 1]


def test_dfa_sram_feedback_bits():
    w = Workload(
        rule="dfa",
        network=Network(sizes=(784, 256, 100, 10)),
        chip=Chip(feedback_store="sram"),
        precision=Precision(weight=4),
        device=attrs.evolve(Workload().device, levels=32),
    )
    fp = plan(w)
    assert fp.feedback_store == "sram" and fp.feedback == ()
    assert fp.feedback_sram_bits == (10 * 256 + 10 * 100) * 4
    assert fp.tiles == 3


def test_wgu_overrides():
    assert plan(wl((784, 100, 10), rule="bp", wgu="per_layer")).wgu_shapes == ((784, 100), (100, 10))
    fp = plan(wl((784, 100, 10), rule="dfa", wgu="shared"))
    assert fp.wgu == "shared" and fp.wgu_shapes == ((784, 100),)


def test_single_layer_dfa_has_no_feedback():
    fp = plan(wl((784, 10), rule="dfa"))
    assert fp.feedback == () and fp.tiles == 1


def test_max_tiles_fits_and_overflows():
    assert plan(wl((784, 1025, 1025, 10), max_tiles=8)).tiles == 8
    with pytest.raises(MappingError) as e:
        plan(wl((784, 1025, 1025, 10), max_tiles=3))
    msg = str(e.value)
    assert isinstance(e.value, UserError)
    assert "\n" not in msg
    assert "8 tiles" in msg and "3" in msg
    for fix in ("chip.max_tiles", "network.sizes", "chip.duplication", "chip.tile_size"):
        assert fix in msg
    # feedback arrays count too
    with pytest.raises(MappingError, match="needs 5 tiles"):
        plan(wl((784, 256, 256, 10), rule="dfa", feedback_store="rram", max_tiles=4))


def test_json_serialisable():
    for rule in ("bp", "dfa"):
        fp = plan(wl((784, 300, 100, 10), rule=rule))
        d = json.loads(json.dumps(fp.to_json()))
        for key in (
            "tiles",
            "pes",
            "subarrays",
            "utilization",
            "per_layer",
            "wgu",
            "wgu_shapes",
            "feedback_store",
            "feedback_sram_bits",
        ):
            assert key in d
        assert d["tiles"] == fp.tiles and d["utilization"] == pytest.approx(fp.utilization)
        rows = json.loads(json.dumps(fp.per_layer()))
        assert len(rows) == len(fp.arrays) == len(d["per_layer"])
        assert rows[0]["name"] == "layer1"
        for key in ("subarrays", "pes", "tiles", "utilization", "transposable", "kind", "rows", "cols"):
            assert key in rows[0]


def test_frozen():
    fp = plan(wl((784, 100, 10)))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fp.tiles = 1
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        fp.arrays[0].tiles = 1


def test_large_network_plans():
    w = wl((784,) + (4096,) * 9 + (10,), rule="dfa", feedback_store="rram")
    t0 = time.perf_counter()
    fp = plan(w)
    elapsed = time.perf_counter() - t0
    assert len(fp.weights) == 10 and len(fp.feedback) == 9
    assert fp.arrays[1].tiles == 16  # 4096x4096 in 1024x1024 tiles
    assert elapsed < 5.0  # sanity only; it takes well under a millisecond


# ----------------------------------------------------------------------------------------------
# chip.floorplan "network": DNN+NeuroSim V2's tile sized for the network, and duplication "fill"

# The six reference runs (tests' copy of /work/shared/reference/neurosim/summary.csv): tile, PE,
# tiles and copies ("speed-up") per layer, utilisation per layer and of the chip, as NeuroSim printed
# them; the candidates' utilisations (%) as its rule gives them, two decimals.
NEUROSIM_RUNS = {
    "A": dict(sizes=(784, 256, 256, 10), subarray=64, adc_bits=6, node="32nm"),
    "B": dict(sizes=(784, 256, 256, 10), subarray=64, adc_bits=5, node="32nm"),
    "C": dict(sizes=(784, 256, 256, 10), subarray=64, adc_bits=4, node="32nm"),
    "D": dict(sizes=(784, 256, 256, 10), subarray=32, adc_bits=6, node="32nm"),
    "E": dict(sizes=(784, 256, 256, 10), subarray=64, adc_bits=6, node="22nm"),
    "G": dict(sizes=(784, 512, 512, 10), subarray=128, adc_bits=6, node="32nm"),
}
SA64 = dict(
    tile=256,
    pe=128,
    tiles=[4, 1, 1],
    copies=[1, 1, 4],
    util=[0.765625, 1.0, 0.15625],
    chip_pct=70.3125,
    cells=(276_480, 393_216),
    candidates={256: 70.31, 512: 48.05, 1024: 64.06},
)
NEUROSIM_FLOORPLANS = {
    "A": SA64,
    "B": SA64,
    "C": SA64,
    "E": SA64,
    "D": dict(
        tile=256,
        pe=128,
        tiles=[4, 1, 1],
        copies=[1, 1, 8],
        util=[0.765625, 1.0, 0.3125],
        chip_pct=72.9167,
        cells=(286_720, 393_216),
        candidates={256: 72.92, 512: 51.95, 1024: 69.27},
    ),
    "G": dict(
        tile=512,
        pe=256,
        tiles=[2, 1, 1],
        copies=[1, 1, 4],
        util=[0.765625, 1.0, 0.078125],
        chip_pct=65.2344,
        cells=(684_032, 1_048_576),
        candidates={512: 65.23, 1024: 61.46},
    ),
}


def neurosim_run(run, **chip):
    r = NEUROSIM_RUNS[run]
    return wl(r["sizes"], subarray=r["subarray"], adc_bits=r["adc_bits"], node=r["node"], floorplan="network", **chip)


def network(sizes, rule="bp", subarray=128, **chip):
    return wl(sizes, rule=rule, subarray=subarray, floorplan="network", **chip)


@pytest.mark.parametrize("run", sorted(NEUROSIM_RUNS))
def test_network_floorplan_reproduces_neurosim(run):
    want = NEUROSIM_FLOORPLANS[run]
    fp = plan(neurosim_run(run))
    assert (fp.floorplan, fp.duplication) == ("network", "fill")
    assert (fp.tile_side_cells, fp.pe_side_cells, fp.tile_size) == (want["tile"], want["pe"], 2)
    assert fp.pe_size * NEUROSIM_RUNS[run]["subarray"] == want["pe"]
    assert [a.tiles for a in fp.arrays] == want["tiles"]
    assert [a.copies for a in fp.arrays] == want["copies"]
    assert [a.utilization for a in fp.arrays] == want["util"]
    assert (fp.cells_mapped, fp.cells_allocated) == want["cells"]
    assert round(100 * fp.utilization, 4) == want["chip_pct"]
    assert {t: round(100 * u, 2) for t, u in fp.candidates} == want["candidates"]


def test_network_floorplan_past_a_power_of_two():
    # 513 hidden: the only candidate is a 1024-cell tile; layer 3 (5x1 subarrays in 8x8) holds 8 copies
    fp = plan(network((784, 513, 513, 10)))
    assert fp.tile_side_cells == 1024 and fp.candidates == ((1024, 706_401 / 3_145_728),)
    assert [a.tiles for a in fp.arrays] == [1, 1, 1] and [a.copies for a in fp.arrays] == [1, 1, 8]
    assert (fp.cells_mapped, fp.cells_allocated) == (706_401, 3_145_728)
    assert round(100 * fp.utilization, 2) == 22.46
    # 1025 hidden: 2048-cell tiles of 2x2 PEs of 1024 cells (8x8 subarrays of 128)
    fp = plan(network((784, 1025, 1025, 10)))
    assert (fp.tile_side_cells, fp.pe_size, fp.tile_size) == (2048, 8, 2)
    assert [a.copies for a in fp.arrays] == [2, 1, 16]
    assert (fp.cells_mapped, fp.cells_allocated) == (2_821_825, 3 * 2048**2)
    assert round(100 * fp.utilization, 1) == 22.4


def _sawtooth(floorplan, narrow, wide):
    out = []
    for h in (narrow, wide):
        w = wl((784, h, h, 10), floorplan=floorplan)
        fp = plan(w)
        out += [fp.utilization, chip_area(w, fp).total_um2]
    return out


@pytest.mark.parametrize("narrow, wide", [(512, 513), (1024, 1025)])
def test_network_sawtooth_at_every_power_of_two(narrow, wide):
    util_a, area_a, util_b, area_b = _sawtooth("network", narrow, wide)
    assert util_a / util_b >= 2 and area_b > area_a


def test_fixed_sawtooth_only_at_the_fixed_tile():
    util_a, area_a, util_b, area_b = _sawtooth("fixed", 1024, 1025)
    assert util_a / util_b >= 2 and area_b > area_a
    util_a, _, util_b, _ = _sawtooth("fixed", 512, 513)
    assert util_b >= util_a  # 512 and 513 both fit the 1024-cell tile


def test_network_ignores_pe_and_tile_size():
    a = plan(neurosim_run("A"))
    b = plan(neurosim_run("A", pe_size=7, tile_size=3))
    assert a == b


def test_fill_grid():
    assert fill_grid(4, 1, 4) == (1, 4)
    assert fill_grid(7, 1, 8) == (1, 8)
    assert fill_grid(3, 2, 8) == (2, 4)
    assert fill_grid(9, 1, 8) == (1, 1)  # spans two tiles: one copy
    assert fill_grid(1, 9, 8) == (1, 1)


def test_fill_under_fixed_packs_copies_into_a_layers_one_tile():
    fp = plan(wl((784, 100, 10), duplication="fill"))
    assert (fp.floorplan, fp.duplication, fp.candidates) == ("fixed", "fill", ())
    l1, l2 = fp.arrays
    # 784x100 is 7x1 subarrays in a tile of 8x8: a grid of 1x8 copies over 4x4 PEs of 2x2
    assert (l1.copies, l1.tiles, l1.subarrays, l1.pes) == (8, 1, 56, 16)
    assert shape(l1) == (7, 1, 4, 1, 1, 1)  # one copy's geometry
    assert l1.cells_mapped == 8 * 78_400 and l1.utilization == 8 * 78_400 / TILE_CELLS
    assert (l2.copies, l2.tiles, l2.subarrays, l2.pes) == (64, 1, 64, 16)
    # a layer wider than one tile keeps one copy; fill never adds a tile
    fp = plan(wl((784, 1025, 1025, 10), duplication="fill", max_tiles=8))
    assert [a.copies for a in fp.arrays] == [1, 1, 1]
    assert [a.tiles for a in fp.arrays] == [a.tiles for a in plan(wl((784, 1025, 1025, 10))).arrays]


def test_duplication_resolution():
    assert Chip().duplication is None
    assert plan(wl((784, 100, 10))).duplication == 1
    assert [a.copies for a in plan(wl((784, 100, 10))).arrays] == [1, 1]
    assert plan(network((784, 100, 10))).duplication == "fill"
    # an int copies every layer under network too, each copy on its own tiles; the chosen tile is
    # the same as with one copy (the copies cancel in the utilisation)
    fp = plan(neurosim_run("A", duplication=2))
    assert (fp.duplication, fp.tile_side_cells) == (2, 256)
    assert [a.copies for a in fp.arrays] == [2, 2, 2] and [a.tiles for a in fp.arrays] == [8, 2, 2]
    assert fp.utilization == 268_800 / (6 * 256**2)


def test_network_feedback_arrays_take_the_weights_tile_once():
    bp = plan(neurosim_run("A"))
    fp = plan(network((784, 256, 256, 10), "dfa", subarray=64, feedback_store="rram"))
    assert (fp.tile_side_cells, fp.candidates) == (bp.tile_side_cells, bp.candidates)
    fb = fp.feedback
    assert [(a.rows, a.cols, a.copies, a.tiles) for a in fb] == [(10, 256, 1, 1)] * 2
    assert fp.tiles == bp.tiles + 2
    assert fp.cells_mapped == bp.cells_mapped + 2 * 2560 and fp.cells_allocated == (6 + 2) * 256**2


def test_network_geometry_directly():
    side, cands = network_geometry([(784, 256), (256, 256), (256, 10)], 64, "fill")
    assert side == 256 and [t for t, _ in cands] == [256, 512, 1024]
    # candidates below two subarrays are skipped: 784-256-256-10 with 256-cell subarrays starts at 512
    side, cands = network_geometry([(784, 256), (256, 256), (256, 10)], 256, "fill")
    assert [t for t, _ in cands] == [512, 1024]


def one_line_mapping_error(call) -> str:
    with pytest.raises(MappingError) as e:
        call()
    assert isinstance(e.value, UserError)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_network_without_a_tile_side_is_a_mapping_error():
    msg = one_line_mapping_error(lambda: plan(network((784, 256, 256, 10), subarray=4096)))
    assert "chip.floorplan" in msg and "chip.subarray=4096" in msg and "512 or less" in msg
    msg = one_line_mapping_error(lambda: network_geometry([(8, 8)], 4096, "fill"))
    assert "chip.subarray" in msg and "fixed" in msg
    # the largest subarray that still finds a tile
    assert plan(network((784, 256, 256, 10), subarray=512)).tile_side_cells == 1024


def test_network_max_tiles_names_the_chosen_tile():
    assert plan(neurosim_run("A", max_tiles=6)).tiles == 6
    msg = one_line_mapping_error(lambda: plan(neurosim_run("A", max_tiles=5)))
    assert "needs 6 tiles" in msg and "chip.max_tiles" in msg and "network.sizes" in msg
    assert "256x256-cell tiles of 2x2 PEs of 128x128 cells" in msg and "chip.floorplan fixed" in msg
    assert "chip.duplication" not in msg  # "fill" adds no tiles: lowering it is no fix
    msg = one_line_mapping_error(lambda: plan(neurosim_run("A", duplication=2, max_tiles=5)))
    assert "needs 12 tiles" in msg and "chip.duplication (now 2)" in msg


def test_network_json():
    fp = plan(neurosim_run("A"))
    d = json.loads(json.dumps(fp.to_json()))
    assert (d["floorplan"], d["duplication"], d["tile_side_cells"], d["pe_side_cells"]) == ("network", "fill", 256, 128)
    assert (d["pe_size"], d["tile_size"]) == (2, 2)
    assert d["candidates"] == [[256, 0.703125], [512, 0.48046875], [1024, 0.640625]]
    assert [r["copies"] for r in d["per_layer"]] == [1, 1, 4]
    d = json.loads(json.dumps(plan(wl((784, 100, 10))).to_json()))
    assert (d["floorplan"], d["candidates"], d["tile_side_cells"], d["pe_side_cells"]) == ("fixed", [], 1024, 256)


@settings(max_examples=60, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 3000), min_size=1, max_size=4),
    subarray=st.sampled_from([8, 32, 64, 128, 256, 512]),
)
def test_network_keeps_the_best_candidate(hidden, subarray):
    fp = plan(network((784, *hidden, 10), subarray=subarray))
    utils = dict(fp.candidates)
    assert fp.utilization == utils[fp.tile_side_cells]
    assert all(fp.utilization >= u for u in utils.values())
    assert all(a.copies >= 1 and a.cells_mapped <= a.cells_allocated for a in fp.arrays)
    assert fp.pe_size * subarray * 2 == fp.tile_side_cells and fp.tile_size == 2
