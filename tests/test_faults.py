"""Fault tests: SIGINT, SIGTERM and SIGKILL at random points of a training run, of a local sweep on
two worker processes and of a sweep on a Dask cluster.

Afterwards results.json (and every sweep point record) is valid JSON whose status tells the truth,
no temporary file and no worker process is left, and a rerun of a sweep recomputes only the points
that had not finished, giving the same records as an undisturbed run. The moments are drawn from a
fixed seed; `CYCLESIM_FAULT_ROUNDS=N` repeats every case N times with other moments (the acceptance
run uses 20).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DFA = REPO / "workloads" / "dfa_3layer.py"
ROUNDS = int(os.environ.get("CYCLESIM_FAULT_ROUNDS", "1"))
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}
EXIT = {"SIGINT": 130, "SIGTERM": 143}
TIMING = {"wall_s", "cpu_s", "worker", "environment"}

RUN = [
    *("--set", "dataset=synthetic", "--set", "mode=hardware", "--set", "network.sizes=784,32,10"),
    *("--set", "training.epochs=4", "--set", "training.train_limit=2000", "--set", "training.test_limit=200"),
    *("--set", "training.batch_size=50", "--quiet"),
]
"""A hardware run of four short epochs (about 2 s): long enough to be hit mid-epoch and between epochs."""

SWEEP = """
import attrs
from cyclesim import Network, Training, Workload

base = Workload(
    name="fault", network=Network(sizes=(784, 32, 10)), rule="dfa", dataset="synthetic", mode="hardware",
    training=Training(epochs=2, batch_size=50, train_limit=1000, test_limit=200),
)
name = "faults"
seeds = 2
points = [attrs.evolve(base, chip=attrs.evolve(base.chip, adc_bits=bits)) for bits in (3, 4, 5)]
"""
"""Six points of about half a second each."""


def cyclesim(*args: str) -> list[str]:
    return [sys.executable, "-m", "cyclesim", *map(str, args)]


def strip(doc):
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in TIMING}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from /proc)."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(entry.name)] = int(fields[1])
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parent.items() if pp == p}
        out |= kids
        todo += kids
    return out


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


def temporary_files(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if ".tmp" in p.name] if folder.is_dir() else []


def catches(pid: int, signum: int) -> bool:
    """Whether process `pid` has a handler for `signum` (its SigCgt mask in /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    except OSError:
        pass
    return False


def interrupt(cmd: list[str], signame: str, delay_s: float, watch=None) -> tuple[int, str, set[int]]:
    """Start `cmd`; once cyclesim handles signals (the interpreter's own start-up, before cyclesim's
    first line, is Python's) and `watch()` is true, wait `delay_s` and send `signame`. Returns the
    exit code, stderr and the processes the command had started."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    kids: set[int] = set()
    deadline = time.monotonic() + 120

    def ready() -> bool:
        return catches(proc.pid, signal.SIGTERM) and (watch is None or watch())

    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        kids |= descendants(proc.pid)
        time.sleep(0.005)
    end = time.monotonic() + delay_s
    while time.monotonic() < end and proc.poll() is None:
        kids |= descendants(proc.pid)
        time.sleep(0.02)
    kids |= descendants(proc.pid)
    if proc.poll() is None:
        proc.send_signal(SIGNALS[signame])
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"{cmd} did not stop within 60 s of {signame}") from None
    return proc.returncode, err, kids


def no_process_left(kids: set[int]) -> None:
    deadline = time.monotonic() + 15
    while alive(kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(kids), f"processes left behind: {sorted(alive(kids))}"


def moment(case: str, lo: float, hi: float) -> float:
    """A seeded moment in [lo, hi] seconds for this case and round."""
    return random.Random(case).uniform(lo, hi)


ROUND = pytest.mark.parametrize("round_", range(ROUNDS))


# ---------------------------------------------------------------------------------- training run


@ROUND
@pytest.mark.parametrize("signame", list(SIGNALS))
@pytest.mark.parametrize("phase", ["startup", "training"])
def test_signal_during_a_training_run(tmp_path, signame, phase, round_):
    """Startup: within 1.5 s of cyclesim's first line (loading, compiling, epoch 1); training: up to
    1.5 s after the first epoch was written."""
    delay = moment(f"run-{signame}-{phase}-{round_}", 0.0, 1.5)
    out = tmp_path / "out"
    results = out / "results.json"
    watch = results.exists if phase == "training" else None
    code, err, kids = interrupt(cyclesim(DFA, *RUN, "--out", out), signame, delay, watch)
    assert "Traceback" not in err, err
    no_process_left(kids)
    doc = json.loads(results.read_text()) if results.exists() else None
    if code == 0:  # finished before the signal arrived
        assert doc is not None and doc["status"] == "complete"
        return
    if signame == "SIGKILL":
        assert code == -signal.SIGKILL
        if doc is not None:  # what the last completed write said: never a torn file
            # `running` after any epoch's write, the last one's included (the kill landed before the final
            # write); `complete` when it landed after the final write, while the interpreter shut down
            assert doc["status"] in ("running", "complete"), doc["status"]
            assert doc["status"] == "running" or len(doc["epochs"]) == 4
        # A rerun into the same folder replaces everything, leaving no temporary file.
        rerun = subprocess.run(cyclesim(DFA, *RUN, "--out", out), capture_output=True)
        assert rerun.returncode == 0, rerun.stderr
        assert json.loads(results.read_text())["status"] == "complete"
        assert not temporary_files(out)
        return
    assert code == EXIT[signame], (code, err)
    assert err.strip().splitlines()[-1].startswith(("interrupted", "stopped by")), err
    assert not temporary_files(out), temporary_files(out)
    if doc is not None:  # `complete` only with every epoch (the signal came while the report printed)
        assert doc["status"] == "interrupted" or (doc["status"] == "complete" and len(doc["epochs"]) == 4)


@ROUND
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_signal_while_numba_compiles(tmp_path, signame, round_):
    """With an empty numba cache the first seconds of a run compile the kernels: a signal then is
    delivered once the compiler is done (never printed as an ignored exception) and stops the run."""
    out = tmp_path / "out"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    delay = moment(f"compile-{signame}-{round_}", 0.0, 3.0)
    proc = subprocess.Popen(cyclesim(DFA, *RUN, "--out", out), stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not catches(proc.pid, signal.SIGTERM) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)  # the interpreter's own start-up is Python's; cyclesim's begins here
    time.sleep(delay)
    proc.send_signal(SIGNALS[signame])
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    if proc.returncode == 0:
        return
    assert proc.returncode == EXIT[signame], (proc.returncode, err)
    assert err.strip().splitlines()[-1].startswith(("interrupted", "stopped by")), err
    assert not temporary_files(out), temporary_files(out)


# ------------------------------------------------------------------------------------ local sweep


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "faults.py"
    path.write_text(textwrap.dedent(SWEEP))
    return path


def records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "points").glob("*.json")}


def mtimes(out: Path) -> dict[str, int]:
    return {p.stem: p.stat().st_mtime_ns for p in (out / "points").glob("*.json")}


@pytest.fixture(scope="module")
def reference(sweep_file, tmp_path_factory) -> dict[str, dict]:
    """The six point records of an undisturbed sweep."""
    out = tmp_path_factory.mktemp("reference")
    run = subprocess.run(cyclesim("sweep", sweep_file, "--out", out), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return {k: strip(r) for k, r in records(out).items()}


def check_resume(sweep_file: Path, out: Path, reference: dict, extra: list[str]) -> None:
    """Every record left is valid; a rerun recomputes only the unfinished points and matches `reference`."""
    before = mtimes(out) if (out / "points").is_dir() else {}
    for rec in records(out).values() if before else ():
        assert rec["status"] == "complete"
    assert not temporary_files(out / "points"), temporary_files(out / "points")
    run = subprocess.run(
        cyclesim("sweep", sweep_file, "--out", out, *extra), capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert f"6 points complete ({6 - len(before)} run, {len(before)} already done)" in run.stdout, run.stdout
    after = mtimes(out)
    assert {k: after[k] for k in before} == before  # finished points were not recomputed
    assert {k: strip(r) for k, r in records(out).items()} == reference
    assert not temporary_files(out), temporary_files(out)


@ROUND
@pytest.mark.parametrize("signame", list(SIGNALS))
def test_signal_during_a_local_sweep(tmp_path, sweep_file, reference, signame, round_):
    """Up to 2 s after the sweep made its folders: while workers start, compute or write records."""
    out = tmp_path / "out"
    cmd = cyclesim("sweep", sweep_file, "--out", out, "--workers", 2)
    code, err, kids = interrupt(cmd, signame, moment(f"local-{signame}-{round_}", 0.0, 2.0), (out / "runs").is_dir)
    assert "Traceback" not in err, err
    no_process_left(kids)
    if code != 0:
        assert code == (EXIT.get(signame) or -signal.SIGKILL), (code, err)
    check_resume(sweep_file, out, reference, ["--workers", "2"])


# ------------------------------------------------------------------------------------- Dask sweep


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    pytest.importorskip("distributed")
    from test_cluster import Cluster

    c = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        c.start_scheduler()
        c.add_worker()
        c.add_worker()
        yield c
    finally:
        c.close()


@ROUND
@pytest.mark.parametrize("signame", list(SIGNALS))
def test_signal_during_a_dask_sweep(tmp_path, sweep_file, reference, cluster, signame, round_):
    """The sweep's client stopped up to 2 s after it made its folders; the cluster keeps running."""
    out = tmp_path / "out"
    cmd = cyclesim("sweep", sweep_file, "--out", out, "--scheduler", cluster.address)
    code, err, kids = interrupt(cmd, signame, moment(f"dask-{signame}-{round_}", 0.0, 2.0), (out / "runs").is_dir)
    assert "Traceback" not in err, err
    no_process_left(kids)
    if code != 0:
        assert code == (EXIT.get(signame) or -signal.SIGKILL), (code, err)
    check_resume(sweep_file, out, reference, ["--scheduler", cluster.address])
