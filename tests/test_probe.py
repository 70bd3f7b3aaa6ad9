"""Probe: registered kinds and layers, utilisation, wait statistics, energy breakdowns and the
over-booking check."""

import math

import pytest

from cyclesim.engine.probe import Probe
from cyclesim.terms import COMPONENTS, PHASES, RESOURCE_KINDS


def test_utilization_uses_capacity():
    p = Probe()
    p.register("buf", 1, kind="buffer")
    p.register("dram", 4, kind="dram")
    p.busy("buf", 0, 30, "fw", 0, bits=64)
    p.busy("buf", 50, 70, "ag", 1)
    for _ in range(4):
        p.busy("dram", 0, 25, "wg", 0)
    u = p.utilization(100)
    assert u["buf"] == pytest.approx(0.5)
    assert u["dram"] == pytest.approx(0.25)
    assert p.utilization(0)["buf"] == 0.0
    assert p.intervals("buf") == [(0, 30, "fw", 0, 64), (50, 70, "ag", 1, 0)]
    assert all(type(iv) is tuple for iv in p.intervals("buf"))


def test_wait_statistics_p95():
    p = Probe()
    p.register("link", kind="interconnect")
    for w in range(1, 101):  # waits 1..100
        p.wait("link", 10, 10 + w)
    p.busy("link", 0, 40, "fw", bits=800)
    row = {r["resource"]: r for r in p.contention(200)}["link"]
    assert row["requests"] == 100
    assert row["wait_mean_cycles"] == pytest.approx(50.5)
    assert row["wait_p95_cycles"] == 95.0  # nearest rank: ceil(0.95 * 100) = 95th value
    assert row["wait_max_cycles"] == 100.0
    assert row["busy_cycles"] == 40
    assert row["bytes"] == 100.0
    assert row["utilization"] == pytest.approx(0.2)
    assert set(row) >= {
        "resource",
        "utilization",
        "requests",
        "wait_mean_cycles",
        "wait_p95_cycles",
        "wait_max_cycles",
        "busy_cycles",
        "bytes",
    }
    # a small sample: p95 of [0, 0, 7] is the largest value
    q = Probe()
    for g in (0, 0, 7):
        q.wait("x", 0, g)
    assert q.contention(10)[0]["wait_p95_cycles"] == 7.0


def test_energy_sums():
    p = Probe()
    p.charge("array", "fw", 1e-9)
    p.charge("adc", "fw", 2e-9)
    p.charge("dram", "wg", 5e-9)
    p.charge("array", "wu", 0.5e-9)
    by_c, by_p = p.energy_by_component(), p.energy_by_phase()
    assert list(by_c) == list(COMPONENTS) and list(by_p) == list(PHASES)
    assert by_c["array"] == pytest.approx(1.5e-9) and by_c["buffer"] == 0.0
    assert by_p["fw"] == pytest.approx(3e-9) and by_p["ag"] == 0.0
    assert p.total_energy_j == pytest.approx(8.5e-9)
    assert math.fsum(by_c.values()) == pytest.approx(p.total_energy_j)
    assert p.energy_table()[("dram", "wg")] == 5e-9
    p.check(0)


def test_rejects_bad_records():
    p = Probe()
    with pytest.raises(ValueError, match="category"):
        p.charge("adcs", "fw", 1.0)
    with pytest.raises(ValueError, match="phase"):
        p.charge("adc", "forward", 1.0)
    with pytest.raises(ValueError, match=">= 0"):
        p.charge("adc", "fw", -1.0)
    with pytest.raises(ValueError, match="phase"):
        p.busy("r", 0, 1, "bp")
    with pytest.raises(ValueError):
        p.busy("r", 5, 4, "fw")
    with pytest.raises(ValueError):
        p.wait("r", 5, 4)


def test_check_passes_valid_schedule():
    p = Probe()
    p.register("a", 1, kind="digital")
    p.register("b", 2, kind="dram")
    p.busy("a", 0, 10, "fw")
    p.busy("a", 10, 20, "fw")  # back-to-back: the end at 10 frees the server
    p.busy("a", 20, 20, "fw")  # zero-length
    p.busy("b", 0, 10, "fw")
    p.busy("b", 5, 15, "fw")
    p.busy("b", 10, 20, "fw")
    p.charge("buffer", "fw", 1.0)
    p.check(20)


def test_check_catches_over_booking():
    p = Probe()
    p.register("a", 1, kind="digital")
    p.busy("a", 0, 10, "fw")
    p.busy("a", 9, 12, "fw")
    with pytest.raises(AssertionError, match="2 overlapping busy intervals at cycle 9"):
        p.check(20)
    with pytest.raises(AssertionError, match="capacity 1 x elapsed 12"):  # 13 busy cycles in 12
        p.check(12)
    # the same intervals are valid with two servers (given to check explicitly)
    p.check(12, {"a": 2})
    q = Probe()
    q.busy("b", 0, 5, "fw")
    q.busy("b", 4, 6, "fw")  # unregistered: capacity 1
    with pytest.raises(AssertionError):
        q.check(6)


def test_check_catches_busy_beyond_elapsed_and_energy_mismatch():
    p = Probe()
    p.busy("a", 0, 10, "fw")
    with pytest.raises(AssertionError, match="elapsed"):
        p.check(8)
    q = Probe()
    q.charge("array", "fw", 1.0)
    q._total_j += 1.0  # corrupt the running total
    with pytest.raises(AssertionError, match="energy"):
        q.check(0)


def test_queue_depth_series_from_the_waits():
    p = Probe()
    p.wait("dram", 3, 9)  # queued at 3, granted at 9
    p.wait("dram", 4, 9)
    p.wait("dram", 5, 5)  # granted at once: never in the queue
    p.wait("dram", 9, 12)  # joins as the first two leave
    assert p.queue_series("dram") == [(3, 1), (4, 2), (9, 1), (12, 0)]
    assert p.contention(20)[0]["queue_max"] == 2
    assert p.queue_series("sram") == []


def test_registered_kind_and_layer():
    p = Probe()
    p.register("wgu2", kind="weight_gradient", layer=1)
    p.register("layer1.sub0.0", kind="subarray", layer=0)
    p.register("dram", 2, kind="dram")
    p.register("global_buffer", kind="buffer")
    p.register("layer1.sub1.0", kind="subarray", layer=0)
    p.register("wgu2", kind="weight_gradient", layer=1)  # the same registration again is fine
    assert p.kind("wgu2") == "weight_gradient" and p.layer("wgu2") == 1
    assert p.kind("dram") == "dram" and p.layer("dram") is None and p.capacity["dram"] == 2
    # display order: kind (RESOURCE_KINDS order), then layer, then registration order
    order = sorted(p.resources(), key=p.display_key)
    assert order == ["layer1.sub0.0", "layer1.sub1.0", "global_buffer", "wgu2", "dram"]
    assert [p.kind(r) for r in order] == sorted((p.kind(r) for r in order), key=RESOURCE_KINDS.index)


def test_register_rejects_bad_or_conflicting_declarations():
    p = Probe()
    with pytest.raises(ValueError, match="unknown kind"):
        p.register("x", kind="wgu")
    with pytest.raises(ValueError, match="layer"):
        p.register("x", kind="subarray", layer=-1)
    with pytest.raises(ValueError, match="capacity"):
        p.register("x", 0, kind="digital")
    p.register("x", kind="subarray", layer=0)
    with pytest.raises(ValueError, match="already registered"):
        p.register("x", kind="subarray", layer=1)
    with pytest.raises(ValueError, match="already registered"):
        p.register("x", 2, kind="subarray", layer=0)
    q = Probe()
    q.busy("never", 0, 1, "fw")  # recording works unregistered, but its kind is unknown
    with pytest.raises(KeyError, match="never registered"):
        q.kind("never")


def test_multi_unit_intervals_count_unit_cycles():
    p = Probe()
    p.register("dram", 8, kind="dram")
    p.busy("dram", 0, 10, "wg", 0, bits=4096, units=8)  # every channel for 10 cycles
    p.busy("dram", 10, 20, "wg", 1, bits=512)  # one channel (units default to 1)
    p.busy("dram", 10, 20, "wg", 1, bits=1024, units=2)
    # the interval tuples keep their shape; the units come alongside, in the same order
    assert p.intervals("dram") == [(0, 10, "wg", 0, 4096), (10, 20, "wg", 1, 512), (10, 20, "wg", 1, 1024)]
    assert p.units("dram") == [8, 1, 2] and p.units("nothing") == []
    assert p.busy_cycles("dram") == 80 + 10 + 20
    assert p.utilization(20)["dram"] == pytest.approx(110 / (8 * 20))
    row = p.contention(20)[0]
    assert row["busy_cycles"] == 110 and row["bytes"] == (4096 + 512 + 1024) / 8
    p.check(20)


def test_check_sums_units_held():
    p = Probe()
    p.register("dram", 8, kind="dram")
    p.busy("dram", 0, 10, "wg", units=8)
    p.busy("dram", 10, 12, "wg", units=8)  # back to back: the end at 10 frees all 8
    p.busy("dram", 12, 14, "wg", units=5)
    p.busy("dram", 12, 14, "wg", units=3)
    p.check(14)
    p.busy("dram", 13, 15, "wg")  # two intervals overlap it, but 5 + 3 + 1 = 9 servers > 8
    with pytest.raises(AssertionError, match="9 servers held by overlapping intervals at cycle 13, capacity 8"):
        p.check(15)
    q = Probe()
    q.register("dram", 4, kind="dram")
    q.busy("dram", 0, 1, "wg", units=5)  # more servers than the resource has
    with pytest.raises(AssertionError, match="holds 5 servers, capacity 4"):
        q.check(10)


@pytest.mark.parametrize("units", [0, -2, True, 1.5, "2"])
def test_busy_rejects_bad_units(units):
    with pytest.raises(ValueError, match="units"):
        Probe().busy("r", 0, 1, "fw", units=units)
