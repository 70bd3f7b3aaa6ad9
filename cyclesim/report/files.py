"""Every file cyclesim writes: a run's results.json, epochs.csv and layers.csv, a sweep's point records
and table, a simulated iteration's Chrome trace.

Each file is written whole through a temporary file in the same folder and an atomic rename, so a
reader (or a resumed sweep) never sees half a file, and an interrupted run keeps every epoch it
completed: `RunFiles` rewrites a run's files after each epoch and once more when the run ends.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import time
from pathlib import Path

import attrs

from cyclesim.config import Workload
from cyclesim.errors import ConfigError
from cyclesim.learn.train import EpochStats
from cyclesim.report.export import chrome_trace
from cyclesim.result import Result
from cyclesim.runner import Observer
from cyclesim.terms import PHASES


def write_atomic(path: Path, text: str) -> None:
    """Write text to `path` through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; results are ordinary readable files
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def epochs_csv(epochs: list[EpochStats]) -> str:
    """epochs.csv: one row per completed epoch."""
    names = [f.name for f in attrs.fields(EpochStats)]
    return csv_text(names, [[getattr(e, n) for n in names] for e in epochs])


def layers_csv(iteration) -> str:
    """layers.csv: per layer (1-based), the busy cycles of its resources in each phase of `iteration`
    (an engine IterationResult)."""
    rows = [[row["layer"], *(row[p] for p in PHASES)] for row in iteration.per_layer()]
    return csv_text(["layer", *(f"{p}_cycles" for p in PHASES)], rows)


def default_out_dir(workload: Workload) -> Path:
    """runs/<workload name>-<local time>."""
    return Path("runs") / f"{workload.name}-{time.strftime('%Y%m%d-%H%M%S')}"


class RunFiles(Observer):
    """Keeps a run's files in `out_dir` current: results.json and epochs.csv after every epoch and at
    the end (with layers.csv of the last simulated iteration). The folder is created up front, so an
    output path that cannot be written fails before any work."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out {out_dir}: cannot create this folder ({exc.strerror})") from None

    def save(self, result: Result) -> None:
        """Write results.json and epochs.csv (and layers.csv) for what the run has completed."""
        write_json(self.out_dir / "results.json", result.to_json())
        write_atomic(self.out_dir / "epochs.csv", epochs_csv(result.epochs))
        if result.simulated:
            write_atomic(self.out_dir / "layers.csv", layers_csv(result.simulated[-1]))

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
