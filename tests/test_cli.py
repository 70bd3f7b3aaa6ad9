"""Tests of the command line (cyclesim.cli.main): bad input, results files, seeds, interrupts.

Almost everything calls `cli.main([...])` in-process on the tiny synthetic dataset; one test runs
the real `python -m cyclesim` entry point in a subprocess. Tests that corrupt MNIST files copy the
real ones from $CYCLESIM_DATA/mnist and are skipped when it is unset.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

try:
    import cyclesim
except ModuleNotFoundError:  # not installed: run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cyclesim import cli
from cyclesim import runner as cli_runner
from cyclesim.errors import DivergenceError
from cyclesim.learn import train as train_mod

ROOT = Path(__file__).resolve().parents[1]
DFA = str(ROOT / "workloads" / "dfa_3layer.py")
BP = str(ROOT / "workloads" / "bp_3layer.py")
REAL_DATA = os.environ.get("CYCLESIM_DATA", "")
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def sets(*assignments: str) -> list[str]:
    out = []
    for a in assignments:
        out += ["--set", a]
    return out


TINY = sets(
    "dataset=synthetic",
    "training.epochs=1",
    "training.train_limit=400",
    "training.test_limit=200",
    "network.sizes=784,32,10",
    "training.batch_size=50",
)
"""A run of well under a second: one epoch of 8 batches on the synthetic set."""


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Run in a private folder (default output goes to ./runs), never download, private cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CYCLESIM_NO_DOWNLOAD", "1")
    monkeypatch.setenv("CYCLESIM_CACHE", str(tmp_path / "cache"))


def run_main(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def no_partial_files(out_dir: Path) -> None:
    """Nothing half-written: no results.json, and no temporary files if the folder exists."""
    assert not (out_dir / "results.json").exists()
    if out_dir.exists():
        leftovers = [n for n in os.listdir(out_dir) if n.endswith(".tmp")]
        assert not leftovers, leftovers


def expect_user_error(capsys, argv: list[str], out_dir: Path | None = None) -> str:
    """main(argv) exits 2 with exactly one stderr line "error: ..."; returns that line."""
    code, out, err = run_main(capsys, argv)
    assert code == 2, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in out + err
    if out_dir is not None:
        no_partial_files(out_dir)
    return lines[0]


def read_results(out_dir: Path) -> dict:
    return json.loads((out_dir / "results.json").read_text(encoding="utf-8"))


def read_epochs_csv(out_dir: Path) -> list[dict]:
    with open(out_dir / "epochs.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def no_tmp_files(out_dir: Path) -> None:
    assert not [n for n in os.listdir(out_dir) if n.endswith(".tmp")]


# ----------------------------------------------------------------------------------------------
# Bad input: exit 2, one line, nothing half-written


def test_missing_workload_file(capsys, tmp_path):
    out = tmp_path / "out"
    line = expect_user_error(capsys, [tmp_path / "nope.py", *TINY, "--out", out], out)
    assert "nope.py" in line and "not found" in line


def test_workload_file_with_syntax_error(capsys, tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("from cyclesim import Workload\nworkload = Workload(name='x'\n", encoding="utf-8")
    out = tmp_path / "out"
    line = expect_user_error(capsys, [path, "--out", out], out)
    assert f"{path}:" in line and "syntax" in line


def test_workload_file_without_workload(capsys, tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("x = 1\n", encoding="utf-8")
    out = tmp_path / "out"
    line = expect_user_error(capsys, [path, "--out", out], out)
    assert "workload" in line and str(path) in line


@pytest.mark.parametrize(
    "assignment, needle",
    [
        ("chip.adc_bitz=3", "adc_bitz"),  # unknown key
        ("chip.adc_bits=abc", "chip.adc_bits"),  # wrong type
        ("chip.adc_bits=3.5", "chip.adc_bits"),  # wrong type
        ("network.sizes=784,0,10", "network.sizes"),
        ("chip.adc_bits=0", "chip.adc_bits"),
        ("precision.weight=17", "precision.weight"),
        ("precision.weight=6", "precision.weight"),  # needs 64 levels, device has 32
        ("dataset=cifar", "dataset"),
        ("chip=3", "chip"),  # a section
        ("chip.adc_bits", "chip.adc_bits"),  # no "="
    ],
)
def test_bad_override(capsys, tmp_path, assignment, needle):
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *TINY, "--set", assignment, "--out", out], out)
    assert needle in line


def test_unknown_key_lists_valid_keys(capsys, tmp_path):
    line = expect_user_error(capsys, [DFA, "--set", "chip.adc_bitz=3", "--out", tmp_path / "out"])
    assert "adc_bits" in line and "subarray" in line


def test_bad_seed(capsys, tmp_path):
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *TINY, "--seed", "-1", "--out", out], out)
    assert "training.seed" in line


def test_dataset_files_missing(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    args = [DFA, *TINY, "--set", "dataset=mnist", "--data-dir", empty, "--out", out]
    line = expect_user_error(capsys, args, out)
    assert "MNIST" in line and str(empty) in line


def test_data_dir_that_does_not_exist(capsys, tmp_path):
    out = tmp_path / "out"
    missing = tmp_path / "no_such_dir"
    args = [DFA, *TINY, "--set", "dataset=mnist", "--data-dir", missing, "--out", out]
    line = expect_user_error(capsys, args, out)
    assert str(missing) in line


def test_dataset_not_found_anywhere(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("CYCLESIM_DATA", raising=False)
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *TINY, "--set", "dataset=mnist", "--out", out], out)
    assert "MNIST not found" in line and "CYCLESIM_NO_DOWNLOAD" in line


# ---- corrupt IDX files (copies of the real ones)


@pytest.fixture
def mnist_copy(tmp_path) -> Path:
    """A data folder holding a private copy of the four real MNIST .gz files (in ./mnist)."""
    if not REAL_DATA:
        pytest.skip("CYCLESIM_DATA is not set")
    src = Path(REAL_DATA) / "mnist"
    if not all((src / f"{stem}.gz").is_file() for stem in MNIST_FILES):
        pytest.skip(f"the four MNIST .gz files are not in {src}")
    root = tmp_path / "data"
    (root / "mnist").mkdir(parents=True)
    for stem in MNIST_FILES:
        shutil.copyfile(src / f"{stem}.gz", root / "mnist" / f"{stem}.gz")
    return root


MNIST_TINY = [*TINY, "--set", "dataset=mnist", "--set", "mode=ideal"]


def test_intact_mnist_copy_runs(capsys, tmp_path, mnist_copy):
    """Control for the corruption tests: the untouched copy loads and trains."""
    out = tmp_path / "out"
    code, _, err = run_main(capsys, [DFA, *MNIST_TINY, "--data-dir", mnist_copy, "--out", out, "--quiet"])
    assert code == 0, err
    res = read_results(out)
    assert res["status"] == "complete"
    assert res["dataset_source"] == str(mnist_copy / "mnist")


def test_truncated_gz(capsys, tmp_path, mnist_copy):
    path = mnist_copy / "mnist" / "train-labels-idx1-ubyte.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *MNIST_TINY, "--data-dir", mnist_copy, "--out", out], out)
    assert "train-labels-idx1-ubyte" in line


def test_raw_file_with_broken_magic(capsys, tmp_path, mnist_copy):
    gz = mnist_copy / "mnist" / "t10k-labels-idx1-ubyte.gz"
    raw = gz.with_suffix("")
    content = bytearray(gzip.decompress(gz.read_bytes()))
    gz.unlink()  # the .gz would be preferred over the raw file
    content[:4] = b"\x00\x00\x08\x99"
    raw.write_bytes(bytes(content))
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *MNIST_TINY, "--data-dir", mnist_copy, "--out", out], out)
    assert str(raw) in line


def test_flipped_byte_in_gz(capsys, tmp_path, mnist_copy):
    path = mnist_copy / "mnist" / "t10k-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *MNIST_TINY, "--data-dir", mnist_copy, "--out", out], out)
    assert "t10k-images-idx3-ubyte" in line and "md5" in line


# ---- training that diverges

# With shift-normalised updates and activations held in [0, 1], no valid setting overflows, so the
# divergence path is exercised by poisoning one weight with NaN after a few updates (as a faulty
# state would): the next forward pass produces non-finite outputs.
DIVERGE = sets("mode=ideal", "training.epochs=2")


@pytest.fixture(autouse=False)
def poisoned(monkeypatch):
    from cyclesim.learn import network as net_mod

    original = net_mod.NetworkState.update
    calls = {"n": 0}

    def update(self, *args, **kwargs):
        original(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 12:  # inside the second epoch of TINY (8 batches per epoch)
            self.float_w[0][0, :] = np.nan

    monkeypatch.setattr(net_mod.NetworkState, "update", update)


def test_training_diverging_to_nan(capsys, tmp_path, poisoned):
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # checked on its own below
        line = expect_user_error(capsys, [DFA, *TINY, *DIVERGE, "--out", out])
    assert "diverged" in line and "training.lr" in line
    res = read_results(out)
    assert res["status"] == "failed"
    assert "diverged" in res["error"]
    assert len(res["epochs"]) == len(res["accuracy"]["test"])  # every completed epoch is kept
    assert len(read_epochs_csv(out)) == len(res["epochs"])
    no_tmp_files(out)


def test_divergence_shows_only_the_error_line(capsys, tmp_path, poisoned):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expect_user_error(capsys, [DFA, *TINY, *DIVERGE, "--out", tmp_path / "out"])
    assert not [str(w.message) for w in caught]


def test_divergence_keeps_completed_epochs(capsys, tmp_path, monkeypatch):
    original = train_mod.Trainer.run_epoch

    def run_epoch(self, epoch, *args, **kwargs):
        if epoch == 2:
            raise DivergenceError("training diverged to NaN in epoch 2; lower training.lr (now 0.1)")
        return original(self, epoch, *args, **kwargs)

    monkeypatch.setattr(train_mod.Trainer, "run_epoch", run_epoch)
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *TINY, "--set", "training.epochs=3", "--out", out])
    assert "diverged" in line
    res = read_results(out)
    assert res["status"] == "failed" and "diverged" in res["error"]
    assert [e["epoch"] for e in res["epochs"]] == [1]
    assert len(res["accuracy"]["test"]) == 1
    assert [r["epoch"] for r in read_epochs_csv(out)] == ["1"]
    no_tmp_files(out)


# ----------------------------------------------------------------------------------------------
# Happy path


def test_tiny_run_writes_results(capsys, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = run_main(capsys, [DFA, *TINY, "--set", "training.epochs=2", "--out", out])
    assert code == 0, err
    assert err == ""

    res = read_results(out)
    for key in ("cyclesim_version", "config", "seed", "accuracy", "status", "epochs"):
        assert key in res
    assert res["cyclesim_version"] == cyclesim.__version__
    assert res["status"] == "complete" and res["error"] is None
    assert res["seed"] == 0
    cfg = res["config"]
    assert cfg["name"] == "dfa_3layer" and cfg["rule"] == "dfa" and cfg["dataset"] == "synthetic"
    assert cfg["network"]["sizes"] == [784, 32, 10]
    assert cfg["training"]["epochs"] == 2 and cfg["training"]["train_limit"] == 400

    acc = res["accuracy"]
    assert set(acc) >= {"train", "test", "final_test"}
    assert len(acc["train"]) == len(acc["test"]) == 2
    assert acc["final_test"] == acc["test"][-1]
    assert all(0.0 <= a <= 1.0 for a in acc["train"] + acc["test"])
    assert [e["epoch"] for e in res["epochs"]] == [1, 2]

    rows = read_epochs_csv(out)
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert {"epoch", "train_accuracy", "test_accuracy"} <= set(rows[0])
    assert [float(r["test_accuracy"]) for r in rows] == pytest.approx(acc["test"])
    lines = (out / "epochs.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 2  # header + one row per epoch
    no_tmp_files(out)

    # per-epoch accuracy on stdout, then the summary
    for epoch, (tr, te) in enumerate(zip(acc["train"], acc["test"]), start=1):
        line = next(ln for ln in stdout.splitlines() if ln.lstrip().startswith(f"epoch {epoch:3d}"))
        assert f"train {100 * tr:6.2f} %" in line and f"test {100 * te:6.2f} %" in line
    assert "results.json" in stdout


def test_bp_ideal_run(capsys, tmp_path):
    out = tmp_path / "out"
    code, _, err = run_main(capsys, [BP, *TINY, "--set", "mode=ideal", "--out", out, "--quiet"])
    assert code == 0, err
    res = read_results(out)
    assert res["status"] == "complete" and res["config"]["rule"] == "bp"


def test_quiet_prints_no_epoch_lines(capsys, tmp_path):
    code, stdout, err = run_main(capsys, [DFA, *TINY, "--set", "mode=ideal", "--out", tmp_path / "o", "--quiet"])
    assert code == 0, err
    assert not [ln for ln in stdout.splitlines() if ln.startswith("epoch ")]
    assert "results.json" in stdout


def test_default_out_dir_is_under_runs(capsys, tmp_path):
    code, _, err = run_main(capsys, [DFA, *TINY, "--set", "mode=ideal", "--quiet"])
    assert code == 0, err
    found = list((tmp_path / "runs").glob("dfa_3layer-*/results.json"))
    assert len(found) == 1


def test_zero_epochs(capsys, tmp_path):
    out = tmp_path / "out"
    code, _, err = run_main(capsys, [DFA, *TINY, "--set", "training.epochs=0", "--out", out])
    assert code == 0, err
    res = read_results(out)
    assert res["status"] == "complete" and res["epochs"] == []
    assert res["accuracy"]["final_test"] is None


def _comparable(res: dict) -> dict:
    epochs = [{k: v for k, v in e.items() if k not in ("wall_s", "cpu_s")} for e in res["epochs"]]
    return {"accuracy": res["accuracy"], "epochs": epochs}


def test_same_seed_gives_identical_results(capsys, tmp_path):
    argv = [DFA, *TINY, "--set", "training.epochs=2", "--quiet"]
    for name in ("a", "b"):
        code, _, err = run_main(capsys, [*argv, "--out", tmp_path / name])
        assert code == 0, err
    a, b = read_results(tmp_path / "a"), read_results(tmp_path / "b")
    assert _comparable(a) == _comparable(b)
    assert a["config"] == b["config"]


def test_seed_option_sets_training_seed(capsys, tmp_path):
    code, _, err = run_main(capsys, [DFA, *TINY, "--seed", "3", "--out", tmp_path / "s3", "--quiet"])
    assert code == 0, err
    res = read_results(tmp_path / "s3")
    assert res["config"]["training"]["seed"] == 3
    assert res["seed"] == 3


def test_seed_option_overrides_set(capsys, tmp_path):
    argv = [DFA, *TINY, "--set", "training.seed=5", "--seed", "7", "--out", tmp_path / "o", "--quiet"]
    code, _, err = run_main(capsys, argv)
    assert code == 0, err
    assert read_results(tmp_path / "o")["config"]["training"]["seed"] == 7


# ----------------------------------------------------------------------------------------------
# Interrupt


def test_keyboard_interrupt_keeps_completed_epochs(capsys, tmp_path, monkeypatch):
    original = train_mod.Trainer.run_epoch

    def run_epoch(self, epoch, *args, **kwargs):
        if epoch == 2:
            raise KeyboardInterrupt
        return original(self, epoch, *args, **kwargs)

    monkeypatch.setattr(train_mod.Trainer, "run_epoch", run_epoch)
    out = tmp_path / "out"
    code, _, err = run_main(capsys, [DFA, *TINY, "--set", "training.epochs=3", "--out", out])
    assert code == 130
    assert "interrupted" in err and str(out) in err
    assert "Traceback" not in err
    res = read_results(out)
    assert res["status"] == "interrupted"
    assert len(res["epochs"]) == 1 and res["epochs"][0]["epoch"] == 1
    assert len(res["accuracy"]["test"]) == 1
    assert len(read_epochs_csv(out)) == 1
    no_tmp_files(out)


# ----------------------------------------------------------------------------------------------
# Subcommands and command-line syntax


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "compare", "sweep", "device"):
        assert f"    {command} " in out, out


def test_run_subcommand_equals_the_short_form(capsys, tmp_path):
    assert run_main(capsys, ["run", DFA, *TINY, "--quiet", "--out", tmp_path / "a"])[0] == 0
    assert run_main(capsys, [DFA, *TINY, "--quiet", "--out", tmp_path / "b"])[0] == 0
    a, b = read_results(tmp_path / "a"), read_results(tmp_path / "b")
    assert a["accuracy"] == b["accuracy"] and a["area"] == b["area"]


@pytest.mark.parametrize(
    "argv, needle",
    [
        ([], "required: {run,compare,sweep,device}"),
        (["device"], "required: {table,fit}"),
        (["device", "table"], "the following arguments are required: --out"),
        (["device", "table", "--out", "t.csv", "--cycles", "0"], "argument --cycles: must be from 1 to 10000"),
        (["device", "fit"], "the following arguments are required: file"),
        (["run"], "the following arguments are required: workload"),
        (["run", DFA, "--bogus"], "unrecognized arguments: --bogus"),
        (["run", DFA, "--window", "9:3"], "argument --window: need 0 <= START < END"),
        (["run", DFA, "--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["sweep"], "the following arguments are required: file"),
        (["compare", DFA], "the following arguments are required: b"),
        (["sweep", "f.py", "--workers"], "argument --workers: expected one argument"),
    ],
)
def test_command_line_syntax_error_is_one_line(capsys, argv, needle):
    line = expect_user_error(capsys, argv)
    assert needle in line and "--help" in line, line


# ----------------------------------------------------------------------------------------------
# Output folder problems


def test_out_path_is_a_file(capsys, tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder", encoding="utf-8")
    expect_user_error(capsys, [DFA, *TINY, "--set", "mode=ideal", "--out", target])


def test_out_path_under_a_file(capsys, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("not a folder", encoding="utf-8")
    expect_user_error(capsys, [DFA, *TINY, "--set", "mode=ideal", "--out", taken / "sub"])


# ----------------------------------------------------------------------------------------------
# The real entry point


def test_entry_point_reports_one_line_and_exit_2(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["CYCLESIM_NO_DOWNLOAD"] = "1"
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cyclesim", DFA, *TINY, "--set", "chip.adc_bits=0", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "chip.adc_bits" in lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    no_partial_files(out)


# ----------------------------------------------------------------------------------------------
# Malformed technology files


@pytest.mark.parametrize(
    "path, old, new, field",
    [
        ("devices/rram_neurosim.toml", 'r_on = "100 kohm"', 'r_on = "-100 kohm"', "r_on"),
        ("devices/rram_neurosim.toml", 'read_v = "0.5 V"', 'read_v = "0.5 A"', "read_v"),
        ("nodes/32nm.toml", "vdd = ", "vdd_typo = ", "vdd"),
    ],
)
def test_malformed_tech_file(capsys, tmp_path, monkeypatch, path, old, new, field):
    tree = tmp_path / "tech"
    shutil.copytree(ROOT / "tech", tree)
    target = tree / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setenv("CYCLESIM_TECH", str(tree))
    out = tmp_path / "out"
    line = expect_user_error(capsys, [BP, *TINY, "--set", "training.epochs=0", "--out", out])
    assert path.split("/")[-1] in line and field in line


# ----------------------------------------------------------------------------------------------
# compare


def test_compare_two_results_files(capsys, tmp_path):
    outs = []
    for rule in ("bp", "dfa"):
        out = tmp_path / rule
        code, _, _ = run_main(capsys, [BP if rule == "bp" else DFA, *TINY, "--set", "training.epochs=0", "--out", out])
        assert code == 0
        outs.append(out / "results.json")
    code, text, err = run_main(capsys, ["compare", *outs])
    assert code == 0 and not err
    a, b = (read_results(p.parent) for p in outs)
    want = a["latency"]["iteration_s"] / b["latency"]["iteration_s"]
    assert f"{want:.3f}" in text
    assert f"{a['area']['breakdown_um2']['adc'] / b['area']['breakdown_um2']['adc']:.3f}" in text


def test_compare_missing_file(capsys, tmp_path):
    line = expect_user_error(capsys, ["compare", tmp_path / "nope.json", tmp_path / "also.json"])
    assert "nope.json" in line


def test_timeline_and_trace(capsys, tmp_path):
    out, trace = tmp_path / "out", tmp_path / "trace.json"
    code, text, err = run_main(
        capsys,
        [
            DFA,
            *TINY,
            "--set",
            "training.epochs=0",
            "--timeline",
            "--window",
            "0:100000",
            "--trace",
            trace,
            "--out",
            out,
        ],
    )
    assert code == 0, err
    assert "timeline" in text and "layer1 subarrays" in text
    doc = json.loads(trace.read_text())
    assert doc["traceEvents"] and doc["otherData"]["clock_hz"] == 1e9
    assert (out / "layers.csv").read_text().startswith("layer,")


# ----------------------------------------------------------------------------------------------
# Issue 16: output paths, signals, memory, terminals


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_empty_out_is_refused(capsys, tmp_path, command):
    args = {"run": ["run", DFA, *TINY], "compare": ["compare", DFA, DFA], "sweep": ["sweep", "s.py"]}[command]
    line = expect_user_error(capsys, [*args, "--out", ""])
    assert "argument --out: an empty path" in line
    assert os.listdir(tmp_path) == []  # nothing written into the current folder


@pytest.mark.parametrize(
    "option, make, needle",
    [
        ("--trace", lambda t: t.mkdir(), "is a folder; name a file"),
        ("--trace", None, "taken is a file"),
        ("--plots", None, "taken is a file"),
        ("--plots", lambda t: t.write_text("x"), "cannot create this folder: it is a file"),
        ("--out", None, "taken is a file"),
    ],
)
def test_output_paths_are_checked_before_any_work(capsys, tmp_path, monkeypatch, option, make, needle):
    taken = tmp_path / "taken"
    if make is None:
        taken.write_text("a file")
        path = taken / "x.json"
    else:
        make(taken)
        path = taken
    monkeypatch.setattr(cli_runner, "run", lambda *a, **k: pytest.fail("the run started"))
    out = tmp_path / "out"
    argv = [DFA, *TINY, option, path] + (["--out", out] if option != "--out" else [])
    line = expect_user_error(capsys, argv)
    assert line.startswith(f"error: {option} ") and needle in line, line
    assert not out.exists()


def test_read_only_out_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    out = tmp_path / "ro"
    out.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == out else real(p, mode))
    monkeypatch.setattr(cli_runner, "run", lambda *a, **k: pytest.fail("the run started"))
    line = expect_user_error(capsys, [DFA, *TINY, "--out", out])
    assert (
        line
        == f"error: --out {out}: cannot write in this folder ({out} is not writable; choose a folder you can write)"
    )


def test_a_full_disk_is_one_line_and_keeps_the_completed_epoch(capsys, tmp_path, monkeypatch):
    import errno

    real, writes = os.replace, []

    def fill_up(src, dst):
        writes.append(dst)
        if len(writes) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", fill_up)
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, *TINY, "--set", "training.epochs=3", "--out", out])
    assert (
        line
        == f"error: cannot write {out / 'results.json'} (No space left on device; free some space or write elsewhere)"
    )
    assert len(read_results(out)["epochs"]) == 1 and len(read_epochs_csv(out)) == 1
    no_tmp_files(out)


def test_a_reused_out_keeps_no_file_of_the_earlier_run(capsys, tmp_path):
    out = tmp_path / "out"
    assert run_main(capsys, [DFA, *TINY, "--quiet", "--out", out])[0] == 0
    assert (out / "layers.csv").exists()
    assert run_main(capsys, [DFA, *TINY, "--set", "mode=ideal", "--quiet", "--out", out])[0] == 0
    assert sorted(os.listdir(out)) == ["epochs.csv", "results.json"]
    assert read_results(out)["config"]["mode"] == "ideal"


def test_a_run_too_large_for_memory_is_refused_before_any_work(capsys, tmp_path, monkeypatch):
    from cyclesim import footprint

    monkeypatch.delenv("CYCLESIM_MEMORY_CHECK", raising=False)
    monkeypatch.setattr(footprint, "available", lambda: (1 << 30, "available"))
    out = tmp_path / "out"
    line = expect_user_error(capsys, [DFA, "--set", "network.sizes=784,30000,30000,10", "--out", out])
    assert "needs about 38.1 GiB" in line and "only 1.0 GiB is available" in line
    assert "lower network.sizes (the widest layer has 30000 units)" in line
    assert not out.exists()


def test_an_echoed_value_is_shortened(capsys, tmp_path):
    huge = "9" * 10_000
    line = expect_user_error(capsys, [DFA, "--set", f"chip.adc_bits={huge}", "--out", tmp_path / "o"])
    assert len(line) < 400, line
    line = expect_user_error(capsys, [DFA, *TINY, "--out", tmp_path / ("x" * 10_000)])
    assert len(line) < 400 and "…(10" in line and "longer than the 255" in line, line


def entry_point(tmp_path: Path, *argv, env_extra: dict | None = None, **popen) -> subprocess.Popen:
    env = dict(os.environ, CYCLESIM_NO_DOWNLOAD="1", **(env_extra or {}))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "cyclesim", *map(str, argv)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_an_ascii_terminal_gets_ascii_units(tmp_path):
    proc = entry_point(tmp_path, DFA, *TINY, "--out", tmp_path / "o", env_extra={"PYTHONIOENCODING": "ascii"})
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and " us per iteration" in out and "mm2" in out
    proc = entry_point(tmp_path, DFA, *TINY, "--out", "x" * 5000, env_extra={"PYTHONIOENCODING": "ascii"})
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and err.count("\n") == 1 and "...(5000 chars)" in err, err


@pytest.mark.parametrize(
    "signame, code, what", [("SIGTERM", 143, "stopped by SIGTERM"), ("SIGINT", 130, "interrupted")]
)
def test_a_signal_stops_a_run_truthfully(tmp_path, signame, code, what):
    import signal

    out = tmp_path / "out"
    long_run = [*TINY, "--set", "training.epochs=200", "--set", "training.train_limit=2000", "--quiet"]
    proc = entry_point(tmp_path, DFA, *long_run, "--out", out)
    deadline = time.monotonic() + 60
    while not (out / "results.json").exists():  # the first epoch is written
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(getattr(signal, signame))
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert stderr == f"{what}; completed epochs are kept in {out}\n"
    res = read_results(out)
    assert res["status"] == "interrupted" and len(res["epochs"]) >= 1
    assert len(read_epochs_csv(out)) == len(res["epochs"])
    no_tmp_files(out)


# ----------------------------------------------------------------------------------------------
# device: curve tables


def test_device_table_writes_the_parametric_model(capsys, tmp_path):
    from cyclesim import tech

    out = tmp_path / "tables" / "model.csv"
    code, printed, _ = run_main(capsys, ["device", "table", "--out", out, "--cycles", "3", "--set", "device.nl_ltp=2"])
    assert code == 0 and str(out) in printed
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# cyclesim device table") and "nl_ltp=2 " in text
    table = tech.load_curve(out)
    assert table.ltp_s.shape == table.ltd_s.shape == (3, 32)
    again = tmp_path / "again.csv"
    assert run_main(capsys, ["device", "table", "--out", again, "--cycles", "3", "--set", "device.nl_ltp=2"])[0] == 0
    assert again.read_text(encoding="utf-8") == text  # seeded


def test_device_fit_prints_the_parametric_fit(capsys, tmp_path):
    out = tmp_path / "model.csv"
    assert run_main(capsys, ["device", "table", "--out", out])[0] == 0
    code, printed, err = run_main(capsys, ["device", "fit", out])
    assert code == 0, err
    for needle in (
        "parametric fit of",
        "NL LTP",
        "NL LTD",
        "C2C",
        "on/off ratio",
        "RMS error",
        "--set device.nl_ltp=1.7",
    ):
        assert needle in printed, printed


def test_device_fit_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out, png = tmp_path / "model.csv", tmp_path / "fig" / "fit.png"
    assert run_main(capsys, ["device", "table", "--out", out, "--cycles", "2"])[0] == 0
    assert run_main(capsys, ["device", "fit", out, "--plot", png])[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_a_run_with_a_curve_table(capsys, tmp_path):
    table = tmp_path / "model.csv"
    assert run_main(capsys, ["device", "table", "--out", table, "--cycles", "4"])[0] == 0
    out = tmp_path / "out"
    code, printed, err = run_main(capsys, [DFA, *TINY, "--set", f"device.curve={table}", "--out", out])
    assert code == 0, err
    assert "measured curve model.csv" in printed
    device = read_results(out)["config"]["device"]
    assert device["curve"] == str(table) and device["name"] == "model" and device["levels"] == 32


BAD_TABLES = {
    "too few points": (
        "pulse,conductance_s,direction,cycle\n0,1e-6,ltp,0\n1,2e-6,ltp,0\n0,2e-6,ltd,0\n1,1e-6,ltd,0\n",
        "too few points",
    ),
    "non-monotone": (
        "pulse,conductance_s,direction,cycle\n0,1e-6,ltp,0\n1,3e-6,ltp,0\n2,2e-6,ltp,0\n"
        "0,3e-6,ltd,0\n1,2e-6,ltd,0\n2,1e-6,ltd,0\n",
        "non-monotone",
    ),
    "negative": ("pulse,conductance_s,direction,cycle\n0,-1e-6,ltp,0\n", "must be a positive conductance"),
    "unknown direction": ("pulse,conductance_s,direction,cycle\n0,1e-6,set,0\n", "direction must be ltp"),
    "missing column": ("pulse,conductance_s,direction\n0,1e-6,ltp\n", "missing column 'cycle'"),
    "not UTF-8": (b"pulse,conductance_s,direction,cycle\n0,1e-6,ltp,0 \xff\n", "not UTF-8"),
}


@pytest.mark.parametrize("command", ["run", "fit"])
@pytest.mark.parametrize("kind", sorted(BAD_TABLES))
def test_a_bad_curve_table_is_one_error_line(capsys, tmp_path, kind, command):
    content, needle = BAD_TABLES[kind]
    table = tmp_path / "bad table.csv"
    table.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = tmp_path / "out"
    argv = (
        [DFA, *TINY, "--set", f"device.curve={table}", "--out", out] if command == "run" else ["device", "fit", table]
    )
    line = expect_user_error(capsys, argv, out)
    assert "bad table.csv" in line and needle in line, line


@pytest.mark.parametrize("command", ["run", "fit"])
def test_an_unreadable_curve_table_is_one_error_line(capsys, tmp_path, command):
    for target in (tmp_path / "missing.csv", tmp_path):
        out = tmp_path / "out"
        argv = (
            [DFA, *TINY, "--set", f"device.curve={target}", "--out", out]
            if command == "run"
            else ["device", "fit", target]
        )
        line = expect_user_error(capsys, argv, out)
        assert "cannot read" in line and str(target.name) in line and "pulse, conductance_s" in line, line


def test_device_table_refuses_what_it_cannot_write_or_make(capsys, tmp_path):
    line = expect_user_error(capsys, ["device", "table", "--out", tmp_path])
    assert "--out" in line and "is a folder" in line
    line = expect_user_error(capsys, ["device", "table", "--out", tmp_path / "t.csv", "--set", "device.name=enode"])
    assert "curve table already" in line
    line = expect_user_error(capsys, ["device", "table", "--out", tmp_path / "t.csv", "--set", "chip.adc_bits=3"])
    assert "only device.* settings" in line


@pytest.mark.slow
def test_vgg8_offline_estimate_reports_the_chip_and_one_iteration(tmp_path):
    """NeuroSim's VGG-8 mapped, priced and one batch-16 iteration simulated offline (the synthetic set
    in the network's 32x32x3 shape): area by category, tiles, utilisation, latency and energy per phase."""
    root = Path(__file__).resolve().parents[1]
    args = ["--set", "training.epochs=0", "--set", "dataset=synthetic", "--quiet", "--out", str(tmp_path / "vgg8")]
    assert cli.main([str(root / "workloads" / "vgg8_cifar10.py"), *args]) == 0
    doc = json.loads((tmp_path / "vgg8" / "results.json").read_text())
    assert doc["config"]["network"]["input_shape"] == [3, 32, 32] and len(doc["floorplan"]["per_layer"]) == 8
    assert doc["floorplan"]["tiles"] > 0 and 0 < doc["floorplan"]["utilization"] <= 1
    assert all(v > 0 for k, v in doc["area"]["breakdown_um2"].items() if k != "dram")
    assert all(doc["latency"]["per_phase_s"][p] > 0 for p in ("fw", "ag", "wg", "wu"))
    assert all(doc["energy"]["per_phase_j"][p] > 0 for p in ("fw", "ag", "wg", "wu"))
