"""Command line: `python -m cyclesim WORKLOAD [--set key=value ...] [--out DIR] [--seed N]`,
`python -m cyclesim compare A B [--set ...]` (A, B: workload files or results.json files), and
`python -m cyclesim sweep FILE [--workers N | --scheduler ADDRESS] [--out DIR] [--set ...] [--seed N]`.

Exit codes: 0 success, 2 a problem the user can fix (printed as one line), 130 interrupted;
`sweep` exits 1 when some points failed.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from cyclesim import workload as workload_file
from cyclesim.errors import UserError, one_line


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cyclesim",
        description="Train an MLP with BP or DFA through a model of an RRAM compute-in-memory chip.",
    )
    p.add_argument("workload", help="workload file (Python defining `workload`), e.g. workloads/dfa_3layer.py")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting, e.g. --set chip.adc_bits=3 --set network.sizes=784,512,10")
    p.add_argument("--out", type=Path, default=None, help="output folder (default runs/<name>-<time>)")
    p.add_argument("--seed", type=int, default=None, help="root seed (sets training.seed)")
    p.add_argument("--data-dir", default=None, help="folder with the dataset files (else $CYCLESIM_DATA, cache, download)")
    p.add_argument("--quiet", action="store_true", help="print only the final summary")
    p.add_argument("--timeline", action="store_true", help="draw the last simulated iteration's timeline")
    p.add_argument("--window", type=_window, default=None, metavar="START:END",
                   help="cycles shown by --timeline (and written by --trace)")
    p.add_argument("--contention", action="store_true",
                   help="show per-resource queueing and the iteration's critical path")
    p.add_argument("--trace-window", type=_window, default=None, metavar="START:END",
                   help="cycles written by --trace (default: --window, else the whole iteration)")
    p.add_argument("--plots", type=Path, default=None, metavar="DIR",
                   help="write PNG figures (accuracy, area, phases, timeline); needs the `plots` extra")
    p.add_argument("--trace", type=Path, default=None, metavar="FILE",
                   help="write the last simulated iteration as Chrome trace JSON (ui.perfetto.dev)")
    return p


def _window(text: str) -> tuple[int, int]:
    try:
        a, b = (int(v.replace("_", "")) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected START:END in cycles, got {text!r}") from None
    if not 0 <= a < b:
        raise argparse.ArgumentTypeError(f"need 0 <= START < END, got {text!r}")
    return a, b


def compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cyclesim compare",
                                description="Put two runs side by side (workload files are run first).")
    p.add_argument("a", type=Path, help="workload file or results.json")
    p.add_argument("b", type=Path, help="workload file or results.json")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override applied to both workload files")
    p.add_argument("--out", type=Path, default=None, help="folder for the two runs (default runs/compare-<time>)")
    p.add_argument("--data-dir", default=None)
    return p


def compare(argv: list[str]) -> int:
    args = compare_parser().parse_args(argv)
    from rich.console import Console

    from cyclesim.report import compare as cmp
    from cyclesim.report import console

    docs = []
    try:
        root = args.out or Path("runs") / f"compare-{__import__('time').strftime('%Y%m%d-%H%M%S')}"
        for tag, path in (("a", args.a), ("b", args.b)):
            if path.suffix == ".json":
                docs.append(cmp.load_results(path))
                continue
            wl = workload_file.apply(workload_file.load(path), list(args.overrides))
            result = console.run_with_progress(wl, out_dir=root / f"{tag}-{wl.name}",
                                               data_dir=args.data_dir, quiet=True)
            docs.append(result.to_json())
    except UserError as exc:
        print("error: " + one_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    Console().print(cmp.table(docs[0], docs[1], str(args.a), str(args.b)))
    return 0


def sweep_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cyclesim sweep",
                                description="Run every point of a sweep file; resumes where a previous run stopped.")
    p.add_argument("file", type=Path, help="sweep file (Python defining `points`), e.g. workloads/sweeps/adc_bits.py")
    p.add_argument("--workers", type=int, default=None,
                   help="points run in parallel local processes (default 1: in-process)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the points on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(default $CYCLESIM_SCHEDULER; needs the `dask` extra)")
    p.add_argument("--out", type=Path, default=None, help="sweep folder (default runs/sweep-<name>)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override applied to every point")
    p.add_argument("--seed", type=int, default=None, help="root seed of the per-point training seeds (default 0)")
    p.add_argument("--data-dir", default=None,
                   help="folder with the dataset files (else $CYCLESIM_DATA, ...); with --scheduler, on the workers")
    return p


def _sweep_bar(name: str):
    """A transient progress bar on stderr for a sweep: points finished of total, running, failed, ETA."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn
    from rich.text import Text

    class Eta(ProgressColumn):
        """Time left at the pace of the points finished by this run (skipped ones don't count)."""

        def render(self, task) -> Text:
            ran = task.completed - task.fields["skipped"]
            if not ran or task.elapsed is None or task.total is None:
                return Text("eta -:--:--", style="progress.remaining")
            left = int(task.elapsed * (task.total - task.completed) / ran)
            return Text(f"eta {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}", style="progress.remaining")

    return Progress(TextColumn(f"sweep {name}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[running]} running, {task.fields[failed]} failed"), Eta(),
                    console=Console(stderr=True), transient=True)


def sweep(argv: list[str]) -> int:
    args = sweep_parser().parse_args(argv)
    from cyclesim import sweep as sweep_mod

    scheduler = args.scheduler or os.environ.get("CYCLESIM_SCHEDULER") or None
    try:
        sw = sweep_mod.load_sweep(args.file, seed=args.seed).with_overrides(args.overrides)
        out = args.out or Path("runs") / f"sweep-{sw.name}"
        workers = 1 if args.workers is None else args.workers
        run = functools.partial(sweep_mod.run_sweep, sw, out, workers=workers, scheduler=scheduler,
                                data_dir=args.data_dir)
        if sys.stderr.isatty():
            with _sweep_bar(sw.name) as bar:
                task = bar.add_task("sweep", total=len(sw.points), skipped=0, running=0, failed=0)

                def show(p: sweep_mod.SweepProgress) -> None:
                    bar.update(task, completed=p.finished, skipped=p.skipped, running=p.running, failed=p.failed)

                summary = run(progress=show)
        else:
            summary = run()
    except UserError as exc:
        print("error: " + one_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished points are kept, rerun the same command to resume", file=sys.stderr)
        return 130
    if summary.failed:
        print(f"{summary.failed} of {summary.total} points failed; see {out / 'points'}", file=sys.stderr)
        return 1
    print(f"sweep {sw.name}: {summary.total} points complete ({summary.done} run, {summary.skipped} already done); "
          f"table: {out / 'table.csv'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "compare":
        return compare(argv[1:])
    if argv and argv[0] == "sweep":
        return sweep(argv[1:])
    args = parser().parse_args(argv)
    from cyclesim.report import console  # imported late: keeps `--help` fast

    out = None
    try:
        wl = workload_file.load(args.workload)
        overrides = list(args.overrides)
        if args.seed is not None:
            overrides.append(f"training.seed={args.seed}")
        wl = workload_file.apply(wl, overrides)
        from cyclesim import run as run_mod

        out = args.out or run_mod.default_out_dir(wl)
        result = console.run_with_progress(wl, out_dir=out, data_dir=args.data_dir, quiet=args.quiet)
    except UserError as exc:
        print("error: " + one_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        where = f"; completed epochs are kept in {out}" if out is not None else ""
        print(f"interrupted{where}", file=sys.stderr)
        return 130
    if not args.quiet:
        from rich.console import Console

        Console().print(result)
    if result.simulated:
        from cyclesim.report import export

        last = result.simulated[-1]
        if args.timeline:
            from rich.console import Console

            from cyclesim.report.timeline import render

            con = Console()
            window = args.window
            if window is not None:
                window = (window[0], min(window[1], last.cycles))
            con.print(render(last, con.width, window if window and window[0] < window[1] else None))
        if args.contention:
            from rich.console import Console

            con = Console()
            con.print(console.contention_view(last))
            con.print(console.critical_path_table(last))
        if args.trace is not None:
            export.write_trace(args.trace, last, args.trace_window or args.window)
            print(f"trace: {args.trace}")
    if args.plots is not None:
        from cyclesim.report import plots

        try:
            written = plots.all_plots(result.to_json(), result.simulated[-1] if result.simulated else None, args.plots)
        except UserError as exc:
            print("error: " + one_line(exc), file=sys.stderr)
            return 2
        print("plots: " + ", ".join(str(p) for p in written))
    from rich.console import Console

    Console().print(console.headline(result))
    if result.out_dir is not None:  # a plain line: a path folded inside the panel could not be copied
        print(f"results: {result.out_dir / 'results.json'}  ({result.wall_s:.1f} s)")
    return 0
