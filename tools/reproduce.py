"""Reproduce the paper's findings: run every experiment in workloads/paper/ and write docs/RESULTS.md.

Each experiment is one file in workloads/paper/: a sweep file (its points) that also defines
`report(docs, figures)`, its analysis, and `order`, its place in the report. This tool runs the points
of all experiments through one pool of workers, longest first, with the resumable sweep runner (each
experiment in its own folder, so an interrupted reproduction resumes), then passes the results
documents of each experiment's complete points to its `report`, which returns a markdown section: a
table (mean ± sd over seeds), a figure (PNG, needs the `plots` extra) and the paper's claim beside
ours with a verdict computed from the numbers, never written by hand. The sections, in `order`, make
docs/RESULTS.md; its header gives the wall time and the parallel efficiency of the run.

    python tools/reproduce.py [--quick] [--workers N] [--out DIR] [--only NAME ...] [--docs DIR]

`--quick` sets CYCLESIM_QUICK=1 (one seed, fewer epochs; see each experiment file) and trains on the
first 20000 MNIST images; its report says so at the top.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cyclesim import sweep as sweep_mod  # noqa: E402
from cyclesim.workload import run_file  # noqa: E402

PAPER = ROOT / "workloads" / "paper"
TITLES = {
    "RESULTS.md": "cyclesim: reproduction of Wolters et al., MWSCAS 2023 (BP vs DFA on RRAM CIM)",
    "RULES.md": "cyclesim: which learning rule for an RRAM CIM chip (BP, DFA, FA, DRTP, sign-symmetry)",
    "CONV.md": "cyclesim: convolutional networks on an RRAM CIM chip (learning rules on LeNet, VGG-8)",
}
"""The reports, by file name: an experiment names its report with `document` (default RESULTS.md)."""


def experiments(only: list[str] | None) -> list[tuple[Path, dict]]:
    """The experiment files of workloads/paper/ (those whose name is in `only`, or all) with their
    namespaces (`report`, `order`, ...), in report order."""
    found = [(path, run_file(path, "sweep")) for path in sorted(PAPER.glob("*.py")) if not only or path.stem in only]
    return sorted(found, key=lambda e: e[1]["order"])


def run_experiments(paths: list[Path], out: Path, workers: int, quick: bool) -> float | None:
    """Run (or resume) the experiments' sweeps through one pool (`run_sweeps`), each in
    `out/<file name>`; return the parallel efficiency of the points run (None when none had to run)."""
    sweeps = [(sweep_mod.load_sweep(path), out / path.stem) for path in paths]
    overrides = ["training.train_limit=20000"] if quick else []
    summaries = sweep_mod.run_sweeps(sweeps, workers=workers, overrides=overrides)
    return summaries[0].efficiency if summaries else None


def collect(folder: Path) -> tuple[list[dict], float, list[float]]:
    """The results documents of the complete points of the sweep in `folder`, the sum of their run
    times (worker seconds) and their start and finish times."""
    docs, worker_s, times = [], 0.0, []
    for point in sorted((folder / "points").glob("*.json")):
        rec = json.loads(point.read_text(encoding="utf-8"))
        if rec.get("status") == "complete":
            docs.append(rec["results"])
            worker_s += rec.get("wall_s") or 0.0
            times += [point.stat().st_mtime - (rec.get("wall_s") or 0.0), point.stat().st_mtime]
    return docs, worker_s, times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="one seed, fewer epochs, 20000 training images")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "reproduce")
    ap.add_argument("--only", nargs="*", default=None, help="experiment names to run (default: all)")
    ap.add_argument("--docs", type=Path, default=ROOT / "docs", help="where RESULTS.md and figures/ go")
    args = ap.parse_args(argv)
    if args.quick:
        os.environ["CYCLESIM_QUICK"] = "1"
    out = args.out / ("quick" if args.quick else "full")
    docs_dir = args.docs
    figs = docs_dir / "figures"
    t0 = time.time()
    found = experiments(args.only)
    print(f"running {', '.join(path.stem for path, _ in found)} on {args.workers} workers", flush=True)
    efficiency = run_experiments([path for path, _ in found], out, args.workers, args.quick)
    print(f"[{time.time() - t0:6.0f} s] points done; {busy(efficiency)}", flush=True)
    reports: dict = {}  # document -> {"sections", "worker_s", "times"}
    for path, experiment in found:
        docs, seconds, times = collect(out / path.stem)
        report = reports.setdefault(
            experiment.get("document", "RESULTS.md"), {"sections": [], "worker_s": 0.0, "times": []}
        )
        report["sections"].append(experiment["report"](docs, figs))
        report["worker_s"] += seconds
        report["times"] += times
    wall = time.time() - t0
    docs_dir.mkdir(exist_ok=True)
    for document, report in reports.items():
        text = "\n".join(header(document, report, wall, efficiency, args) + report["sections"])
        (docs_dir / document).write_text(text, encoding="utf-8")
        print(f"wrote {docs_dir / document} ({wall / 60:.1f} min, {busy(efficiency)})")
    return 0


def busy(efficiency: float | None) -> str:
    """How busy an invocation kept its workers: "parallel efficiency 93 %" (see `sweep.SweepSummary`),
    or, for None, that no point had to run."""
    return "no point had to run" if efficiency is None else f"parallel efficiency {100 * efficiency:.0f} %"


def header(document: str, report: dict, wall: float, efficiency: float | None, args) -> list[str]:
    """A report's title and provenance: the command, when its points ran and for how long, and how busy
    this invocation kept its workers (`busy`)."""
    times = report["times"] or [time.time()]

    def stamp(fmt: str, t: float) -> str:
        return time.strftime(fmt, time.localtime(t))

    only = f" --only {' '.join(args.only)}" if args.only else ""
    head = [
        f"# {TITLES[document]}",
        "",
        f"Computed by `python tools/reproduce.py{' --quick' if args.quick else ''} --workers {args.workers}{only}`: "
        f"the points ran on {stamp('%Y-%m-%d', min(times))} between {stamp('%H:%M', min(times))} and "
        f"{stamp('%H:%M', max(times))} UTC (**{(max(times) - min(times)) / 60:.1f} min wall**; their own run times "
        f"add up to {report['worker_s'] / 60:.1f} worker-minutes). This report was written on "
        f"{time.strftime('%Y-%m-%d %H:%M')} by an invocation that took {wall / 60:.1f} min ({busy(efficiency)}; "
        "points already complete are reused, not rerun).",
        "",
    ]
    if args.quick:
        head += [
            "> **QUICK RUN**: one seed, reduced epochs and 20000 training images — numbers are indicative "
            "only; the committed report must come from a full run.",
            "",
        ]
    return head + [
        "Verdicts are computed from the numbers by `tools/reproduce.py`. Seeds per point come from "
        "`numpy.random.SeedSequence(0).spawn`; accuracies are mean ± sd over seeds.",
        "",
    ]


if __name__ == "__main__":
    sys.exit(main())
