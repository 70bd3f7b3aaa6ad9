"""Tests of cyclesim.footprint: the memory estimate (its terms, and against a measured peak), what is
available (meminfo, cgroup v1 and v2, RLIMIT_AS) and the refusal of a run that would not fit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import attrs
import numpy as np
import pytest

from cyclesim import footprint, kernels, runner
from cyclesim.config import Network, Sim, Training, Workload
from cyclesim.errors import MemoryBudgetError, UserError

MIB = 1 << 20


def wl(width: int = 256, **changes) -> Workload:
    base = Workload(
        name="mem",
        network=Network(sizes=(784, width, width, 10)),
        dataset="synthetic",
        training=Training(epochs=1, batch_size=200, train_limit=400, test_limit=200),
    )
    return attrs.evolve(base, **changes)


@pytest.mark.parametrize(
    "rows, cols, batch, bits, signed, sub", [(300, 70, 5, 8, False, 64), (33, 129, 3, 6, True, 32)]
)
def test_partial_sums_are_one_row_subarray_of_the_kernels_arrays(rows, cols, batch, bits, signed, sub):
    """The estimate holds one row-subarray's partial sums (the reference's slice s = 0 without the
    padding of its last column-subarray), whatever the rows, plus the ADC's accumulator, the total (the
    output) and the reference's codes; NeuroSim's quantizer keeps a second set of sums, one per bit plane."""
    rng = np.random.default_rng(0)
    x = rng.integers(-20 if signed else 0, 20, size=(batch, rows)).astype(np.int32)
    g = rng.random((rows, cols), dtype=np.float32)
    psum, _count = kernels.bitserial_sums_ref(x, g, bits, signed, sub, sub)
    planes = 2 * (bits - 1) if signed else bits
    nj = -(-cols // sub)
    sums = psum[0].transpose(0, 2, 1, 3).reshape(planes, batch, nj * sub)[:, :, :cols]
    extra = 4 * (2 * batch * cols + nj * batch + batch)
    assert footprint.psum_bytes(rows, cols, batch, planes, sub) == sums.nbytes + extra
    assert footprint.psum_bytes(rows, cols, batch, planes, sub, True) == 2 * sums.nbytes + extra
    assert footprint.psum_bytes(10 * rows, cols, batch, planes, sub) == footprint.psum_bytes(
        rows, cols, batch, planes, sub
    )


def test_estimate_grows_with_what_it_should():
    small, wide = footprint.estimate(wl(512)), footprint.estimate(wl(2048))
    assert wide.peak > 4 * (small.peak - 100 * MIB)

    assert footprint.estimate(wl(2048, mode="ideal")).peak < wide.peak / 2
    psums = footprint.psum_bytes  # rows, cols, batch, planes, subarray
    assert psums(784, 2048, 400, 8, 128) == pytest.approx(2 * psums(784, 2048, 200, 8, 128), rel=0.01)
    assert psums(784, 2048, 200, 4, 128) < psums(784, 2048, 200, 8, 128)
    assert psums(784, 2048, 200, 8, 256) == pytest.approx(psums(784, 2048, 200, 8, 128), rel=0.05)  # C x B x P


def test_estimate_names_the_peak_phase_and_its_parts():
    est = footprint.estimate(wl(4096))
    assert est.peak == max(est.phases.values()) == sum(est.parts.values())
    assert est.parts == est.phase_parts[est.phase]
    assert set(est.phases) == {"data", "init", "training", "engine"}
    assert "engine" not in footprint.estimate(wl(4096, mode="ideal")).phases
    assert footprint.estimate(wl(4096, sim=Sim(iterations_per_epoch="all"))).peak == est.peak  # one at a time


PEAK = (
    "def peak_kib():\n"
    "    # VmHWM: the peak resident set of this process image. (ru_maxrss would do in a process started\n"
    "    # from a small one, but a child inherits its parent's ru_maxrss across fork and exec.)\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1])\n"
)


def _measured_peak(workload: Workload) -> tuple[float, float]:
    """(peak after the run - peak after the imports, estimate) in MiB, in a fresh process (after a
    warm-up process, so that numba loads its kernels from the cache instead of compiling them)."""
    child = PEAK + (
        "import json, sys\n"
        "from cyclesim import config, footprint, runner\n"
        "wl = config.Workload(name='mem', network=config.Network(sizes=tuple(json.loads(sys.argv[1]))),\n"
        "    dataset='synthetic', training=config.Training(epochs=1, train_limit=400, test_limit=200))\n"
        "base = peak_kib()\n"
        "runner.run(wl)\n"
        "print(json.dumps([peak_kib() - base, footprint.estimate(wl).peak]))\n"
    )
    env = {**os.environ, "CYCLESIM_MEMORY_CHECK": "off"}

    def one(sizes):
        out = subprocess.run([sys.executable, "-c", child, json.dumps(sizes)], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.splitlines()[-1])

    one([784, 16, 10])  # numba's cache warm
    run_kib, estimate = one(list(workload.network.sizes))
    return run_kib / 1024, estimate / MIB


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_estimate_is_within_1_5x_of_the_measured_peak():
    measured, estimate = _measured_peak(wl(1024))
    assert measured / 1.5 <= estimate <= measured * 1.5, (estimate, measured)


def test_available_reads_meminfo_and_the_tightest_limit(monkeypatch):
    monkeypatch.setattr(footprint, "_cgroup_room", lambda: 3 * MIB)
    room, where = footprint.available()
    assert room == 3 * MIB and "cgroup" in where
    monkeypatch.setattr(footprint, "_cgroup_room", lambda: None)
    room, where = footprint.available()
    if sys.platform.startswith("linux"):
        assert room is not None and room > 0 and where


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_room_is_the_least_over_the_ancestors(tmp_path):
    root = tmp_path / "fs"
    write(tmp_path / "cgroup", "0::/a/b\n")
    write(root / "a" / "memory.max", f"{1000 * MIB}\n")
    write(root / "a" / "memory.current", f"{600 * MIB}\n")
    write(root / "a" / "memory.stat", f"anon 1\ninactive_file {100 * MIB}\n")
    write(root / "a" / "b" / "memory.max", "max\n")
    write(root / "a" / "b" / "memory.current", f"{10 * MIB}\n")
    assert footprint._cgroup_room(root, tmp_path / "cgroup") == 500 * MIB  # 1000 - (600 - 100)


def test_cgroup_v1_without_a_limit_and_inside_a_container(tmp_path):
    root = tmp_path / "fs"
    write(tmp_path / "cgroup", "4:memory:/docker/abc\n3:cpu:/x\n")
    write(root / "memory" / "memory.limit_in_bytes", "9223372036854771712\n")  # "no limit"
    assert footprint._cgroup_room(root, tmp_path / "cgroup") is None
    write(root / "memory" / "memory.limit_in_bytes", f"{256 * MIB}\n")  # the container's own root
    write(root / "memory" / "memory.usage_in_bytes", f"{56 * MIB}\n")
    assert footprint._cgroup_room(root, tmp_path / "cgroup") == 200 * MIB
    assert footprint._cgroup_room(root, tmp_path / "missing") is None


def test_check_refuses_in_one_line_naming_both_figures_and_the_fix(monkeypatch):
    monkeypatch.delenv("CYCLESIM_MEMORY_CHECK", raising=False)
    monkeypatch.setattr(footprint, "available", lambda: (200 * MIB, "available"))
    with pytest.raises(MemoryBudgetError) as info:
        footprint.check(wl(4096))
    msg = str(info.value)
    assert isinstance(info.value, UserError) and "\n" not in msg
    assert "needs about 980 MiB" in msg and "only 200 MiB is available" in msg
    assert "lower network.sizes (the widest layer has 4096 units)" in msg
    assert footprint.check(wl(64)).peak < 200 * MIB  # a small run passes
    monkeypatch.setenv("CYCLESIM_MEMORY_CHECK", "off")
    footprint.check(wl(4096))


def test_runner_refuses_before_any_work(monkeypatch):
    monkeypatch.delenv("CYCLESIM_MEMORY_CHECK", raising=False)
    monkeypatch.setattr(footprint, "available", lambda: (10 * MIB, "available"))
    told = []

    class Spy(runner.Observer):
        def started(self, result):
            told.append("started")

    monkeypatch.setattr(runner.floorplan_mod, "plan", lambda *a: told.append("plan"))
    with pytest.raises(MemoryBudgetError):
        runner.run(wl(256), observers=[Spy()])
    assert told == []


def test_a_huge_network_is_refused_without_allocating(monkeypatch):
    monkeypatch.delenv("CYCLESIM_MEMORY_CHECK", raising=False)
    huge = wl(30000)
    est = footprint.estimate(huge)
    assert est.peak > 30 * (1 << 30)
    room, _ = footprint.available()
    if room is None or room > est.peak:
        pytest.skip("this machine has room for it")
    with pytest.raises(MemoryBudgetError, match="784-30000|network.sizes"):
        footprint.check(huge)
