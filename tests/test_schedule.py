"""The event-driven iteration: same numbers as the functional model, measured (not computed) latency."""

import attrs
import numpy as np
import pytest
import simpy

from cyclesim import data, rules
from cyclesim.config import Chip, Network, Training, Workload
from cyclesim.engine import schedule
from cyclesim.errors import ConfigError
from cyclesim.hw.floorplan import plan
from cyclesim.learn.train import Trainer
from cyclesim.terms import IDLE, PHASES

DS = data.synthetic(0, 600, 100)


def traced(rule, sizes=(784, 96, 64, 10), batch=20, **chip):
    wl = Workload(
        rule=rule, network=Network(sizes=sizes), dataset="synthetic", chip=Chip(**chip),
        training=Training(epochs=1, batch_size=batch, train_limit=200),
    )  # fmt: skip
    tr = Trainer(wl, DS, np.random.SeedSequence(0))
    _, traces = tr.run_epoch(1, record=[3])
    return wl, tr, traces[0]


@pytest.mark.parametrize("rule", rules.NAMES)
@pytest.mark.parametrize("readout", ["digital_reference", "differential"])
@pytest.mark.parametrize("feedback_store", ["auto", "sram", "rram"])
def test_simulated_iteration_equals_functional_bit_for_bit(rule, readout, feedback_store):
    if feedback_store != "auto" and Workload(rule=rule).feedback_store == "none":
        pytest.skip(f"{rule} has no feedback matrices")
    wl, tr, trace = traced(rule, sizes=(784, 150, 140, 10), subarray=64, readout=readout, feedback_store=feedback_store)
    r = schedule.simulate(wl, plan(wl), tr.net, trace)
    assert np.array_equal(r.y, trace.step.y)
    for mine, theirs in zip(r.deltas, trace.step.deltas):
        assert mine.scale == theirs.scale and np.array_equal(mine.q, theirs.q)
    from cyclesim import kernels

    for l, (x, d) in enumerate(zip(trace.step.inputs, trace.step.deltas)):
        assert np.array_equal(r.grads[l], kernels.outer_product_ref(x.q, d.q))


@pytest.mark.parametrize("rule", rules.NAMES)
def test_conservation(rule):
    wl, tr, trace = traced(rule)
    r = schedule.simulate(wl, plan(wl), tr.net, trace)
    r.probe.check(r.cycles)  # no resource double-booked or busy longer than the iteration
    e = r.probe.energy_by_component()
    assert sum(e.values()) == pytest.approx(r.probe.total_energy_j)
    assert sum(r.phase_time().values()) == pytest.approx(r.cycles)
    assert list(r.phase_time()) == [*PHASES, IDLE]
    assert [list(row) for row in r.per_layer()] == [["layer", *PHASES]] * 3
    assert r.cycles > 0 and r.events > 100


@pytest.mark.parametrize("wgu", ["per_layer", "shared"])
def test_resources_registered_with_kind_and_layer(wgu):
    wl, tr, trace = traced("dfa", wgu=wgu)
    probe = schedule.simulate(wl, plan(wl), tr.net, trace).probe
    subs = [r for r in probe.resources() if probe.kind(r) == "subarray"]
    assert subs and all(r.startswith(f"layer{probe.layer(r) + 1}.sub") for r in subs)
    wgus = {r: probe.layer(r) for r in probe.resources() if probe.kind(r) == "weight_gradient"}
    assert wgus == ({"wgu1": 0, "wgu2": 1, "wgu3": 2} if wgu == "per_layer" else {"wgu": None})
    kinds = {probe.kind(r): probe.layer(r) for r in ("global_buffer", "chip_htree", "dram", "accumulation")}
    assert kinds == {"buffer": None, "interconnect": None, "dram": None, "digital": None}


def test_dfa_advantage_grows_with_depth_and_needs_per_layer_wgus():
    ratios, shared = [], []
    for k in (1, 2, 3):
        sizes = (784,) + (512,) * k + (10,)
        wl, tr, trace = traced("bp", sizes=sizes)
        bp = schedule.simulate(wl, plan(wl), tr.net, trace).cycles
        wl, tr, trace = traced("dfa", sizes=sizes)
        dfa = schedule.simulate(wl, plan(wl), tr.net, trace).cycles
        wl_s = attrs.evolve(wl, chip=attrs.evolve(wl.chip, wgu="shared"))
        dfa_shared = schedule.simulate(wl_s, plan(wl_s), tr.net, trace).cycles
        ratios.append(bp / dfa)
        shared.append(bp / dfa_shared)
    assert ratios == sorted(ratios) and ratios[-1] > 1.5
    assert all(s < 1.1 for s in shared)  # one shared WGU serialises DFA's layers again


def test_one_dram_channel_limits_dfa():
    sizes = (784, 128, 128, 128, 10)
    wl, tr, trace = traced("dfa", sizes=sizes)
    results = {}
    for ch in (1, 4):
        w = attrs.evolve(wl, chip=attrs.evolve(wl.chip, dram_channels=ch))
        results[ch] = schedule.simulate(w, plan(w), tr.net, trace)
    assert results[1].cycles > results[4].cycles
    wait = {
        ch: next(r for r in res.probe.contention(res.cycles) if r["resource"] == "dram")["wait_mean_cycles"]
        for ch, res in results.items()
    }
    assert wait[1] > wait[4]


def test_no_progress_is_reported():
    wl, tr, trace = traced("bp")
    it = schedule.Iteration(wl, plan(wl), tr.net, trace)

    def stuck():
        yield it.env.event()  # nothing will ever trigger this

    it.iteration = stuck
    with pytest.raises(ConfigError, match="stopped making progress"):
        it.run()


def test_engine_needs_hardware_mode():
    wl, tr, trace = traced("bp")
    with pytest.raises(ConfigError, match="mode=hardware"):
        schedule.Iteration(attrs.evolve(wl, mode="ideal"), plan(wl), tr.net, trace)


def test_busy_port_makes_the_second_reader_wait():
    """Two PEs sharing one buffer port: the second waits exactly the first's transfer."""
    from cyclesim.engine.components import Buffer
    from cyclesim.engine.probe import Probe
    from cyclesim.hw.circuits import Cost

    env, probe = simpy.Environment(), Probe()
    buf = Buffer(env, "pe_buffer", 128, Cost(0, 1e-12, 2, 0), Cost(0, 1e-12, 2, 0), probe)
    for _ in range(2):
        env.process(buf.read(1280, "fw", 0))
    env.run()
    assert probe.waits("pe_buffer") == [0, 20]


@pytest.mark.parametrize("rule", rules.NAMES)
def test_pipelined_forward_same_numbers_less_time(rule):
    wl, tr, trace = traced(rule, sizes=(784, 150, 140, 10), batch=40)
    seq = schedule.simulate(wl, plan(wl), tr.net, trace)
    wl_p = attrs.evolve(wl, sim=attrs.evolve(wl.sim, dataflow="pipelined"))
    pipe = schedule.simulate(wl_p, plan(wl_p), tr.net, trace)
    assert np.array_equal(pipe.y, seq.y)
    assert all(np.array_equal(a.q, b.q) for a, b in zip(pipe.deltas, seq.deltas))
    assert pipe.phase_time()["fw"] < seq.phase_time()["fw"]
    pipe.probe.check(pipe.cycles)
