"""Command line: `python -m cyclesim {run,compare,sweep,device} ...`; `python -m cyclesim WORKLOAD` is `run WORKLOAD`.

    run WORKLOAD [--set key=value ...] [--out DIR] [--seed N] [views]   train one workload
    compare A B [--set ...]        two runs side by side (A, B: workload files or results.json files)
    sweep FILE [--workers N | --scheduler ADDRESS] [--out DIR] [--set ...] [--seed N]
    device table --out FILE [--set device.KEY=VALUE ...] [--cycles N] [--seed N]
                                   the parametric device model written as a curve table (CSV)
    device fit FILE [--plot PNG]   NeuroSim's parametric model fitted to a curve table

Exit codes: 0 success, 2 a problem the user can fix (printed as one `error:` line, command-line
syntax errors included), 130 interrupted by Ctrl-C (SIGINT), 143 stopped by SIGTERM (`timeout`,
SLURM, `docker stop`: handled like Ctrl-C, completed work kept); `sweep` exits 1 when some points
failed. Every output path is checked before any work; a run that would not fit in memory is refused
before any work (`footprint`). On a terminal whose encoding lacks the report's characters (µ, ²,
block bars) they are written in ASCII (u, 2, #) instead of failing.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import functools
import importlib.util
import os
import sys
import time
from pathlib import Path

from cyclesim import workload as workload_file
from cyclesim.errors import (
    ConfigError,
    Interrupted,
    OutputError,
    UserError,
    interruption,
    on_signals,
    one_line,
    shorten,
    shorten_words,
)

COMMANDS = ("run", "compare", "sweep", "device")

ASCII = {
    "µ": "u",
    "²": "2",
    "³": "3",
    "×": "x",
    "…": "...",
    "–": "-",
    "—": "-",
    "─": "-",
    "│": "|",
    "·": ".",
    "°": "deg",
    "±": "+-",
    "≤": "<=",
    "≥": ">=",
    "→": "->",
    **dict.fromkeys("█▉▊▋▌▍▎▏▇▆▅", "#"),
    **dict.fromkeys("▄▃", "="),
    **dict.fromkeys("▂▁", "_"),
}
"""ASCII spellings of the non-ASCII characters the reports print (units, bars, sparklines)."""


def _ascii_fallback(exc: UnicodeError):
    """Codec error handler: characters the stream cannot encode as their ASCII spelling (or `?`)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(ASCII.get(c, "?") for c in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("cyclesim-ascii", _ascii_fallback)


def ascii_safe(*streams) -> None:
    """Let text streams whose encoding cannot write the report's characters (e.g. PYTHONIOENCODING=ascii,
    a latin-1 terminal) write their ASCII spellings instead of raising UnicodeEncodeError."""
    probe = "µ²…█▁"
    for stream in streams:
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            probe.encode(encoding)
            continue
        except (UnicodeEncodeError, LookupError):
            pass
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or detached stream: nothing to write to
                reconfigure(errors="cyclesim-ascii")


def _stopped(exc: KeyboardInterrupt) -> tuple[str, int]:
    """How to report an interrupt, and the exit code: 130 for Ctrl-C (SIGINT), 143 for SIGTERM."""
    if isinstance(exc, Interrupted) and exc.name != "SIGINT":
        return f"stopped by {exc.name}", exc.exit_code
    return "interrupted", 130


class _Parser(argparse.ArgumentParser):
    """An argument parser whose syntax errors are user errors: one `error:` line, exit code 2."""

    def error(self, message: str):
        raise ConfigError(f"{message} (see `{self.prog} --help`)")


def _window(text: str) -> tuple[int, int]:
    try:
        a, b = (int(v.replace("_", "")) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected START:END in cycles, got {text!r}") from None
    if not 0 <= a < b:
        raise argparse.ArgumentTypeError(f"need 0 <= START < END, got {text!r}")
    return a, b


def _path(text: str) -> Path:
    """An output path from the command line; an empty one is refused (it would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path; name a folder or file")
    return Path(text)


def _overrides(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=help_text)


def _command(sub, handler, help_text: str, description: str, name: str | None = None) -> argparse.ArgumentParser:
    """The subcommand `name` (default: named after `handler`, the function that runs it), with its help
    and description."""
    p = sub.add_parser(name or handler.__name__, help=help_text, description=description)
    p.set_defaults(handler=handler)
    return p


def _count(low: int, high: int):
    """An argparse type: an integer from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {shorten(text)!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="python -m cyclesim",
        description="Train a neural network (an MLP or a convolutional network) with a learning rule (BP, DFA, FA, "
        "DRTP, sign-symmetry or your own) through a model of an RRAM compute-in-memory chip. "
        "`python -m cyclesim WORKLOAD` is short for `python -m cyclesim run WORKLOAD`.",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="{run,compare,sweep,device}")

    p = _command(
        sub,
        run,
        "train one workload and report accuracy, area, latency and energy",
        "Train one workload through the chip model and report it.",
    )
    p.add_argument("workload", help="workload file (Python defining `workload`), e.g. workloads/dfa_3layer.py")
    _overrides(p, "override a setting, e.g. --set chip.adc_bits=3 --set network.sizes=784,512,10")
    p.add_argument("--out", type=_path, default=None, help="output folder (default runs/<name>-<time>)")
    p.add_argument("--seed", type=int, default=None, help="root seed (sets training.seed)")
    p.add_argument(
        "--data-dir", default=None, help="folder with the dataset files (else $CYCLESIM_DATA, cache, download)"
    )
    p.add_argument("--quiet", action="store_true", help="print only the final summary")
    p.add_argument("--timeline", action="store_true", help="draw the last simulated iteration's timeline")
    p.add_argument(
        "--window",
        type=_window,
        default=None,
        metavar="START:END",
        help="cycles shown by --timeline (and written by --trace)",
    )
    p.add_argument(
        "--contention", action="store_true", help="show per-resource queueing and the iteration's critical path"
    )
    p.add_argument(
        "--trace-window",
        type=_window,
        default=None,
        metavar="START:END",
        help="cycles written by --trace (default: --window, else the whole iteration)",
    )
    p.add_argument(
        "--plots",
        type=_path,
        default=None,
        metavar="DIR",
        help="write PNG figures (accuracy, area, phases, timeline); needs the `plots` extra",
    )
    p.add_argument(
        "--trace",
        type=_path,
        default=None,
        metavar="FILE",
        help="write the last simulated iteration as Chrome trace JSON (ui.perfetto.dev)",
    )

    p = _command(sub, compare, "two runs side by side", "Put two runs side by side (workload files are run first).")
    p.add_argument("a", type=Path, help="workload file or results.json")
    p.add_argument("b", type=Path, help="workload file or results.json")
    _overrides(p, "override applied to both workload files")
    p.add_argument("--out", type=_path, default=None, help="folder for the two runs (default runs/compare-<time>)")
    p.add_argument("--data-dir", default=None)

    about = "Run every point of a sweep file; resumes where a previous run stopped."
    p = _command(sub, sweep, "run every point of a sweep file (resumable)", about)
    p.add_argument("file", type=Path, help="sweep file (Python defining `points`), e.g. workloads/sweeps/adc_bits.py")
    p.add_argument(
        "--workers", type=int, default=None, help="points run in parallel local processes (default 1: in-process)"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the points on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default $CYCLESIM_SCHEDULER; needs the `dask` extra)",
    )
    p.add_argument("--out", type=_path, default=None, help="sweep folder (default runs/sweep-<name>)")
    _overrides(p, "override applied to every point")
    p.add_argument("--seed", type=int, default=None, help="root seed of the per-point training seeds (default 0)")
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder with the dataset files (else $CYCLESIM_DATA, ...); with --scheduler, on the workers",
    )

    p = sub.add_parser(
        "device",
        help="device curve tables: write the parametric model as one, fit the model to one",
        description="Measured devices: a curve table (CSV with the columns pulse, conductance_s, direction, "
        "cycle) is used with --set device.curve=FILE or by a device preset's `curve`.",
    )
    device = p.add_subparsers(dest="device_command", required=True, metavar="{table,fit}")
    about = (
        "Write the parametric device model as a curve table: per cycle an LTP sweep of levels - 1 pulses from "
        "Gmin and an LTD sweep from Gmax, with the model's nonlinearity and C2C noise."
    )
    p = _command(device, device_table, "write the parametric model as a curve table (CSV)", about, name="table")
    p.add_argument("--out", type=_path, required=True, metavar="FILE", help="the CSV file to write")
    _overrides(p, "the device, e.g. --set device.name=ag_asi --set device.nl_ltp=2 (default: rram_neurosim)")
    p.add_argument("--cycles", type=_count(1, 10_000), default=20, help="cycles of LTP and LTD (default 20)")
    p.add_argument("--seed", type=_count(0, 2**63 - 1), default=0, help="seed of the C2C noise (default 0)")
    about = (
        "Fit NeuroSim's parametric model (levels, on/off ratio, LTP/LTD nonlinearity through the A_norm "
        "table, C2C) to a curve table and print it with its error."
    )
    p = _command(device, device_fit, "fit the parametric model to a curve table", about, name="fit")
    p.add_argument("file", type=Path, help="curve table (CSV), e.g. tech/devices/enode.csv")
    p.add_argument(
        "--plot", type=_path, default=None, metavar="PNG", help="draw measured vs fitted; needs the `plots` extra"
    )
    return top


# ---------------------------------------------------------------------------------------------- run


def run(args) -> int:
    from rich.console import Console

    from cyclesim import footprint, runner
    from cyclesim.report import console, files
    from cyclesim.report.progress import ConsoleProgress

    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"training.seed={args.seed}")
    wl = workload_file.apply(workload_file.load(args.workload), overrides)
    footprint.check(wl)
    # Every output path is checked before any work; --out is created (and cleared of an earlier run's files).
    if args.trace is not None:
        files.check_file(args.trace, "--trace")
    if args.plots is not None:
        files.check_folder(args.plots, "--plots")
        if importlib.util.find_spec("matplotlib") is None:
            raise ConfigError('--plots needs matplotlib: pip install -e ".[plots]"')
    out = args.out or files.default_out_dir(wl)
    sink = files.RunFiles(out)
    try:
        with ConsoleProgress(wl, quiet=args.quiet) as progress:
            result = runner.run(wl, data_dir=args.data_dir, observers=[sink, progress])
    except KeyboardInterrupt as exc:
        what, code = _stopped(exc)
        print(f"{what}; completed epochs are kept in {out}", file=sys.stderr)
        return code
    con = Console()
    if not args.quiet:
        con.print(console.render_result(result))
    if result.last_iteration is not None:
        last = result.last_iteration
        if args.timeline:
            from cyclesim.report.timeline import render

            window = args.window
            if window is not None:
                window = (window[0], min(window[1], last.cycles))
            con.print(render(last, con.width, window if window and window[0] < window[1] else None))
        if args.contention:
            con.print(console.contention_view(last))
            con.print(console.critical_path_table(last))
        if args.trace is not None:
            files.write_trace(args.trace, last, args.trace_window or args.window)
            print(f"trace: {args.trace}")
    if args.plots is not None:
        from cyclesim.report import plots

        try:
            written = plots.all_plots(result.to_json(), result.last_iteration, args.plots)
        except OSError as exc:
            raise OutputError(f"--plots {shorten(args.plots, files.PATH_ECHO)}: {one_line(exc)}") from None
        print("plots: " + ", ".join(str(p) for p in written))
    con.print(console.headline(result))
    # A plain line: a path folded inside the panel could not be copied.
    print(f"results: {out / 'results.json'}  ({result.wall_s:.1f} s)")
    return 0


# ------------------------------------------------------------------------------------------ compare


def compare(args) -> int:
    from rich.console import Console

    from cyclesim import runner
    from cyclesim.report import compare as cmp
    from cyclesim.report import files

    docs = []
    root = args.out or Path("runs") / f"compare-{time.strftime('%Y%m%d-%H%M%S')}"
    files.check_folder(root, "--out")
    for tag, path in (("a", args.a), ("b", args.b)):
        if path.suffix == ".json":
            docs.append(cmp.load_results(path))
            continue
        wl = workload_file.apply(workload_file.load(path), list(args.overrides))
        sink = files.RunFiles(root / f"{tag}-{wl.name}")
        docs.append(runner.run(wl, data_dir=args.data_dir, observers=[sink]).to_json())
    Console().print(cmp.table(docs[0], docs[1], str(args.a), str(args.b)))
    return 0


# -------------------------------------------------------------------------------------------- sweep


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

    return Progress(
        TextColumn(f"sweep {name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[running]} running, {task.fields[failed]} failed"),
        Eta(),
        console=Console(stderr=True),
        transient=True,
    )


def sweep(args) -> int:
    from cyclesim import sweep as sweep_mod

    scheduler = args.scheduler or os.environ.get("CYCLESIM_SCHEDULER") or None
    sw = sweep_mod.load_sweep(args.file, seed=args.seed).with_overrides(args.overrides)
    out = args.out or Path("runs") / f"sweep-{sw.name}"
    workers = 1 if args.workers is None else args.workers
    go = functools.partial(sweep_mod.run_sweep, sw, out, workers=workers, scheduler=scheduler, data_dir=args.data_dir)
    try:
        if sys.stderr.isatty():
            with _sweep_bar(sw.name) as bar:
                task = bar.add_task("sweep", total=len(sw.points), skipped=0, running=0, failed=0)

                def show(p: sweep_mod.SweepProgress) -> None:
                    bar.update(task, completed=p.finished, skipped=p.skipped, running=p.running, failed=p.failed)

                summary = go(progress=show)
        else:
            summary = go()
    except KeyboardInterrupt as exc:
        what, code = _stopped(exc)
        print(f"{what}; finished points are kept, rerun the same command to resume", file=sys.stderr)
        return code
    if summary.failed:
        print(f"{summary.failed} of {summary.total} points failed; see {out / 'points'}", file=sys.stderr)
        return 1
    efficiency = "" if summary.efficiency is None else f"parallel efficiency {100 * summary.efficiency:.0f} %; "
    print(
        f"sweep {sw.name}: {summary.total} points complete ({summary.done} run, {summary.skipped} already done); "
        f"{efficiency}table: {out / 'table.csv'}"
    )
    return 0


# ------------------------------------------------------------------------------------------- device


def device_table(args) -> int:
    from cyclesim import device, tech
    from cyclesim.config import Device
    from cyclesim.report import files

    dev = workload_file.apply_device(Device(), list(args.overrides))
    if dev.curve is not None:
        raise ConfigError(f"device {dev.name} is a curve table already ({dev.curve}); the table is its own table")
    files.check_file(args.out, "--out")
    table = device.parametric_table(dev, cycles=args.cycles, seed=args.seed, file=str(args.out))
    comments = [
        f"cyclesim device table: the parametric model of device {dev.name} (seed {args.seed})",
        f"nl_ltp={dev.nl_ltp:g} nl_ltd={dev.nl_ltd:g} c2c={dev.c2c:g} levels={dev.levels} "
        f"r_on_ohm={dev.r_on_ohm:g} on_off_ratio={dev.on_off_ratio:g}",
        f"{args.cycles} cycles, each an LTP sweep of {dev.levels - 1} pulses from Gmin and an LTD sweep of "
        f"{dev.levels - 1} pulses from Gmax",
    ]
    files.write_atomic(args.out, tech.curve_csv(table, comments))
    print(f"curve table: {args.out}  ({args.cycles} cycles x {dev.levels} levels, device {dev.name})")
    return 0


def device_fit(args) -> int:
    from rich.console import Console

    from cyclesim import device, tech
    from cyclesim.report import console, files

    if args.plot is not None:
        files.check_file(args.plot, "--plot")
        if importlib.util.find_spec("matplotlib") is None:
            raise ConfigError('--plot needs matplotlib: pip install -e ".[plots]"')
    table = tech.load_curve(args.file)
    fit = device.fit_curve(table)
    Console().print(console.curve_fit_table(fit, table.file))
    print(
        f"as settings: --set device.levels={fit.levels} --set device.on_off_ratio={fit.on_off_ratio:.6g} "
        f"--set device.r_on_ohm={fit.r_on_ohm:.6g} --set device.nl_ltp={fit.nl_ltp:.4g} "
        f"--set device.nl_ltd={fit.nl_ltd:.4g} --set device.c2c={fit.c2c:.4g}"
    )
    if args.plot is not None:
        from cyclesim.report import plots

        try:
            plots.device_fit(table, fit, args.plot)
        except OSError as exc:
            raise OutputError(f"--plot {shorten(args.plot, files.PATH_ECHO)}: {one_line(exc)}") from None
        print(f"plot: {args.plot}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; SIGINT and SIGTERM stop it as `errors.Interrupted` (exit 130 / 143).

    As the process's entry point (`argv` None), once the command is done the process ignores
    SIGINT and SIGTERM while it exits, so a late signal cannot end a completed run as killed."""
    ascii_safe(sys.stdout, sys.stderr)
    entry_point = argv is None
    argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv = ["run", *argv]  # `python -m cyclesim WORKLOAD`
    try:
        with on_signals(then_ignore=entry_point):
            args = parser().parse_args(argv)
            return args.handler(args)
    except UserError as exc:
        print("error: " + shorten_words(one_line(exc)), file=sys.stderr)
        return 2
    except Exception as exc:
        stop = interruption(exc)  # an interrupt inside a numba kernel arrives wrapped in a SystemError
        if stop is None:
            raise
        what, code = _stopped(stop)
        print(what, file=sys.stderr)
        return code
    except KeyboardInterrupt as exc:
        what, code = _stopped(exc)
        print(what, file=sys.stderr)
        return code
