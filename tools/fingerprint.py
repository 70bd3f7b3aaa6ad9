"""Fingerprint every result the shipped workloads and sweep files produce, to prove a refactor changed none.

    python tools/fingerprint.py run OUT [--workers N] [--fast]   # compute OUT/fingerprint.json
    python tools/fingerprint.py diff A B                         # compare two fingerprints, exit 1 on change

`run` drives only the command line (so the same tool runs on the code before and after a change):
- every `workloads/*.py` as shipped (full training; `--fast` limits it to 2 epochs on 2000 images; one on
  CIFAR-10, which no machine here has, as its chip and one iteration on the synthetic set: `OFFLINE`);
- every point of every sweep file (`workloads/paper/*.py`, `workloads/sweeps/*.py`) in quick mode with one
  epoch on 1000 training and 500 test images (the depth-style `training.epochs=0` points as they are).
The fingerprint is each results.json without what legitimately varies between runs (wall and CPU
times, the environment, the dataset's folder and the package version), keyed by workload name and seed.
`diff` lists every figure that differs, by its path in the document, with both values.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = {"wall_s", "cpu_s", "environment", "dataset_source", "cyclesim_version"}
SWEEP_LIMITS = ["training.train_limit=1000", "training.test_limit=500"]


def strip(doc):
    """`doc` without the keys in VOLATILE, at any depth."""
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


def _cli(args: list[str], env: dict) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cyclesim", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"cyclesim {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


OFFLINE = ["--set", "dataset=synthetic", "--set", "training.epochs=0"]
"""How a workload on a dataset no machine here has (CIFAR-10) is fingerprinted: its chip and one
simulated iteration on the synthetic set of its input shape."""


def _dataset(path: Path, env: dict) -> str:
    code = "import sys; from cyclesim.workload import load; print(load(sys.argv[1]).dataset)"
    return subprocess.run(
        [sys.executable, "-c", code, str(path)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _sweep_epochs(path: Path, env: dict) -> set[int]:
    code = (
        "import sys; from cyclesim import sweep; "
        "print(sorted({w.training.epochs for _k, w in sweep.load_sweep(sys.argv[1]).points}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


def run(out: Path, workers: int, fast: bool) -> None:
    env = dict(os.environ, CYCLESIM_QUICK="1")
    prints: dict = {}
    failed: list[str] = []
    for wl in sorted((ROOT / "workloads").glob("*.py")):
        target = out / "workloads" / wl.stem
        extra = ["--set", "training.epochs=2", "--set", "training.train_limit=2000"] if fast else []
        if _dataset(wl, env) == "cifar10":
            extra = OFFLINE
        _cli([str(wl), "--quiet", "--out", str(target), *extra], env)
        doc = json.loads((target / "results.json").read_text())
        prints[f"workload/{wl.stem}"] = strip(doc)
        print(f"workload {wl.stem}: final test {doc['accuracy']['final_test']}", flush=True)
    for sw in sorted((ROOT / "workloads").glob("*/*.py")):
        target = out / "sweeps" / sw.parent.name / sw.stem
        sets = [*SWEEP_LIMITS]
        if _sweep_epochs(sw, env) != {0}:
            sets.append("training.epochs=1")
        args = ["sweep", str(sw), "--out", str(target), "--workers", str(workers)]
        for s in sets:
            args += ["--set", s]
        try:
            _cli(args, env)
        except SystemExit as exc:  # report it, fingerprint the rest
            failed.append(f"{sw.parent.name}/{sw.stem}")
            print(f"FAILED {exc}", flush=True)
            continue
        n = 0
        for p in sorted((target / "points").glob("*.json")):
            rec = json.loads(p.read_text())
            res = rec["results"]
            prints[f"{sw.parent.name}/{sw.stem}/{res['config']['name']}/seed{res['seed']}"] = strip(res)
            n += 1
        print(f"sweep {sw.parent.name}/{sw.stem}: {n} points", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "fingerprint.json").write_text(json.dumps(prints, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out / 'fingerprint.json'} ({len(prints)} results)")
    if failed:
        raise SystemExit(f"these sweep files failed (not fingerprinted): {', '.join(failed)}")


def differences(a, b, path: str = ""):
    """Yield (path, value in a, value in b) for every leaf that differs."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            yield from differences(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b


def _leaves(x) -> int:
    if isinstance(x, dict):
        return sum(_leaves(v) for v in x.values())
    if isinstance(x, list):
        return sum(_leaves(v) for v in x)
    return 1


def diff(a: Path, b: Path) -> int:
    fa, fb = (json.loads((p / "fingerprint.json" if p.is_dir() else p).read_text()) for p in (a, b))
    found = list(differences(fa, fb))
    for path, x, y in found[:200]:
        print(f"{path}: {json.dumps(x)[:120]} -> {json.dumps(y)[:120]}")
    leaves = _leaves(fa)
    print(
        f"{len(found)} of {leaves} figures differ across {len(fa)} results"
        if found
        else f"identical: {leaves} figures across {len(fa)} results"
    )
    return 1 if found else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--fast", action="store_true")
    d = sub.add_parser("diff")
    d.add_argument("a", type=Path)
    d.add_argument("b", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "run":
        run(args.out.resolve(), args.workers, args.fast)
        return 0
    return diff(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
