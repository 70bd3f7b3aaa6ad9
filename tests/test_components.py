"""Engine components on a real SimPy environment: queueing, timing, energy and real subarray reads."""

import math

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from cyclesim.engine import (
    Buffer,
    Dram,
    HTree,
    Port,
    Probe,
    Subarray,
    Unit,
    Wgu,
    to_cycles,
)
from cyclesim.engine.components import Step, run_steps
from cyclesim.hw.circuits import Cost


def _cost(energy_j, delay_cycles):
    return Cost(area_um2=1.0, energy_j=energy_j, delay_cycles=delay_cycles, leakage_w=0.0)


def _done(env, probe):
    elapsed = env.now
    probe.check(elapsed)
    return elapsed


def test_to_cycles_rounds_up_at_least_one():
    assert to_cycles(0.0) == 1
    assert to_cycles(0.3) == 1
    assert to_cycles(2.0) == 2
    assert to_cycles(2.0000000000004) == 2
    assert to_cycles(2.01) == 3
    with pytest.raises(ValueError):
        to_cycles(float("nan"))


def test_buffer_second_process_waits_first_busy_time():
    env, probe = simpy.Environment(), Probe()
    # 128-bit port, 2 cycles and 128 pJ per access
    buf = Buffer(env, "buf", 128, _cost(128e-12, 1.3), _cost(256e-12, 2.0), probe)
    done = {}

    def proc(tag, bits):
        yield from buf.read(bits, "fw", 0)
        done[tag] = env.now

    env.process(proc("a", 300))  # ceil(300/128) = 3 accesses x 2 cycles = 6
    env.process(proc("b", 128))  # 1 access = 2 cycles, after a
    env.run()
    assert done == {"a": 6, "b": 8}
    assert probe.waits("buf") == [0, 6]
    assert probe.intervals("buf") == [(0, 6, "fw", 0, 300), (6, 8, "fw", 0, 128)]
    row = probe.contention(env.now)[0]
    assert row["resource"] == "buf" and row["requests"] == 2
    assert row["wait_max_cycles"] == 6 and row["wait_mean_cycles"] == 3
    assert row["bytes"] == (300 + 128) / 8
    assert probe.queue_series("buf") == [(0, 1), (6, 0)]
    assert probe.energy_by_component()["buffer"] == pytest.approx(428 * 1e-12)
    assert buf.access_cycles(300) == 6 and buf.access_cycles(300, write=True) == 6
    _done(env, probe)


def test_buffer_write_and_zero_bits():
    env, probe = simpy.Environment(), Probe()
    buf = Buffer(env, "buf", 64, _cost(64e-12, 1.0), _cost(128e-12, 3.0), probe, ports=2)
    env.process(buf.write(64, "wu", 2))
    env.process(buf.write(65, "wu", 2))  # second port: no wait, 2 accesses x 3 cycles
    env.process(buf.read(0, "wu"))  # no-op
    env.run()
    assert env.now == 6
    assert probe.waits("buf") == [0, 0]
    assert probe.energy_by_phase()["wu"] == pytest.approx(129 * 2e-12)
    _done(env, probe)


def _dram(env, probe, channels, interleave=True, burst_bits=512):
    """64 Gbit/s per channel, 10 ns latency, 4 pJ/bit, 1 GHz (one cycle = 1 ns = 64 bits)."""
    return Dram(
        env,
        "dram",
        channels=channels,
        bandwidth_bit_per_s=1e9 * 64,
        latency_s=10e-9,
        energy_j_per_bit=4e-12,
        clock_hz=1e9,
        probe=probe,
        burst_bits=burst_bits,
        interleave=interleave,
    )


def _run_dram(channels, n=8, bits=4096, interleave=False):
    env, probe = simpy.Environment(), Probe()
    dram = _dram(env, probe, channels, interleave)
    for _ in range(n):
        env.process(dram.transfer(bits, "wg", 1))
    env.run()
    return env, probe, dram


def test_dram_channels_divide_time_and_show_waits():
    """Without interleaving every transfer holds one channel (the behaviour before interleaving)."""
    env1, p1, d1 = _run_dram(1)
    env4, p4, d4 = _run_dram(4)
    per = d1.transfer_cycles(4096)
    assert per == math.ceil((10e-9 + 4096 / 64e9) * 1e9) == 74
    assert env1.now == 8 * per and env4.now == 2 * per
    assert env1.now / env4.now == pytest.approx(4.0)
    row1 = {r["resource"]: r for r in p1.contention(env1.now)}["dram"]
    row4 = {r["resource"]: r for r in p4.contention(env4.now)}["dram"]
    assert row1["requests"] == row4["requests"] == 8
    assert row1["wait_max_cycles"] == 7 * per and row4["wait_max_cycles"] == per
    assert row1["wait_mean_cycles"] > row4["wait_mean_cycles"] > 0
    assert row1["utilization"] == pytest.approx(1.0) and row4["utilization"] == pytest.approx(1.0)
    assert row4["capacity"] == 4 and row4["bytes"] == 8 * 4096 / 8
    assert p1.energy_by_component()["dram"] == pytest.approx(8 * 4096 * 4e-12)
    assert p4.units("dram") == [1] * 8
    _done(env1, p1)
    _done(env4, p4)


@pytest.mark.parametrize(
    "bits, k, cycles",
    [
        (1, 1, 11),  # 10 + 1/64
        (300, 1, 15),  # 10 + 300/64 = 14.7
        (512, 1, 18),  # one burst: one channel, 10 + 8
        (513, 2, 15),  # two bursts: 10 + 513/128 = 14.008
        (4096, 8, 18),  # eight bursts: every channel, 10 + 4096/512
        (1_000_000, 8, 1964),  # 10 + 1e6/512 = 1963.125
    ],
)
def test_dram_interleaved_transfer_time(bits, k, cycles):
    """time = latency + bits / (k * bandwidth per channel), k = min(channels, ceil(bits / burst))."""
    env, probe = simpy.Environment(), Probe()
    dram = _dram(env, probe, 8)
    assert dram.transfer_channels(bits) == k == min(8, math.ceil(bits / 512))
    assert dram.transfer_cycles(bits) == cycles == to_cycles((10e-9 + bits / (k * 64e9)) * 1e9)
    env.process(dram.transfer(bits, "wg", 0))
    env.run()
    assert env.now == cycles
    assert probe.intervals("dram") == [(0, cycles, "wg", 0, bits)]
    assert probe.units("dram") == [k]
    assert probe.energy_by_component()["dram"] == pytest.approx(bits * 4e-12)  # energy per bit, unchanged
    assert probe.busy_cycles("dram") == k * cycles
    assert probe.utilization(env.now)["dram"] == pytest.approx(k / 8)
    assert dram.transfer_channels(0) == dram.transfer_cycles(0) == 0
    _done(env, probe)


def test_dram_without_interleave_keeps_one_channel_timing():
    """interleave=False: one channel per transfer, cycles = ceil((latency + bits / bandwidth) * clock)
    exactly as before interleaving existed."""
    env, probe = simpy.Environment(), Probe()
    off = _dram(env, probe, 8, interleave=False)
    for bits in (1, 64, 511, 512, 513, 4096, 12_345, 1_000_000, 6_451_200):
        assert off.transfer_channels(bits) == 1
        assert off.transfer_cycles(bits) == max(1, math.ceil((10e-9 + bits / 64e9) * 1e9 - 1e-9))
    env.process(off.transfer(1_000_000, "wg", 0))
    env.run()
    assert env.now == 10 + 15625 and probe.units("dram") == [1]
    _done(env, probe)


def _transfers(sizes, channels=8):
    env, probe = simpy.Environment(), Probe()
    dram = _dram(env, probe, channels)
    ends = {}

    def go(tag, bits):
        yield from dram.transfer(bits, "wg", 2)
        ends[tag] = env.now

    for i, bits in enumerate(sizes):
        env.process(go(i, bits))
    env.run()
    return env, probe, ends


def test_dram_two_large_transfers_queue_two_small_run_in_parallel():
    big = 1_000_000  # takes all 8 channels for 1964 cycles
    env, probe, ends = _transfers([big, big])
    assert ends == {0: 1964, 1: 2 * 1964}  # the second waits for all 8 channels
    assert probe.waits("dram") == [0, 1964]
    assert probe.units("dram") == [8, 8]
    assert probe.utilization(env.now)["dram"] == pytest.approx(1.0)
    assert probe.queue_series("dram") == [(0, 1), (1964, 0)]
    _done(env, probe)
    env, probe, ends = _transfers([512, 512])  # one burst each: one channel each, side by side
    assert ends == {0: 18, 1: 18} and probe.waits("dram") == [0, 0] and probe.units("dram") == [1, 1]
    _done(env, probe)


def test_dram_small_transfers_wait_behind_a_large_one_in_arrival_order():
    """A small transfer on a free channel does not overtake an earlier large one that waits for all
    channels (no starvation of large transfers); once the large one is done, the small ones that
    queued behind it start together."""
    big = 1_000_000
    env, probe, ends = _transfers([512, big, 512, 512])
    assert ends[0] == 18  # one channel, at once
    assert ends[1] == 18 + 1964  # waits for the 8th channel
    assert ends[2] == ends[3] == 18 + 1964 + 18  # 7 channels were free, yet they queue behind the big one
    assert probe.waits("dram") == [0, 18, 18 + 1964, 18 + 1964]
    assert probe.units("dram") == [1, 8, 1, 1]
    _done(env, probe)


def test_port_multi_unit_holds_are_fifo_and_atomic():
    env, probe = simpy.Environment(), Probe()
    port = Port(env, "p", 3, probe, kind="digital")
    log = []

    def user(tag, delay, units, cycles):
        yield env.timeout(delay)
        yield from port.use(cycles, "fw", None, units=units)
        log.append((tag, env.now))

    env.process(user("a", 0, 1, 10))  # [0, 10) one unit
    env.process(user("b", 1, 3, 5))  # needs all three: waits for a, [10, 15)
    env.process(user("c", 2, 1, 1))  # two units are free at 2, but b came first: [15, 16)
    env.process(user("d", 3, 2, 4))  # [15, 19) beside c
    env.run()
    assert log == [("a", 10), ("b", 15), ("c", 16), ("d", 19)]
    assert probe.waits("p") == [0, 9, 13, 12]
    assert probe.units("p") == [1, 3, 1, 2]
    assert [iv[:2] for iv in probe.intervals("p")] == [(0, 10), (10, 15), (15, 16), (15, 19)]
    assert probe.busy_cycles("p") == 10 + 15 + 1 + 8
    _done(env, probe)


@pytest.mark.parametrize("units", [0, 4, -1, True, 1.0])
def test_port_rejects_bad_units(units):
    env, probe = simpy.Environment(), Probe()
    port = Port(env, "p", 3, probe, kind="digital")
    with pytest.raises(ValueError, match="units"):
        next(port.use(1, "fw", units=units))


def _dfa_iteration(interleave):
    """One simulated iteration of a small DFA workload (as tests/test_schedule.py builds one)."""
    from cyclesim import data
    from cyclesim.config import Chip, Network, Training, Workload
    from cyclesim.engine import schedule
    from cyclesim.hw import inventory
    from cyclesim.learn.train import Trainer

    wl = Workload(
        rule="dfa", network=Network(sizes=(784, 512, 512, 10)), dataset="synthetic",
        chip=Chip(dram_interleave=interleave), training=Training(epochs=1, batch_size=20, train_limit=200),
    )  # fmt: skip
    tr = Trainer(wl, data.synthetic(0, 600, 100), np.random.SeedSequence(0))
    _, traces = tr.run_epoch(1, record=[3])
    return schedule.simulate(inventory.of(wl), tr.net, traces[0])


def test_interleaving_end_to_end():
    """Off: the old behaviour (one channel per transfer), reproduced exactly on a recomputation;
    on: no slower, the same energy, multi-channel transfers recorded and within capacity."""
    off, off_again, on = _dfa_iteration(False), _dfa_iteration(False), _dfa_iteration(True)
    assert off.cycles == off_again.cycles
    assert off.probe.intervals("dram") == off_again.probe.intervals("dram")
    assert set(off.probe.units("dram")) == {1}
    assert on.cycles <= off.cycles
    assert max(on.probe.units("dram")) == on.probe.capacity["dram"] > 1
    assert on.probe.total_energy_j == pytest.approx(off.probe.total_energy_j, rel=1e-12)
    assert sum(iv[4] for iv in on.probe.intervals("dram")) == sum(iv[4] for iv in off.probe.intervals("dram"))
    for r in (off, on):
        r.probe.check(r.cycles)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(bandwidth_bit_per_s=0.0), "bandwidth"),
        (dict(channels=0), "channels"),
        (dict(clock_hz=0), "clock_hz"),
        (dict(latency_s=-1e-9), "latency"),
        (dict(burst_bits=0), "burst_bits"),
        (dict(interleave="yes"), "interleave"),
    ],
)
def test_dram_rejects_bad_parameters(kwargs, match):
    args = dict(
        channels=2, bandwidth_bit_per_s=1e10, latency_s=1e-8, energy_j_per_bit=1e-12, clock_hz=1e9, burst_bits=256
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        Dram(simpy.Environment(), "dram", probe=Probe(), **args)


def test_htree_send_timing_and_arbitration():
    env, probe = simpy.Environment(), Probe()
    link = HTree(env, "htree.t0", 64, _cost(64 * 0.1e-12, 2.4), probe)  # latency ceil(2.4) = 3
    ends = []

    def send(bits):
        yield from link.send(bits, "fw", 0)
        ends.append(env.now)

    env.process(send(1000))  # 3 + ceil(1000/64) = 3 + 16 = 19
    env.process(send(64))  # queued behind: 19 + 3 + 1
    env.run()
    assert link.send_cycles(1000) == 19
    assert ends == [19, 23]
    assert probe.waits("htree.t0") == [0, 19]
    assert probe.energy_by_component()["interconnect"] == pytest.approx(1064 * 0.1e-12)
    _done(env, probe)


def test_subarray_read_takes_cycles_and_charges():
    env, probe = simpy.Environment(), Probe()
    sub = Subarray(env, "sub.0.0", 128, 64, probe, layer=0)
    out = {}

    def proc():
        yield from sub.read(
            phase="fw", layer=0, cycles=42, energy_j={"array": 1e-12, "adc": 3e-12, "accumulation": 0.5e-12}
        )
        out["t"] = env.now
        yield from sub.program(cycles=10, energy_j=2e-12, phase="wu", layer=0)

    env.process(proc())
    env.run()
    assert out["t"] == 42 and env.now == 52
    by_c = probe.energy_by_component()
    assert by_c["array"] == pytest.approx(3e-12) and by_c["adc"] == pytest.approx(3e-12)
    assert probe.energy_by_phase()["wu"] == pytest.approx(2e-12)
    assert [iv[:3] for iv in probe.intervals("sub.0.0")] == [(0, 42, "fw"), (42, 52, "wu")]
    assert probe.kind("sub.0.0") == "subarray" and probe.layer("sub.0.0") == 0
    with pytest.raises(TypeError, match="energy_j"):
        next(sub.read(phase="fw", cycles=1, energy_j=1e-12))
    _done(env, probe)


def test_subarrays_read_in_parallel():
    env, probe = simpy.Environment(), Probe()
    subs = [Subarray(env, f"sub.{i}.{j}", 128, 64, probe) for i in range(2) for j in range(2)]
    for sa in subs:
        env.process(sa.read(phase="fw", layer=0, cycles=8, energy_j={"array": 1e-12}))
    env.run()
    assert env.now == 8  # four subarrays read in parallel
    assert probe.energy_by_component()["array"] == pytest.approx(4e-12)
    _done(env, probe)


def test_wgu_and_unit():
    env, probe = simpy.Environment(), Probe()
    wgu = Wgu(env, "wgu2", probe, layer=1)
    acc = Unit(env, "acc", _cost(1e-13, 0.4), probe, lanes=16)
    env.process(wgu.outer(128, 128, phase="wg", layer=1, cycles=300, energy_j=5e-9))
    env.process(wgu.outer(128, 128, phase="wg", layer=1, cycles=300, energy_j=5e-9))
    env.process(acc.run(100, "fw", 0))  # ceil(100/16) = 7 cycles
    env.run()
    assert env.now == 600
    assert probe.intervals("acc") == [(0, 7, "fw", 0, 0)]
    assert probe.waits("wgu2") == [0, 300]
    assert probe.energy_by_component()["weight_gradient"] == pytest.approx(1e-8)
    assert probe.energy_by_component()["accumulation"] == pytest.approx(1e-11)
    _done(env, probe)


def test_port_rejects_fractional_cycles():
    env, probe = simpy.Environment(), Probe()
    port = Port(env, "p", 1, probe, kind="digital")
    env.process(port.use(3, "fw"))
    env.run()
    with pytest.raises(TypeError):
        next(port.use(2.5, "fw"))
    assert env.now == 3
    _done(env, probe)


def test_components_register_their_kind_and_layer():
    env, probe = simpy.Environment(), Probe()
    Subarray(env, "layer2.sub0.0", 128, 128, probe, layer=1)
    Buffer(env, "global_buffer", 128, _cost(1e-12, 1), _cost(1e-12, 1), probe)
    HTree(env, "chip_htree", 128, _cost(1e-12, 1), probe)
    Dram(
        env,
        "dram",
        channels=2,
        bandwidth_bit_per_s=1e9,
        latency_s=0.0,
        energy_j_per_bit=1e-12,
        clock_hz=1e9,
        probe=probe,
        burst_bits=256,
    )
    Wgu(env, "wgu", probe)
    Wgu(env, "wgu3", probe, layer=2)
    Unit(env, "activation", _cost(1e-13, 1), probe, category="other")
    got = {r: (probe.kind(r), probe.layer(r)) for r in probe.resources()}
    assert got == {
        "layer2.sub0.0": ("subarray", 1),
        "global_buffer": ("buffer", None),
        "chip_htree": ("interconnect", None),
        "dram": ("dram", None),
        "wgu": ("weight_gradient", None),
        "wgu3": ("weight_gradient", 2),
        "activation": ("digital", None),
    }


# -- the queue and the step sequences against references ---------------------------------------------

_arrivals = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 20)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(capacity=st.integers(1, 3), requests=_arrivals)
def test_port_grants_one_unit_requests_as_a_fifo_simpy_resource(capacity, requests):
    """Requests for one server each (arriving at a time, holding a number of cycles) are granted at
    the times SimPy's own first-come first-served `simpy.Resource` grants them."""

    def grants(port_kind: str) -> dict:
        env, probe, out = simpy.Environment(), Probe(), {}
        res = simpy.Resource(env, capacity) if port_kind == "simpy" else Port(env, "p", capacity, probe, kind="digital")

        def user(i, arrival, cycles):
            yield env.timeout(arrival)
            if port_kind == "simpy":
                with res.request() as req:
                    yield req
                    out[i] = env.now
                    yield env.timeout(cycles)
            else:
                yield from res.use(cycles, "fw")
                out[i] = env.now - cycles

        for i, (arrival, cycles) in enumerate(requests):
            env.process(user(i, arrival, cycles))
        env.run()
        return out

    assert grants("port") == grants("simpy")


_step = st.tuples(st.integers(0, 2), st.integers(1, 3), st.integers(1, 25), st.floats(0.0, 1e-9))
_sequences = st.lists(st.tuples(st.integers(0, 40), st.lists(_step, min_size=1, max_size=8)), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(capacities=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)), sequences=_sequences)
def test_run_steps_gives_every_record_of_the_steps_run_one_by_one(capacities, sequences):
    """Processes that each start at a time and run a list of steps (port, units, cycles, joules) on
    three shared ports: `run_steps` gives the same busy intervals, waits, queue, energy (bit for bit,
    charged in the same order) and end time as each step run on its own (`Port.run`)."""

    def simulate(batched: bool):
        env, probe = simpy.Environment(), Probe()
        ports = [Port(env, f"p{k}", c, probe, kind="digital") for k, c in enumerate(capacities)]
        cats = ("array", "adc", "dram")

        def proc(start, specs):
            yield env.timeout(start)
            steps = [
                Step(ports[k], cycles, "wg", 0, 8, min(units, ports[k].capacity), cats[k], joules)
                for k, units, cycles, joules in specs
            ]
            if batched:
                yield from run_steps(env, steps)
            else:
                for s in steps:
                    yield from s.port.run(s)

        for start, specs in sequences:
            env.process(proc(start, specs))
        env.run()
        probe.check(env.now)
        return (
            env.now,
            {p.name: (probe.intervals(p.name), probe.units(p.name), sorted(probe.waits(p.name))) for p in ports},
            {p.name: probe.queue_series(p.name) for p in ports},
            probe.energy_table(),
            probe.total_energy_j,
        )

    assert simulate(True) == simulate(False)
