"""Estimated against measured peak memory of a run (the acceptance table of `cyclesim.footprint`).

For every case a fresh Python process imports cyclesim, runs the workload (`cyclesim.runner.run`,
no files) and reports its peak resident set; another fresh process only imports the same modules,
and its peak is the baseline. The measured peak of a run is its process's peak minus that baseline,
which is what `footprint.estimate` predicts (the memory a run adds to the process that starts it).
The peak is VmHWM of /proc/self/status (Linux), the high-water mark of the process image; elsewhere
`resource.getrusage(RUSAGE_SELF).ru_maxrss`, which on Linux a child inherits from its parent across
fork and exec (a child of a large process would report the parent's size). A small warm-up run
first fills numba's cache, so no measured process compiles the kernels (compiling costs about
80 MiB more, once per install).

Cases: 784-W-W-10 for W in --widths (default 256 512 1024 2048 4096), hardware mode, the default
rule (DFA), batch 200, one epoch of --train-limit examples (default 400) and --test-limit test
examples (default 200), one simulated iteration, on --dataset (default mnist: needs the files in
$CYCLESIM_DATA or the cache; synthetic needs none). `--variants` adds BP, ideal and quantized mode,
batch 50 and 400, and two epochs at width 2048. The acceptance: estimate / measured within
[1/1.5, 1.5] for every width.

Run from the repository root:  python tools/memory_table.py [--widths 256 512 ...] [--variants]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, resource, sys


def peak_kib():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # bytes on macOS


from cyclesim import config, footprint, runner
from cyclesim import workload as workload_file
spec = json.loads(sys.argv[1])
wl = config.Workload(
    name="memory",
    network=config.Network(sizes=tuple(spec["sizes"])),
    dataset=spec["dataset"],
    training=config.Training(epochs=1, train_limit=spec["train_limit"], test_limit=spec["test_limit"]),
)
wl = workload_file.apply(wl, spec["sets"])
est = footprint.estimate(wl)
if spec["run"]:
    runner.run(wl)
print(json.dumps({"peak_kib": peak_kib(), "estimate": est.peak, "phase": est.phase}))
"""


def measure(spec: dict) -> dict:
    env = {**os.environ, "CYCLESIM_MEMORY_CHECK": "off"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"case {spec} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--train-limit", type=int, default=400)
    ap.add_argument("--test-limit", type=int, default=200)
    ap.add_argument("--variants", action="store_true", help="also BP, ideal, quantized, batch 50/400, 2 epochs")
    args = ap.parse_args()

    def spec(width: int, sets=(), run=True) -> dict:
        return {
            "sizes": [784, width, width, 10],
            "dataset": args.dataset,
            "train_limit": args.train_limit,
            "test_limit": args.test_limit,
            "sets": list(sets),
            "run": run,
        }

    measure(spec(16))  # warm numba's cache
    base_kib = measure(spec(16, run=False))["peak_kib"]
    cases = [(f"784-{w}-{w}-10", spec(w)) for w in args.widths]
    if args.variants:
        for sets in (
            ["rule=bp"],
            ["mode=ideal"],
            ["mode=quantized"],
            ["training.batch_size=50"],
            ["training.batch_size=400", "training.train_limit=800"],
            ["training.epochs=2"],
        ):
            cases.append((f"784-2048-2048-10 {' '.join(sets)}", spec(2048, sets)))
    print(f"baseline (import-only process): {base_kib / 1024:.0f} MiB; dataset {args.dataset}\n")
    print("| case | estimated MiB | measured MiB | estimated / measured | peak phase |")
    print("|---|---:|---:|---:|---|")
    worst = 1.0
    for name, sp in cases:
        r = measure(sp)
        measured = (r["peak_kib"] - base_kib) * 1024
        ratio = r["estimate"] / measured
        worst = max(worst, ratio, 1 / ratio)
        print(f"| {name} | {r['estimate'] / 2**20:,.0f} | {measured / 2**20:,.0f} | {ratio:.2f} | {r['phase']} |")
    print(f"\nworst factor: {worst:.2f} (acceptance: <= 1.5)")


if __name__ == "__main__":
    main()
