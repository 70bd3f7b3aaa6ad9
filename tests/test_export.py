"""Chrome trace and per-layer CSV export of one simulated iteration."""

from __future__ import annotations

import math
from collections import defaultdict
from types import SimpleNamespace

import numpy
import pytest

from cyclesim import data
from cyclesim.config import Network, Training, Workload
from cyclesim.engine.probe import Probe
from cyclesim.engine.schedule import simulate
from cyclesim.hw import inventory
from cyclesim.learn.train import Trainer
from cyclesim.report.export import chrome_trace
from cyclesim.terms import RESOURCE_KINDS


@pytest.fixture(scope="module", params=["bp", "dfa"])
def result(request):
    wl = Workload(
        rule=request.param,
        network=Network(sizes=(784, 64, 32, 10)),
        dataset="synthetic",
        training=Training(epochs=0, batch_size=20, train_limit=200),
    )
    tr = Trainer(wl, data.synthetic(0, 400, 100), numpy.random.SeedSequence(0))
    return simulate(inventory.of(wl), tr.net, tr.trace_first_batch())


def _threads(doc) -> dict[int, str]:
    return {e["tid"]: e["args"]["name"] for e in doc["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"}


def _resource_of(thread: str) -> str:
    return thread.split("[", 1)[0]


def _xs(doc) -> list[dict]:
    return [e for e in doc["traceEvents"] if e["ph"] == "X"]


def test_events_have_required_fields(result):
    doc = chrome_trace(result)
    assert doc["displayTimeUnit"] == "ns"
    assert doc["otherData"]["clock_hz"] == result.clock_hz
    assert doc["otherData"]["cycles"] == result.cycles
    kinds = defaultdict(int)
    for e in doc["traceEvents"]:
        for key in ("ph", "pid", "tid", "name"):
            assert key in e, (key, e)
        assert e["pid"] == 1
        kinds[e["ph"]] += 1
        if e["ph"] in ("X", "C"):
            assert isinstance(e["ts"], float) and e["ts"] >= 0
        if e["ph"] == "X":
            assert e["dur"] >= 0
            assert e["name"] in ("fw", "ag", "wg", "wu") and e["cat"] == e["name"]
            assert set(e["args"]) == {"layer", "bits", "phase"}
            assert e["args"]["phase"] == e["name"]
            assert e["args"]["layer"] is None or e["args"]["layer"] >= 1
        if e["ph"] == "C":
            assert e["name"].startswith("queue ") and "depth" in e["args"]
    assert kinds["X"] == sum(len(result.probe.intervals(r)) for r in result.probe.resources())
    assert kinds["C"] == sum(len(result.probe.queue_series(r)) for r in result.probe.resources())
    procs = [e for e in doc["traceEvents"] if e["ph"] == "M" and e["name"] == "process_name"]
    assert procs and procs[0]["args"]["name"] == "chip"


def test_slices_on_a_thread_never_overlap(result):
    by_tid = defaultdict(list)
    for e in _xs(chrome_trace(result)):
        by_tid[e["tid"]].append((e["ts"], e["ts"] + e["dur"]))
    for tid, spans in by_tid.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start >= end - 1e-9, tid


def test_timestamps_are_microseconds(result):
    xs = _xs(chrome_trace(result))
    last = max(e["ts"] + e["dur"] for e in xs)
    assert math.isclose(last, result.cycles / result.clock_hz * 1e6, rel_tol=1e-9)


def test_threads_named_and_sorted(result):
    doc = chrome_trace(result)
    names = _threads(doc)
    assert {e["tid"] for e in _xs(doc)} <= set(names)
    assert {_resource_of(n) for n in names.values()} == set(result.probe.resources())
    sort = {
        e["tid"]: e["args"]["sort_index"]
        for e in doc["traceEvents"]
        if e["ph"] == "M" and e["name"] == "thread_sort_index"
    }
    assert set(sort) == set(names)
    order = [_resource_of(names[t]) for t in sorted(names, key=sort.get)]
    # by registered kind (subarrays, buffers, H-tree, digital units, WGUs, DRAM), then layer
    probe = result.probe
    kinds = [RESOURCE_KINDS.index(probe.kind(r)) for r in order]
    assert kinds == sorted(kinds)
    subs = [r for r in order if probe.kind(r) == "subarray"]
    assert order[: len(subs)] == subs
    assert [probe.layer(r) for r in subs] == sorted(probe.layer(r) for r in subs)
    rest = order[len(subs) :]
    assert rest.index("global_buffer") < rest.index("chip_htree") < rest.index("accumulation")
    digital = "feedback_mac" if "feedback_mac" in rest else "activation"  # BP has no feedback store
    assert rest.index(digital) < min(i for i, r in enumerate(rest) if r.startswith("wgu"))
    assert rest[-1] == "dram"


def test_busy_totals_match_probe(result):
    doc = chrome_trace(result)
    names = _threads(doc)
    busy_us = defaultdict(float)
    for e in _xs(doc):
        busy_us[_resource_of(names[e["tid"]])] += e["dur"]
    for res in result.probe.resources():
        want = sum(end - start for start, end, *_ in result.probe.intervals(res))
        got = busy_us[res] * result.clock_hz / 1e6
        assert math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9), res


def test_dram_lanes_within_capacity(result):
    doc = chrome_trace(result)
    names = _threads(doc)
    cap = result.probe.capacity["dram"]
    assert cap > 1
    lanes = {n for n in names.values() if _resource_of(n) == "dram"}
    assert 1 <= len(lanes) <= cap
    assert lanes == {f"dram[{i}]" for i in range(len(lanes))}


def test_window_clips(result):
    lo, hi = result.cycles // 4, result.cycles // 2
    doc = chrome_trace(result, window=(lo, hi))
    full = chrome_trace(result)
    us = 1e6 / result.clock_hz
    xs = _xs(doc)
    assert 0 < len(xs) < len(_xs(full))
    for e in xs:
        assert e["ts"] >= lo * us - 1e-9
        assert e["ts"] + e["dur"] <= hi * us + 1e-9
    for e in doc["traceEvents"]:
        if e["ph"] == "C":
            assert lo * us - 1e-9 <= e["ts"] < hi * us
    # the clipped busy time equals the probe's intervals intersected with the window
    want = sum(
        max(0, min(e, hi) - max(s, lo)) for r in result.probe.resources() for s, e, *_ in result.probe.intervals(r)
    )
    assert math.isclose(sum(e["dur"] for e in xs) / us, want, rel_tol=1e-6)
    assert doc["otherData"]["window"] == [lo, hi]


def _fake(probe: Probe, cycles: int) -> SimpleNamespace:
    """The part of an IterationResult that chrome_trace reads."""
    return SimpleNamespace(cycles=cycles, clock_hz=2e9, probe=probe)


def test_lanes_and_clipping_by_hand():
    p = Probe()
    p.register("dram", 2, kind="dram")
    p.register("layer1.sub0.0", kind="subarray", layer=0)
    p.busy("dram", 0, 10, "fw", 0, 64)
    p.busy("dram", 5, 15, "fw", 1, 64)
    p.busy("dram", 10, 20, "ag", None, 32)  # lane 0 is free again at 10
    p.busy("layer1.sub0.0", 0, 4, "fw", 0)
    p.wait("dram", 3, 12)  # one request queued over [3, 12)
    doc = chrome_trace(_fake(p, 20))
    names = _threads(doc)
    lanes = defaultdict(list)
    for e in _xs(doc):
        lanes[names[e["tid"]]].append((e["ts"] * 2e3, e["dur"] * 2e3, e["args"]["layer"]))
    assert lanes == {"dram[0]": [(0, 10, 1), (10, 10, None)], "dram[1]": [(5, 10, 2)], "layer1.sub0.0": [(0, 4, 1)]}
    # window [8, 13): clipped slices, and the queue depth in force at 8 (1) starts the series
    doc = chrome_trace(_fake(p, 20), window=(8, 13))
    got = sorted((names[e["tid"]], e["ts"] * 2e3, e["dur"] * 2e3) for e in _xs(doc))
    assert got == [("dram[0]", 8, 2), ("dram[0]", 10, 3), ("dram[1]", 8, 5)]
    cs = [(e["ts"] * 2e3, e["args"]["depth"]) for e in doc["traceEvents"] if e["ph"] == "C"]
    assert cs == [(8, 1), (12, 0)]
    with pytest.raises(ValueError):
        chrome_trace(_fake(p, 20), window=(5, 1))
