"""Tests of sweeps on a Dask cluster (cyclesim.sweep.cluster, `python -m cyclesim sweep --scheduler`).

A real `dask scheduler` and two `dask worker` processes (one thread each, no nanny) run on 127.0.0.1
for the whole module. The workers' data folder is empty (and downloads are off), so only synthetic
points can run there: a point on MNIST fails on the worker whatever this process's $CYCLESIM_DATA;
their numba cache starts empty, so the first sweep also exercises the warm-up.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from cyclesim import cli  # noqa: E402
from cyclesim import sweep as sweep_mod  # noqa: E402

TWELVE = """
import attrs
from cyclesim import Network, Training, Workload

base = Workload(
    name="small", network=Network(sizes=(784, 64, 10)), rule="dfa", dataset="synthetic", mode="hardware",
    training=Training(epochs=2, batch_size=50, train_limit=2000, test_limit=500),
)
name = "twelve"
seeds = 3
points = [attrs.evolve(base, chip=attrs.evolve(base.chip, adc_bits=bits)) for bits in (3, 4, 5, 6)]
"""
"""4 ADC resolutions x 3 seeds of a hardware-mode DFA run on the synthetic set (about 0.3 s each)."""

TIMING = {"wall_s", "cpu_s", "worker"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strip(doc):
    """`doc` without timing fields (and the worker's name), at any depth."""
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in TIMING}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


def records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "points").glob("*.json")}


def mtimes(out: Path) -> dict[str, int]:
    return {p.stem: p.stat().st_mtime_ns for p in (out / "points").glob("*.json")}


def cli_cmd(path: Path, out: Path, address: str) -> list[str]:
    return [sys.executable, "-m", "cyclesim", "sweep", str(path), "--out", str(out), "--scheduler", address]


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.02)


class Cluster:
    """A scheduler and workers started with Dask's own commands, each a subprocess on 127.0.0.1."""

    def __init__(self, root: Path):
        self.root = root
        (root / "data").mkdir()
        (root / "cache").mkdir()
        self.env = dict(
            os.environ,
            CYCLESIM_DATA=str(root / "data"),
            CYCLESIM_CACHE=str(root / "cache"),
            CYCLESIM_NO_DOWNLOAD="1",
            NUMBA_CACHE_DIR=str(root / "numba"),
        )
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.procs: list[subprocess.Popen] = []
        self.client: distributed.Client | None = None

    def start_scheduler(self) -> None:
        self.start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            self.address.rsplit(":", 1)[1],
            "--no-dashboard",
            "--dashboard-address",
            "127.0.0.1:0",
            "--idle-timeout",
            "300",
        )
        self.client = distributed.Client(self.address, timeout=30, set_as_default=False)

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.root / f"{args[0]}-{len(self.procs)}.log", "w")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            [sys.executable, "-m", "dask", *args], env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.procs.append(proc)
        return proc

    def add_worker(self) -> tuple[subprocess.Popen, str]:
        """Start one more worker; returns its process and address once the scheduler has it."""
        address = f"tcp://127.0.0.1:{free_port()}"
        proc = self.start(
            "worker",
            self.address,
            "--host",
            "127.0.0.1",
            "--worker-port",
            address.rsplit(":", 1)[1],
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--dashboard-address",
            "127.0.0.1:0",
            "--death-timeout",
            "30",
        )
        wait_until(lambda: address in self.client.scheduler_info()["workers"], 60, f"worker {address}")
        return proc, address

    def close(self) -> None:
        """Stop the workers, then the scheduler (stopping both at once can leave a worker hanging)."""
        if self.client is not None:
            self.client.close()
        for group in (self.procs[1:], self.procs[:1]):
            for proc in group:
                proc.terminate()
            for proc in group:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        c.start_scheduler()
        c.add_worker()
        c.add_worker()
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def twelve(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "twelve.py"
    path.write_text(textwrap.dedent(TWELVE))
    return path


@pytest.fixture(scope="module")
def local(twelve, tmp_path_factory) -> dict[str, dict]:
    """The twelve points run by the local (in-process) runner: the reference records."""
    out = tmp_path_factory.mktemp("local")
    summary = sweep_mod.run_sweep(sweep_mod.load_sweep(twelve), out)
    assert summary.done == 12
    return {k: strip(r) for k, r in records(out).items()}


def test_cluster_sweep_matches_local_runner(cluster, twelve, local, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["sweep", str(twelve), "--out", str(out), "--scheduler", cluster.address]) == 0
    assert "12 points complete (12 run, 0 already done)" in capsys.readouterr().out
    got = records(out)
    assert {k: strip(r) for k, r in got.items()} == local  # same seeds, same numbers, point by point
    assert {r["worker"].split()[1] for r in got.values()} <= set(cluster.client.scheduler_info()["workers"])
    assert all(r["status"] == "complete" for r in got.values())
    for key in got:  # each point's run folder came back from its worker
        results = json.loads((out / "runs" / key / "results.json").read_text())
        assert strip(results) == local[key]["results"]
        assert (out / "runs" / key / "epochs.csv").read_text().count("\n") == 3
    rows = sweep_mod.load_table(out)
    assert [r["key"] for r in rows] == sorted(local) and all(r["final_test"] is not None for r in rows)


def test_failing_point_names_its_worker(cluster, tmp_path, capsys):
    path = tmp_path / "sweep.py"
    path.write_text(
        textwrap.dedent(TWELVE) + "points = [points[0], attrs.evolve(base, dataset='mnist'), points[1]]\nseeds = 1\n"
    )
    out = tmp_path / "out"
    assert cli.main(["sweep", str(path), "--out", str(out), "--scheduler", cluster.address]) == 1
    assert capsys.readouterr().err.strip() == f"1 of 3 points failed; see {out / 'points'}"
    got = records(out)
    failed = [r for r in got.values() if r["status"] == "failed"]
    assert len(got) == 3 and len(failed) == 1
    rec = failed[0]
    assert rec["key"].startswith("p001-")
    # The dataset is looked for on the worker, in the worker's own data folder.
    assert rec["error"].startswith(f"{rec['worker']}: ") and str(cluster.root / "data") in rec["error"]
    assert rec["worker"].split()[1] in cluster.client.scheduler_info()["workers"]
    assert "Traceback" in rec["traceback"] and "DataError" in rec["traceback"]


def requeued(client: distributed.Client) -> set[str]:
    """Keys of the tasks the scheduler took back from a worker that was running them."""
    log = client.run_on_scheduler(lambda dask_scheduler: [tuple(t[:3]) for t in dask_scheduler.transition_log])
    return {str(key) for key, start, finish in log if (start, finish) == ("processing", "released")}


def test_killed_worker_loses_no_point(cluster, twelve, local, tmp_path):
    proc, address = cluster.add_worker()
    before = requeued(cluster.client)
    out = tmp_path / "out"
    sweep = subprocess.Popen(
        cli_cmd(twelve, out, cluster.address), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        # Once the extra worker has finished a point it is busy with the next: kill it then.
        wait_until(
            lambda: (
                any(r["worker"].split()[1] == address for r in records(out).values())
                if (out / "points").is_dir()
                else False
            ),
            60,
            "a point from the extra worker",
        )
        proc.send_signal(signal.SIGKILL)
        stdout, stderr = sweep.communicate(timeout=60)
    finally:
        sweep.kill()
    assert sweep.returncode == 0, stderr
    assert "12 points complete (12 run, 0 already done)" in stdout  # each point written exactly once
    assert {k: strip(r) for k, r in records(out).items()} == local
    assert requeued(cluster.client) - before  # the killed worker was running a point, which was rerun elsewhere


def test_killed_client_resumes_only_unfinished_points(cluster, twelve, local, tmp_path):
    out = tmp_path / "out"
    sweep = subprocess.Popen(
        cli_cmd(twelve, out, cluster.address), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until(lambda: len(mtimes(out)) >= 3 if (out / "points").is_dir() else False, 60, "three points")
    finally:
        sweep.send_signal(signal.SIGKILL)
        sweep.wait()
    before = mtimes(out)
    assert 3 <= len(before) < 12
    run = subprocess.run(cli_cmd(twelve, out, cluster.address), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"12 points complete ({12 - len(before)} run, {len(before)} already done)" in run.stdout
    after = mtimes(out)
    assert {k: after[k] for k in before} == before  # the finished points were not recomputed
    assert {k: strip(r) for k, r in records(out).items()} == local


def test_sigterm_of_the_client_is_one_line_and_resumes_only_unfinished_points(cluster, twelve, local, tmp_path):
    out = tmp_path / "out"
    sweep = subprocess.Popen(cli_cmd(twelve, out, cluster.address), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: len(mtimes(out)) >= 3 if (out / "points").is_dir() else False, 60, "three points")
        sweep.send_signal(signal.SIGTERM)
        _, err = sweep.communicate(timeout=60)
    finally:
        sweep.kill()
    assert sweep.returncode == 143, err
    assert err.decode() == "stopped by SIGTERM; finished points are kept, rerun the same command to resume\n"
    assert not list(out.rglob("*.tmp"))
    before = mtimes(out)
    assert all(r["status"] == "complete" for r in records(out).values())
    run = subprocess.run(cli_cmd(twelve, out, cluster.address), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    if len(before) < 12:
        assert f"12 points complete ({12 - len(before)} run, {len(before)} already done)" in run.stdout
    after = mtimes(out)
    assert {k: after[k] for k in before} == before
    assert {k: strip(r) for k, r in records(out).items()} == local


def test_unreachable_scheduler_fails_fast_with_one_line(tmp_path, capsys, monkeypatch):
    path = tmp_path / "sweep.py"
    path.write_text(textwrap.dedent(TWELVE))
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("CYCLESIM_SCHEDULER", address)
    t0 = time.monotonic()
    assert cli.main(["sweep", str(path), "--out", str(out)]) == 2
    assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err
    assert err.startswith(f"error: --scheduler {address}: cannot reach a Dask scheduler") and err.count("\n") == 1
    assert not out.exists()


def test_local_sweep_neither_imports_dask_nor_listens(twelve, tmp_path):
    path = tmp_path / "sweep.py"
    path.write_text(textwrap.dedent(TWELVE) + "points = points[:2]\nseeds = 1\n")
    script = textwrap.dedent(f"""
        import socket, sys

        def refuse(*args, **kwargs):
            raise AssertionError("a local sweep opened a listening socket")

        socket.socket.listen = refuse
        from cyclesim import cli

        assert cli.main(["sweep", {str(path)!r}, "--workers", "2", "--out", {str(tmp_path / "out")!r}]) == 0
        loaded = sorted(m for m in sys.modules
                        if m.split(".")[0] in ("dask", "distributed") or m == "cyclesim.sweep.cluster")
        assert not loaded, loaded
    """)
    env = {k: v for k, v in os.environ.items() if k != "CYCLESIM_SCHEDULER"}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert "2 points complete" in run.stdout


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator")
def test_worker_setup_undoes_the_nannys_frozen_mmap_threshold():
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_, which freezes glibc's mmap threshold at
    # 128 KiB: every 1 MiB array is a fresh mmap (mallinfo2's hblks counts live ones), until the setup.
    script = textwrap.dedent("""
        import ctypes
        import numpy as np
        from cyclesim.sweep import cluster

        class MallInfo2(ctypes.Structure):
            _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                             "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2

        def mapped():
            before = libc.mallinfo2().hblks
            array = np.empty(1 << 20, dtype=np.uint8)
            return libc.mallinfo2().hblks - before

        frozen = [mapped(), mapped()]
        cluster.heap_for_large_arrays()
        print(frozen, mapped())
    """)
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_="65536")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["[1,", "1]", "0"]
