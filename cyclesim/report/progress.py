"""Progress on the console while a workload trains: a transient bar on a terminal, a line per epoch.

`ConsoleProgress` is a `runner.Observer`: the caller passes it to `run` and uses it as a context
manager around the run. The bar appears only on a terminal (and never when quiet); per-epoch lines
are printed as epochs complete, so a log file of a long run shows its progress too.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cyclesim.config import Workload
from cyclesim.report.console import epoch_line, header
from cyclesim.runner import Observer


class ConsoleProgress(Observer):
    """The run's header, then a progress bar of batches and simulated iterations, and one line per epoch."""

    def __init__(self, workload: Workload, *, quiet: bool = False, console: Console | None = None):
        self.console = console or Console()
        self.quiet = quiet
        if not quiet:
            self.console.print(header(workload))
        self.progress = Progress(
            TextColumn("{task.description} {task.fields[epoch]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            disable=quiet or not self.console.is_terminal,
        )
        self._epoch_task = self.progress.add_task("epoch", total=None, epoch=1)
        self.workload = workload
        self._sim_task = self.progress.add_task("simulated iterations", total=None, epoch="")

    def __enter__(self) -> ConsoleProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def batch(self, epoch: int, done: int, total: int) -> None:
        self.progress.update(self._epoch_task, completed=done, total=total, epoch=epoch)
        if self.progress.tasks[self._sim_task].total is None:  # an epoch's batches are known now
            sims = self.workload.training.epochs * self.workload.sim.recorded(total)
            self.progress.update(self._sim_task, total=sims or 1)

    def simulated(self, iteration) -> None:
        self.progress.advance(self._sim_task)

    def epoch(self, result, stats) -> None:
        if not self.quiet:
            self.progress.console.print(epoch_line(stats))
