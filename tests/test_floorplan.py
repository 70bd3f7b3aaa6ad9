"""Floorplan: NeuroSim-like mapping of layers (and DFA's B_l) onto subarrays, PEs and tiles."""

import json
import time

import attrs
import pytest

from cyclesim.config import Chip, Network, Precision, Workload
from cyclesim.errors import MappingError, UserError
from cyclesim.hw.floorplan import ArrayMap, Floorplan, plan

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
