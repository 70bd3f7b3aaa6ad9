"""Every file cyclesim writes: a run's results.json, epochs.csv and layers.csv, a sweep's point records
and table, a simulated iteration's Chrome trace.

Each file is written whole through a temporary file in the same folder and an atomic rename, so a
reader (or a resumed sweep) never sees half a file, and an interrupted run keeps every epoch it
completed: `RunFiles` rewrites a run's files after each epoch and once more when the run ends.
SIGINT/SIGTERM are held while a file is written (`errors.uninterrupted`), so an interrupt leaves no
temporary file; any OSError while writing (a full disk, a lost permission) is an `OutputError` naming
the file, and the previous version of that file stays as it was.

Every output path is checked before any work (`check_folder`, `check_file`): a file in the way, a
path under a regular file or a folder that cannot be written is refused then, not after the run.
"""

from __future__ import annotations

import csv
import errno
import glob
import io
import json
import os
import tempfile
import time
from pathlib import Path

import attrs

from cyclesim.config import Workload
from cyclesim.errors import OutputError, one_line, shorten, uninterrupted
from cyclesim.learn.train import EpochStats, LayerStats
from cyclesim.report.export import chrome_trace
from cyclesim.result import Result
from cyclesim.runner import Observer
from cyclesim.terms import PHASES

TMP_SUFFIX = ".tmp"
"""Suffix of the temporary files `write_atomic` renames into place."""

PATH_ECHO = 160
"""Characters of a path an error message shows (`errors.shorten`)."""


def _shown(path) -> str:
    return shorten(path, PATH_ECHO)


def _reason(exc: OSError) -> str:
    """An OSError's reason in words, with a hint for the common ones."""
    reason = exc.strerror or one_line(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += "; free some space or write elsewhere"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason += "; choose a folder you can write"
    return reason


def write_atomic(path: Path, text: str) -> None:
    """Write text to `path` through a temporary file in the same folder and an atomic rename.

    SIGINT/SIGTERM wait until the file is written; an OSError becomes an OutputError naming the file,
    with no temporary file left and any previous version of the file untouched."""
    write_atomic_with(path, lambda fh: fh.write(text.encode("utf-8")))


def write_atomic_with(path: Path, write) -> None:
    """`write_atomic` for any content: `write(fh)` fills a binary file object (e.g. a PNG)."""
    path = Path(path)
    with uninterrupted():
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o644)  # mkstemp makes 0600; results are ordinary readable files
                write(fh)
            os.replace(tmp, path)
        except BaseException as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError) and not isinstance(exc, OutputError):
                raise OutputError(f"cannot write {_shown(path)} ({_reason(exc)})") from None
            if isinstance(exc, ValueError) and "\x00" in str(path):
                raise OutputError(f"cannot write {_shown(path)!r}: a path cannot contain a NUL character") from None
            raise


def _nearest_existing(path: Path) -> Path:
    """`path` itself if something exists there, else its closest ancestor that exists."""
    for p in (path, *path.parents):
        if os.path.lexists(p):
            return p
    return Path(".")


def _probe(folder: Path, problem: str) -> None:
    """OutputError(problem + reason) unless a file can be created in the existing `folder`: asks
    os.access first (right for ordinary users), then really creates and removes a probe file (right
    for root, read-only file systems, quotas and ACLs as well)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{problem} ({_shown(folder)} is not writable; choose a folder you can write)")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".cyclesim-probe-", suffix=TMP_SUFFIX)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{problem} ({_reason(exc)})") from None


NAME_MAX = 255
"""The longest file name (bytes) most file systems allow; a longer path component is refused."""


def _sane(path, what: str, kind: str) -> Path:
    """`path` as a Path, or an OutputError for one no file system takes: empty (it would mean the
    current folder), with a NUL character, with a name longer than NAME_MAX bytes, not encodable."""
    text = "" if path is None else str(path)
    if not text.strip():
        example = f", e.g. {what} runs/mine" if kind == "folder" else ""
        raise OutputError(f"{what}: an empty path; name a {kind}{example}")
    if "\x00" in text:
        raise OutputError(f"{what} {_shown(text)!r}: a path cannot contain a NUL character")
    path = Path(text)
    for part in path.parts:
        try:
            size = len(os.fsencode(part))
        except UnicodeError:
            raise OutputError(f"{what} {_shown(text)!r}: not a valid file name here") from None
        if size > NAME_MAX:
            raise OutputError(
                f"{what} {_shown(text)}: a name of {size} bytes, longer than the {NAME_MAX} a file system allows"
            )
    return path


def _checked(fn):
    """Any OSError (or ValueError) while a path is examined becomes an OutputError naming it."""

    def check(path, what: str) -> Path:
        try:
            return fn(path, what)
        except OutputError:
            raise
        except (OSError, ValueError) as exc:
            reason = _reason(exc) if isinstance(exc, OSError) else one_line(exc)
            raise OutputError(f"{what} {_shown(path)}: cannot write there ({reason})") from None

    check.__name__, check.__doc__ = fn.__name__, fn.__doc__
    return check


@_checked
def check_folder(path, what: str) -> Path:
    """Refuse (OutputError, one line) an output folder `path` (option `what`, e.g. "--out") that
    cannot be written: an empty or malformed path, an existing file, a path under a regular file, a
    folder (or the closest existing parent of a folder still to be made) without write permission.
    Creates nothing. Returns the path."""
    path = _sane(path, what, "folder")
    problem = f"{what} {_shown(path)}: cannot create this folder"
    base = _nearest_existing(path)
    if not base.is_dir():
        where = "it is a file" if base == path else f"{_shown(base)} is a file"
        raise OutputError(f"{problem}: {where}")
    _probe(base, problem if base != path else f"{what} {_shown(path)}: cannot write in this folder")
    return path


@_checked
def check_file(path, what: str) -> Path:
    """Refuse (OutputError, one line) an output file `path` that cannot be written: an empty or
    malformed path, an existing folder, a path under a regular file, an unwritable folder. Creates
    nothing."""
    path = _sane(path, what, "file")
    if path.is_dir():
        raise OutputError(f"{what} {_shown(path)}: is a folder; name a file (e.g. {_shown(path / 'trace.json')})")
    base = _nearest_existing(path.parent)
    if not base.is_dir():
        raise OutputError(f"{what} {_shown(path)}: cannot write this file: {_shown(base)} is a file")
    _probe(base, f"{what} {_shown(path)}: cannot write this file")
    return path


@_checked
def make_folder(path, what: str) -> Path:
    """`check_folder`, then create the folder (with its parents); returns it."""
    path = check_folder(path, what)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{what} {_shown(path)}: cannot create this folder ({_reason(exc)})") from None
    _probe(path, f"{what} {_shown(path)}: cannot write in this folder")
    return path


def remove_stale(folder: Path, names, *, temporaries_only: bool = False) -> None:
    """Remove `names` from `folder` (files an earlier run left there; with `temporaries_only`, keep
    them) and the temporary files of an earlier write of them that was killed (SIGKILL, power loss)
    before its rename."""
    for name in names:
        stale = [] if temporaries_only else [folder / name]
        for p in (*stale, *folder.glob(f".{glob.escape(name)}.*{TMP_SUFFIX}")):
            try:
                p.unlink(missing_ok=True)
            except IsADirectoryError:
                raise OutputError(f"{_shown(p)}: a folder where cyclesim writes a file; remove or rename it") from None
            except OSError as exc:
                raise OutputError(f"cannot replace {_shown(p)} ({_reason(exc)})") from None


def write_json(path: Path, doc, indent: int = 2) -> None:
    """`doc` as indented JSON with a final newline, atomically."""
    write_atomic(path, json.dumps(doc, indent=indent) + "\n")


def csv_text(columns: list[str], rows: list[list]) -> str:
    """CSV with a header row and "\\n" line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


def epochs_csv(result: Result) -> str:
    """epochs.csv: one row per completed epoch (`Result.epoch_rows`: its statistics, the engine's mean
    iteration latency and energy in it, and each layer's `LayerStats` as l<layer>_<name>; empty where
    none was simulated or measured)."""
    rows = result.epoch_rows()
    names = [f.name for f in attrs.fields(EpochStats) if f.name != "layers"]
    names += ["simulated_iterations", "iteration_s", "iteration_j"]
    stats = [f.name for f in attrs.fields(LayerStats)]
    layers = result.workload.geometry.layers
    cells = [
        [r[n] for n in names] + [(r["layers"][l][s] if r["layers"] else None) for l in range(layers) for s in stats]
        for r in rows
    ]
    names += [f"l{l + 1}_{s}" for l in range(layers) for s in stats]
    return csv_text(names, [["" if v is None else v for v in row] for row in cells])


def layers_csv(iteration) -> str:
    """layers.csv: per layer (1-based), the busy cycles of its resources in each phase of `iteration`
    (an engine IterationResult)."""
    rows = [[row["layer"], *(row[p] for p in PHASES)] for row in iteration.per_layer()]
    return csv_text(["layer", *(f"{p}_cycles" for p in PHASES)], rows)


def default_out_dir(workload: Workload) -> Path:
    """runs/<workload name>-<local time>."""
    return Path("runs") / f"{workload.name}-{time.strftime('%Y%m%d-%H%M%S')}"


RUN_FILES = ("results.json", "epochs.csv", "layers.csv")
"""The files `RunFiles` writes into a run's folder."""


class RunFiles(Observer):
    """Keeps a run's files in `out_dir` current: results.json and epochs.csv after every epoch and at
    the end (with layers.csv of the last simulated iteration). The folder is created and test-written
    up front, so an output path that cannot be written fails before any work (`what` names it in
    the message), and the files an earlier run left there are removed, so the folder only ever holds
    this run's files (a run without simulated iterations has no layers.csv)."""

    def __init__(self, out_dir: Path, what: str = "--out"):
        self.out_dir = make_folder(out_dir, what)
        remove_stale(self.out_dir, RUN_FILES)

    def save(self, result: Result) -> None:
        """Write results.json and epochs.csv (and layers.csv) for what the run has completed; an
        interrupt waits until all of them are written."""
        with uninterrupted():
            write_json(self.out_dir / "results.json", result.to_json())
            write_atomic(self.out_dir / "epochs.csv", epochs_csv(result))
            if result.last_iteration is not None:
                write_atomic(self.out_dir / "layers.csv", layers_csv(result.last_iteration))

    def epoch(self, result: Result, stats: EpochStats) -> None:
        self.save(result)

    def finished(self, result: Result) -> None:
        self.save(result)


def write_table(out_dir: Path, rows: list[dict], columns: list[str]) -> None:
    """A sweep's `table.csv` and `table.json` (the same rows; None is an empty CSV cell)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", restval="")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    write_atomic(out_dir / "table.csv", buf.getvalue())
    write_json(out_dir / "table.json", rows, indent=1)


def write_trace(path: Path, iteration, window: tuple[int, int] | None = None) -> None:
    """`export.chrome_trace(iteration, window)` to `path` as compact JSON, atomically."""
    write_atomic(Path(path), json.dumps(chrome_trace(iteration, window), separators=(",", ":")))
