"""Tests of sweeps (cyclesim.sweep and `python -m cyclesim sweep`): point files, tables, resume,
progress, failing points, malformed sweep files, seeds, the process pool (Dask clusters: see
test_cluster), the longest points first, datasets loaded once per process, several sweeps through
one executor and the parallel efficiency. Every point is a tiny run on the synthetic dataset (one
epoch of 4 batches)."""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cyclesim import Network, Training, Workload, cli, data
from cyclesim import sweep as sweep_mod
from cyclesim.errors import ConfigError, OutputError
from cyclesim.sweep import cost, grid

ROOT = Path(__file__).resolve().parents[1]

BASE = """
import attrs
from cyclesim import Network, Training, Workload

base = Workload(
    name="tiny", network=Network(sizes=(784, 32, 10)), rule="dfa", dataset="synthetic", mode="ideal",
    training=Training(epochs=1, batch_size=50, train_limit=200, test_limit=100),
)
"""

THREE = (
    BASE
    + """
name = "three"
points = [
    attrs.evolve(base, training=attrs.evolve(base.training, lr=0.01)),
    attrs.evolve(base, training=attrs.evolve(base.training, lr=0.05)),
    attrs.evolve(base, mode="hardware", chip=attrs.evolve(base.chip, adc_bits=3)),
]
"""
)


def write(tmp_path: Path, text: str, name: str = "sweep.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def point_files(out: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("*.json")}


def strip_wall(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]


def untimed(doc):
    """`doc` without its run times (`wall_s`, `cpu_s`), at any depth."""
    if isinstance(doc, dict):
        return {k: untimed(v) for k, v in doc.items() if k not in ("wall_s", "cpu_s")}
    if isinstance(doc, list):
        return [untimed(v) for v in doc]
    return doc


@pytest.fixture(autouse=True)
def no_scheduler(monkeypatch):
    """These sweeps run locally even where $CYCLESIM_SCHEDULER names a cluster."""
    monkeypatch.delenv("CYCLESIM_SCHEDULER", raising=False)


@pytest.fixture
def three(tmp_path):
    sw = sweep_mod.load_sweep(write(tmp_path, THREE))
    out = tmp_path / "out"
    summary = sweep_mod.run_sweep(sw, out)
    return sw, out, summary


def test_sweep_runs_points_and_writes_tables(three):
    sw, out, summary = three
    assert sw.name == "three"
    assert (summary.total, summary.done, summary.skipped, summary.failed) == (3, 3, 0, 0)
    keys = [k for k, _ in sw.points]
    assert len(set(keys)) == 3 and all(k.startswith(f"p{i:03d}-s0-") for i, k in enumerate(keys))
    assert sorted(point_files(out)) == sorted(f"{k}.json" for k in keys)
    rec = json.loads((out / "points" / f"{keys[0]}.json").read_text())
    assert rec["status"] == "complete" and rec["wall_s"] > 0
    assert rec["results"]["status"] == "complete" and rec["results"]["accuracy"]["final_test"] is not None

    rows = sweep_mod.load_table(out)
    with open(out / "table.csv", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert [r["key"] for r in rows] == keys == [r["key"] for r in csv_rows]
    for col in (
        "key",
        "status",
        "network.sizes",
        "training.lr",
        "chip.adc_bits",
        "mode",
        "seed",
        "final_test",
        "area_total_um2",
        "iteration_latency_s",
        "epoch_latency_s",
        "iteration_energy_j",
    ):
        assert col in rows[0] and col in csv_rows[0], col
    assert rows[0]["network.sizes"] == "784-32-10" and csv_rows[0]["network.sizes"] == "784-32-10"
    assert [r["training.lr"] for r in rows] == [0.01, 0.05, 0.025]
    assert all(r["status"] == "complete" and 0 <= r["final_test"] <= 1 and r["area_total_um2"] > 0 for r in rows)
    # Latency and energy come from the engine, which only replays hardware-mode points.
    assert rows[0]["iteration_latency_s"] is None and csv_rows[0]["iteration_latency_s"] == ""
    assert rows[2]["iteration_latency_s"] > 0 and rows[2]["epoch_latency_s"] > 0 and rows[2]["iteration_energy_j"] > 0


def test_rerun_skips_complete_points_and_resumes_a_missing_one(three):
    sw, out, _ = three
    before = point_files(out)
    summary = sweep_mod.run_sweep(sw, out)
    assert (summary.done, summary.skipped, summary.failed) == (0, 3, 0)
    assert point_files(out) == before  # nothing recomputed

    # A sweep killed before its second point finished: that point's file is missing.
    lost = f"{sw.points[1][0]}.json"
    (out / "points" / lost).unlink()
    summary = sweep_mod.run_sweep(sw, out)
    assert (summary.done, summary.skipped, summary.failed) == (1, 2, 0)
    after = point_files(out)
    assert {k: v for k, v in after.items() if k != lost} == {k: v for k, v in before.items() if k != lost}
    assert lost in after and [r["status"] for r in sweep_mod.load_table(out)] == ["complete"] * 3


def test_progress_callback_counts_points(tmp_path, monkeypatch):
    monkeypatch.setenv("CYCLESIM_DATA", str(tmp_path / "nodata"))  # the MNIST point fails
    path = write(
        tmp_path,
        BASE
        + """
points = [base, attrs.evolve(base, dataset="mnist"), attrs.evolve(base, training=attrs.evolve(base.training, lr=0.05))]
""",
    )
    sw = sweep_mod.load_sweep(path)
    calls = []
    sweep_mod.run_sweep(sw, tmp_path / "out", progress=calls.append)
    P = sweep_mod.SweepProgress
    assert calls == [
        P(total=3, skipped=0, finished=0, running=1, failed=0),
        P(total=3, skipped=0, finished=1, running=1, failed=0),
        P(total=3, skipped=0, finished=2, running=1, failed=1),
        P(total=3, skipped=0, finished=3, running=0, failed=1),
    ]
    calls.clear()
    sweep_mod.run_sweep(sw, tmp_path / "out", progress=calls.append)  # the failed point is retried
    assert calls == [
        P(total=3, skipped=2, finished=2, running=1, failed=0),
        P(total=3, skipped=2, finished=3, running=0, failed=1),
    ]


def test_failing_point_is_recorded_and_the_others_complete(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "nodata"
    empty.mkdir()
    monkeypatch.setenv("CYCLESIM_DATA", str(empty))
    monkeypatch.setenv("CYCLESIM_NO_DOWNLOAD", "1")
    path = write(
        tmp_path,
        BASE
        + """
points = [base, attrs.evolve(base, dataset="mnist"), attrs.evolve(base, training=attrs.evolve(base.training, lr=0.05))]
""",
    )
    sw = sweep_mod.load_sweep(path)
    out = tmp_path / "out"
    summary = sweep_mod.run_sweep(sw, out)
    assert (summary.done, summary.failed) == (2, 1)
    rec = json.loads((out / "points" / f"{sw.points[1][0]}.json").read_text())
    assert rec["status"] == "failed"
    assert "mnist" in rec["error"] and "\n" not in rec["error"]
    assert "Traceback" in rec["traceback"] and "DataError" in rec["traceback"]
    rows = sweep_mod.load_table(out)
    assert [r["status"] for r in rows] == ["complete", "failed", "complete"]
    assert rows[1]["final_test"] is None and rows[1]["error"] == rec["error"]

    # Failed points are retried on rerun; through the CLI the sweep exits 1 with one line.
    capsys.readouterr()
    assert cli.main(["sweep", str(path), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"1 of 3 points failed; see {out / 'points'}"
    assert json.loads((out / "points" / f"{sw.points[1][0]}.json").read_text())["status"] == "failed"


@pytest.mark.parametrize(
    "text, message",
    [
        (BASE + "points = [base,\n", "syntax error"),
        (BASE + "pts = [base]\n", "does not define `points`"),
        (BASE + "points = [base, 'chip.adc_bits=3']\n", "points[1] must be a cyclesim.Workload"),
        (BASE + "points = [attrs.evolve(base, mode='analog')]\n", "invalid configuration"),
        (BASE + "points = []\n", "empty"),
        (BASE + "points = [base]\nseeds = 0\n", "seeds"),
        (BASE + "points = [base]\nseeds = 1397605\n", "from 1 to 10,000"),
    ],
)
def test_malformed_sweep_file(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        sweep_mod.load_sweep(path)
    out = tmp_path / "out"
    assert cli.main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert not out.exists()


def test_missing_file_and_bad_override_exit_2(tmp_path, capsys):
    assert cli.main(["sweep", str(tmp_path / "nope.py")]) == 2
    assert "not found" in capsys.readouterr().err
    path = write(tmp_path, THREE)
    out = tmp_path / "out"
    assert cli.main(["sweep", str(path), "--out", str(out), "--set", "chip.adc_bitz=3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "adc_bitz" in err
    assert not out.exists()


def test_cli_sweep_success_with_overrides(tmp_path, capsys):
    path = write(tmp_path, THREE)
    out = tmp_path / "out"
    assert cli.main(["sweep", str(path), "--out", str(out), "--set", "training.test_limit=50", "--seed", "3"]) == 0
    assert "3 points complete" in capsys.readouterr().out
    rows = sweep_mod.load_table(out)
    assert [r["training.test_limit"] for r in rows] == [50] * 3
    assert {r["seed"] for r in rows} == {sweep_mod.seed_values(1, 3)[0]}


def test_scheduler_excludes_workers_and_needs_dask(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, THREE)
    out = tmp_path / "out"
    assert cli.main(["sweep", str(path), "--out", str(out), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --workers is for local processes") and err.count("\n") == 1
    # Without Dask installed, --scheduler says how to get it.
    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.delitem(sys.modules, "cyclesim.sweep.cluster", raising=False)
    monkeypatch.delattr(sweep_mod, "cluster", raising=False)
    assert cli.main(["sweep", str(path), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --scheduler needs Dask's distributed package: pip install 'cyclesim[dask]'\n"
    assert not out.exists()


def test_same_seed_gives_identical_rows(tmp_path):
    path = write(tmp_path, THREE)
    a = sweep_mod.run_sweep(sweep_mod.load_sweep(path, seed=7), tmp_path / "a")
    b = sweep_mod.run_sweep(sweep_mod.load_sweep(path, seed=7), tmp_path / "b")
    assert a.done == b.done == 3
    assert strip_wall(sweep_mod.load_table(tmp_path / "a")) == strip_wall(sweep_mod.load_table(tmp_path / "b"))
    other = sweep_mod.load_sweep(path, seed=8)
    assert [k for k, _ in other.points] != [k for k, _ in sweep_mod.load_sweep(path, seed=7).points]


def test_seeds_multiply_points_with_distinct_training_seeds(tmp_path):
    path = write(
        tmp_path,
        BASE
        + """
seeds = 2
points = [base, attrs.evolve(base, training=attrs.evolve(base.training, lr=0.05))]
""",
    )
    sw = sweep_mod.load_sweep(path, seed=5)
    assert sw.name == "sweep"  # the file's stem when `name` is not set
    assert len(sw.points) == 4
    seeds = [wl.training.seed for _, wl in sw.points]
    assert seeds[0] != seeds[1] and seeds[:2] == seeds[2:] == sweep_mod.seed_values(2, 5)
    assert len({k for k, _ in sw.points}) == 4
    summary = sweep_mod.run_sweep(sw, tmp_path / "out")
    assert summary.done == 4
    rows = sweep_mod.load_table(tmp_path / "out")
    assert [r["seed"] for r in rows] == seeds


def test_workers_2_match_in_process(tmp_path):
    path = write(
        tmp_path,
        BASE
        + """
points = [base, attrs.evolve(base, mode="hardware", chip=attrs.evolve(base.chip, adc_bits=4))]
""",
    )
    sw = sweep_mod.load_sweep(path)
    one = sweep_mod.run_sweep(sw, tmp_path / "one", workers=1)
    two = sweep_mod.run_sweep(sw, tmp_path / "two", workers=2)
    assert one.done == two.done == 2 and two.failed == 0
    assert strip_wall(sweep_mod.load_table(tmp_path / "one")) == strip_wall(sweep_mod.load_table(tmp_path / "two"))


def test_shipped_adc_bits_sweep_loads():
    sw = sweep_mod.load_sweep(ROOT / "workloads" / "sweeps" / "adc_bits.py")
    assert sw.name == "adc_bits"
    assert [wl.chip.adc_bits for _, wl in sw.points] == [1, 2, 3, 4, 5, 6]
    assert {(wl.rule, wl.training.epochs) for _, wl in sw.points} == {("bp", 3)}


def test_rule_defined_in_the_file_needs_one_worker(tmp_path, capsys):
    path = tmp_path / "user_rule_sweep.py"
    path.write_text(
        "from cyclesim import Network, Training, Workload\nfrom cyclesim.rules import Rule, Signal\n\n"
        "class Mine(Rule):\n    name = 'mine'\n\n    def signal(self, layer, layers):\n"
        "        return Signal(layer, source='error', via='feedback')\n\n"
        "base = Workload(rule=Mine(), network=Network(sizes=(784, 16, 10)), dataset='synthetic',\n"
        "                training=Training(epochs=1, batch_size=50, train_limit=100, test_limit=50))\n"
        "points = [base]\n",
        encoding="utf-8",
    )
    assert cli.main(["sweep", str(path), "--workers", "2", "--out", str(tmp_path / "two")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: point p000-s0-") and "runs with --workers 1" in err and err.count("\n") == 1
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "one")]) == 0


# -- output folders, signals and worker processes (issue 16) -------------------------------------

SLOW = (
    BASE
    + """
name = "slow"
points = [
    attrs.evolve(base, mode="hardware", training=attrs.evolve(base.training, epochs=epochs, train_limit=2000))
    for epochs in (1, 1, 30, 30)
]
"""
)
"""Two points of well under a second, then two of about 10 s: on three workers the long ones start first
(longest first) and the third worker runs the short ones, so a signal finds two points done and two
running."""


def test_output_folder_is_checked_before_any_work(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, THREE)
    (tmp_path / "taken").write_text("a file")
    monkeypatch.setattr(sweep_mod.local, "run_point", lambda *a: pytest.fail("a point ran"))
    assert cli.main(["sweep", str(path), "--out", str(tmp_path / "taken" / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"error: --out {tmp_path / 'taken' / 'out'}: cannot create this folder: {tmp_path / 'taken'} is a file\n"
    )


def test_a_killed_sweeps_temporary_files_are_removed(three):
    sw, out, _ = three
    key = sw.points[0][0]
    stale = [out / "points" / f".{key}.json.x1y2.tmp", out / ".table.csv.abc.tmp"]
    for p in stale:
        p.write_text("{")
    mine = out / "points" / "notes.tmp"
    mine.write_text("mine")
    sweep_mod.run_sweep(sw, out)
    assert not any(p.exists() for p in stale) and mine.exists()


def _sweep_process(tmp_path: Path, out: Path) -> subprocess.Popen:
    path = write(tmp_path, SLOW)
    return subprocess.Popen(
        [sys.executable, "-m", "cyclesim", "sweep", str(path), "--workers", "3", "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _workers_busy(proc: subprocess.Popen, out: Path, timeout_s: float = 60) -> list:
    """Wait until two points are done and the two long ones run; returns the worker processes."""
    psutil = pytest.importorskip("psutil")
    deadline = time.monotonic() + timeout_s
    while True:
        assert proc.poll() is None, proc.communicate()
        done = len(list((out / "points").glob("*.json"))) if (out / "points").is_dir() else 0
        running = [p for p in (out / "runs").glob("*/epochs.csv")] if (out / "runs").is_dir() else []
        if done == 2 and len(running) == 4:
            break
        assert time.monotonic() < deadline, "the sweep did not get going"
        time.sleep(0.05)
    workers = [c for c in psutil.Process(proc.pid).children() if "resource_tracker" not in " ".join(c.cmdline())]
    assert len(workers) == 3
    return workers


def _gone(workers: list, timeout_s: float) -> bool:
    import psutil

    alive = psutil.wait_procs(workers, timeout=timeout_s)[1]
    return not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def no_tmp_files(out: Path) -> None:
    assert not [str(p) for p in out.rglob("*.tmp")]


def statuses(out: Path) -> dict:
    return {p.parent.name: json.loads(p.read_text())["status"] for p in (out / "runs").glob("*/results.json")}


def test_sigterm_stops_the_sweep_and_its_workers_and_a_rerun_finishes_only_the_rest(tmp_path):
    out = tmp_path / "out"
    proc = _sweep_process(tmp_path, out)
    try:
        workers = _workers_busy(proc, out)
        done = point_files(out)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert (
        proc.returncode == 143
        and err == "stopped by SIGTERM; finished points are kept, rerun the same command to resume\n"
    )
    assert _gone(workers, 5)
    assert sorted(statuses(out).values()) == ["complete", "complete", "interrupted", "interrupted"]
    assert point_files(out) == done  # no record for an interrupted point
    no_tmp_files(out)
    sw = sweep_mod.load_sweep(tmp_path / "sweep.py")
    quick = sweep_mod.Sweep(sw.name, sw.points[:2])  # the finished two are not computed again
    assert sweep_mod.run_sweep(quick, out).skipped == 2 and point_files(out) == done


def test_sigkill_of_a_sweep_leaves_no_worker_process(tmp_path):
    out = tmp_path / "out"
    proc = _sweep_process(tmp_path, out)
    try:
        workers = _workers_busy(proc, out)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    assert _gone(workers, 5)  # they noticed their parent died and stopped
    assert sorted(statuses(out).values()) == ["complete", "complete", "interrupted", "interrupted"]
    no_tmp_files(out)


# -- sweeps that finish sooner (issue 17) ---------------------------------------------------------

FOUR = (
    BASE
    + """
name = "four"
points = [
    attrs.evolve(base, training=attrs.evolve(base.training, lr=0.01)),
    attrs.evolve(base, training=attrs.evolve(base.training, lr=0.05)),
    attrs.evolve(base, mode="hardware"),
    attrs.evolve(base, training=attrs.evolve(base.training, epochs=2)),
]
"""
)
"""Costs (`cost.cost`): two equal ideal points, then a hardware point (the dearest) and an ideal point of
two epochs."""


def tiny(**changes) -> Workload:
    base = Workload(
        name="tiny",
        network=Network(sizes=(784, 32, 10)),
        rule="dfa",
        dataset="synthetic",
        mode="hardware",
        training=Training(epochs=2, batch_size=50, train_limit=200, test_limit=100),
    )
    return grid.evolve(base, **changes)


def test_cost_follows_its_formula():
    macs = 784 * 32 + 32 * 10
    # (epochs * n_train + replayed iterations * batch) * MACs per image * bit planes
    assert cost.cost(tiny()) == (2 * 200 + 2 * 50) * macs * 8
    assert cost.cost(tiny(rule="bp")) == (2 * 200 + 2 * 50) * macs * (8 + 2 * 7)  # BP reads W^T too
    assert cost.cost(tiny(precision={"activation": 4})) == (2 * 200 + 2 * 50) * macs * 4
    assert cost.cost(tiny(sim={"iterations_per_epoch": 100})) == (2 * 200 + 2 * 4 * 50) * macs * 8  # 4 batches
    assert cost.cost(tiny(training={"epochs": 0})) == 50 * macs * 8  # one iteration on the first batch
    assert cost.cost(tiny(mode="quantized")) == 2 * 200 * macs * 2  # the engine replays hardware only
    assert cost.cost(tiny(mode="ideal")) == 2 * 200 * macs
    assert cost.cost(tiny(mode="ideal", training={"train_limit": None})) == 2 * 2000 * macs  # the synthetic set
    assert cost.cost(tiny(mode="ideal", dataset="mnist", training={"train_limit": 10**6})) == 2 * 60000 * macs
    assert cost.cost(tiny(network={"sizes": (784, 64, 10)})) > cost.cost(tiny())


def test_table_has_the_fields_of_every_point_mlps_and_convolutional_networks(tmp_path):
    """Points that differ in their fields (an MLP's network.sizes, a convolutional network's
    network.layers) share one table with the union of the columns; a layer reads as its class."""
    text = (
        BASE
        + """
from cyclesim import Conv2d, Dense, Flatten
name = "mixed"
points = [base, attrs.evolve(base, network=Network(layers=(Conv2d(2, kernel=3), Flatten(), Dense(10))))]
"""
    )
    sw = sweep_mod.load_sweep(write(tmp_path, text))
    rows = sweep_mod.write_table(sw, tmp_path / "out")
    with open(tmp_path / "out" / "table.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert "network.sizes" in header and "network.layers" in header and header[-1] == "error"
    assert rows[0]["network.sizes"] == "784-32-10" and "network.layers" not in rows[0]
    assert rows[1]["network.layers"] == ("Conv2d(out_channels=2 kernel=3 stride=1 padding=0)-Flatten()-Dense(units=10)")
    assert [r["status"] for r in rows] == ["missing", "missing"]


def test_points_start_longest_first_and_the_table_keeps_key_order(tmp_path, monkeypatch):
    sw = sweep_mod.load_sweep(write(tmp_path, FOUR))
    keys = [k for k, _ in sw.points]
    started = []
    run_point = sweep_mod.local.run_point
    monkeypatch.setattr(sweep_mod.local, "run_point", lambda key, *a: started.append(key) or run_point(key, *a))
    summary = sweep_mod.run_sweep(sw, tmp_path / "out")
    assert summary.done == 4
    assert started == [keys[2], keys[3], keys[0], keys[1]]  # equal costs keep the sweep's order
    assert [r["key"] for r in sweep_mod.load_table(tmp_path / "out")] == keys
    assert [p[0] for p in cost.longest_first([(k, wl, None) for k, wl in sw.points])] == started


def test_points_in_one_process_load_each_dataset_once(tmp_path, monkeypatch):
    loads = []
    load = data._load
    monkeypatch.setattr(data, "_load", lambda *a: loads.append(a) or load(*a))
    sw = sweep_mod.load_sweep(write(tmp_path, FOUR + "seeds = 2\n"))
    assert sweep_mod.run_sweep(sw, tmp_path / "out").done == 8
    # One synthetic set per training seed (it is generated from the seed), each generated once.
    assert sorted(seed for _name, _dir, seed in loads) == sorted(sweep_mod.seed_values(2))
    assert not data._kept.datasets and not data._kept.depth  # dropped once the sweep is done


def test_run_sweeps_writes_each_sweep_as_run_sweep_does(tmp_path):
    three = sweep_mod.load_sweep(write(tmp_path, THREE, "three.py"))
    four = sweep_mod.load_sweep(write(tmp_path, FOUR, "four.py"))
    assert three.points[0][0] == four.points[0][0]  # one point in both: the same key
    for sw in (three, four):
        sweep_mod.run_sweep(sw, tmp_path / "single" / sw.name)
    pool = [(three, tmp_path / "pool" / "three"), (four, tmp_path / "pool" / "four")]
    summaries = sweep_mod.run_sweeps(pool, workers=2)  # one pool of worker processes for both sweeps
    assert [(s.total, s.done, s.skipped, s.failed) for s in summaries] == [(3, 3, 0, 0), (4, 4, 0, 0)]
    assert summaries[0].efficiency == summaries[1].efficiency and 0 < summaries[0].efficiency <= 1

    def folder(out: Path) -> tuple[list, dict]:
        """The paths of a sweep folder's files, and its JSON documents (records, results, the table)
        without their run times."""
        paths = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
        return paths, {p: untimed(json.loads((out / p).read_text())) for p in paths if p.endswith(".json")}

    for name in ("three", "four"):
        assert folder(tmp_path / "pool" / name) == folder(tmp_path / "single" / name)
    again = sweep_mod.run_sweeps(pool, workers=2)
    assert [(s.done, s.skipped, s.efficiency) for s in again] == [(0, 3, None), (0, 4, None)]


def test_two_sweeps_cannot_share_a_folder(tmp_path):
    sw = sweep_mod.load_sweep(write(tmp_path, THREE))
    with pytest.raises(OutputError, match="two sweeps cannot share one folder"):
        sweep_mod.run_sweeps([(sw, tmp_path / "out"), (sw, tmp_path / "x" / ".." / "out")])
    assert not (tmp_path / "out").exists()


def test_efficiency_of_an_in_process_sweep(three, capsys):
    sw, out, summary = three
    assert 0 < summary.efficiency <= 1
    assert sweep_mod.run_sweep(sw, out).efficiency is None  # nothing ran
    path = out.parent / "sweep.py"
    assert cli.main(["sweep", str(path), "--out", str(out / "again")]) == 0
    line = capsys.readouterr().out
    assert re.search(r"3 points complete \(3 run, 0 already done\); parallel efficiency (\d+) %; table: ", line)
    assert 0 < int(re.search(r"efficiency (\d+) %", line)[1]) <= 100
    assert cli.main(["sweep", str(path), "--out", str(out / "again")]) == 0
    assert "(0 run, 3 already done); table: " in capsys.readouterr().out  # no efficiency: nothing ran
