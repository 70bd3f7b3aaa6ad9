"""Engine components on a real SimPy environment: queueing, timing, energy and real subarray reads."""

import math

import numpy as np
import pytest
import simpy

from cyclesim import kernels
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


def _run_dram(channels, n=8, bits=4096):
    env, probe = simpy.Environment(), Probe()
    dram = Dram(
        env,
        "dram",
        channels=channels,
        bandwidth_bit_per_s=1e9 * 64,
        latency_s=10e-9,
        energy_j_per_bit=4e-12,
        clock_hz=1e9,
        probe=probe,
    )
    for _ in range(n):
        env.process(dram.transfer(bits, "wg", 1))
    env.run()
    return env, probe, dram


def test_dram_channels_divide_time_and_show_waits():
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
    _done(env1, p1)
    _done(env4, p4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(bandwidth_bit_per_s=0.0), "bandwidth"),
        (dict(channels=0), "channels"),
        (dict(clock_hz=0), "clock_hz"),
        (dict(latency_s=-1e-9), "latency"),
    ],
)
def test_dram_rejects_bad_parameters(kwargs, match):
    args = dict(channels=2, bandwidth_bit_per_s=1e10, latency_s=1e-8, energy_j_per_bit=1e-12, clock_hz=1e9)
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


def test_subarray_read_returns_kernel_result_and_takes_cycles():
    rng = np.random.default_rng(0)
    x = rng.integers(-127, 128, size=(4, 100))
    g = rng.uniform(0.1, 1.0, size=(128, 64)).astype(np.float32)
    sl = g[:100, :40]  # ragged slice of a 128 x 64 subarray
    env, probe = simpy.Environment(), Probe()
    sub = Subarray(env, "sub.0.0", 128, 64, probe, layer=0)
    out = {}

    def proc():
        out["y"] = yield from sub.read(
            x,
            sl,
            0.55,
            bits=8,
            signed=True,
            adc_bits=5,
            cols_per_sub=64,
            phase="fw",
            layer=0,
            cycles=42,
            energy_j={"array": 1e-12, "adc": 3e-12, "accumulation": 0.5e-12},
        )
        out["t"] = env.now
        yield from sub.program(cycles=10, energy_j=2e-12, phase="wu", layer=0)

    env.process(proc())
    env.run()
    want = kernels.mvm_bitserial(x, sl, 0.55, 8, True, 128, 64, 5)
    assert np.array_equal(out["y"], want)
    assert out["t"] == 42 and env.now == 52
    by_c = probe.energy_by_component()
    assert by_c["array"] == pytest.approx(3e-12) and by_c["adc"] == pytest.approx(3e-12)
    assert probe.energy_by_phase()["wu"] == pytest.approx(2e-12)
    assert [iv[:3] for iv in probe.intervals("sub.0.0")] == [(0, 42, "fw"), (42, 52, "wu")]
    assert probe.kind("sub.0.0") == "subarray" and probe.layer("sub.0.0") == 0
    with pytest.raises(ValueError, match="exceeds"):
        _bad_read(sub, rng)
    _done(env, probe)


def _bad_read(sub, rng):
    big = rng.uniform(0.1, 1.0, size=(200, 64)).astype(np.float32)
    x = np.zeros((1, 200), dtype=np.int64)
    return next(
        sub.read(x, big, 0.55, bits=8, signed=False, adc_bits=5, cols_per_sub=64, phase="fw", cycles=1, energy_j={})
    )


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


def test_subarray_reads_assemble_the_layer_read():
    """Tiling a 200 x 100 layer on 128 x 64 subarrays: the row-subarrays' results, summed in order,
    and the column-subarrays' results, side by side, equal the whole layer's kernel read."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(3, 200))
    g = rng.uniform(0.1, 1.0, size=(200, 100)).astype(np.float32)
    env, probe = simpy.Environment(), Probe()
    subs = {(i, j): Subarray(env, f"sub.{i}.{j}", 128, 64, probe) for i in range(2) for j in range(2)}
    parts = {}

    def read(i, j):
        r, c = slice(128 * i, 128 * (i + 1)), slice(64 * j, 64 * (j + 1))
        parts[i, j] = yield from subs[i, j].read(
            x[:, r],
            g[r, c],
            0.55,
            bits=8,
            signed=False,
            adc_bits=4,
            cols_per_sub=64,
            phase="fw",
            layer=0,
            cycles=8,
            energy_j={"array": 1e-12},
        )

    for key in subs:
        env.process(read(*key))
    env.run()
    assert env.now == 8  # four subarrays read in parallel
    y = np.concatenate([parts[0, j] + parts[1, j] for j in range(2)], axis=1)
    assert np.array_equal(y, kernels.mvm_bitserial(x, g, 0.55, 8, False, 128, 64, 4))
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
