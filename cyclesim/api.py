"""The Python entry point for notebooks and scripts: `cyclesim.run(workload)` returns the `Result`.

It runs the same code as `python -m cyclesim run`, prints nothing unless `progress=True`, and writes
files only when `out_dir` is given (results.json, epochs.csv, layers.csv, kept current per epoch).
A run too large for the memory available is refused before any work (`footprint`), as on the
command line; signal handling is left to the caller (a notebook's Ctrl-C interrupts the run).
"""

from __future__ import annotations

from pathlib import Path

from cyclesim import runner
from cyclesim import workload as workload_file
from cyclesim.config import Workload
from cyclesim.errors import ConfigError, OutputError
from cyclesim.result import Result


def run(
    workload: Workload | str | Path,
    *,
    out_dir: str | Path | None = None,
    data_dir: str | None = None,
    progress: bool = False,
) -> Result:
    """Train `workload` (a Workload, or the path of a workload file) and return its Result.

    `out_dir`: write results.json, epochs.csv and layers.csv there (rewritten after every epoch);
    `data_dir`: the dataset folder (else $CYCLESIM_DATA, the cache, a download); `progress`: show the
    header, a progress bar and a line per epoch on the console (needs a terminal for the bar).
    """
    if isinstance(workload, (str, Path)):
        workload = workload_file.load(workload)
    if not isinstance(workload, Workload):
        raise ConfigError(f"cyclesim.run needs a Workload or a workload file, got {type(workload).__name__}")
    observers: list[runner.Observer] = []
    if out_dir is not None:
        from cyclesim.report.files import RunFiles

        if not str(out_dir).strip():  # Path("") would be the current folder
            raise OutputError("cyclesim.run: out_dir is an empty path; name a folder")
        observers.append(RunFiles(Path(out_dir), "out_dir"))
    if not progress:
        return runner.run(workload, data_dir=data_dir, observers=observers)
    from cyclesim.report.progress import ConsoleProgress

    with ConsoleProgress(workload) as shown:
        return runner.run(workload, data_dir=data_dir, observers=[*observers, shown])
