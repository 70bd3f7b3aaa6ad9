"""Console views rendered on fixed-width consoles and compared with golden text.

Regenerate after an intended change with `CYCLESIM_UPDATE_GOLDEN=1 python -m pytest tests/test_console.py`
and review the diff of tests/golden/.
"""

import os
from pathlib import Path

import pytest
from rich.console import Console

from cyclesim import runner
from cyclesim.config import Network, Training, Workload
from cyclesim.report import console
from cyclesim.report.timeline import render

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def result():
    wl = Workload(
        name="golden",
        rule="dfa",
        network=Network(sizes=(784, 64, 32, 10)),
        dataset="synthetic",
        training=Training(epochs=2, batch_size=50, train_limit=400, test_limit=200),
    )
    return runner.run(wl)


def views(result):
    last = result.last_iteration
    lat, energy = result.latency(), result.energy()
    return {
        "summary": console.summary_table(result),
        "floorplan": console.floorplan_table(result.floorplan),
        "area": console.area_table(result.area),
        "latency": console.latency_table(lat, energy),
        "energy": console.energy_table(energy),
        "contention": console.contention_view(last),
        "critical_path": console.critical_path_table(last),
        "timeline": None,
    }


@pytest.mark.parametrize("width", [80, 160])
def test_views_match_golden(result, width):
    for name, view in views(result).items():
        if name == "timeline":
            view = render(result.last_iteration, width)
        con = Console(width=width, record=True, force_terminal=False, color_system=None)
        con.print(view)
        text = con.export_text()
        assert all(len(line) <= width for line in text.splitlines()), name
        path = GOLDEN / f"{name}_{width}.txt"
        if os.environ.get("CYCLESIM_UPDATE_GOLDEN"):
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"missing golden {path}; run with CYCLESIM_UPDATE_GOLDEN=1"
        assert text == path.read_text(encoding="utf-8"), f"{name} at {width} columns differs from {path}"


def test_critical_path_covers_the_iteration(result):
    last = result.last_iteration
    path = console.critical_path(last)
    assert path and path[-1][2] == last.cycles
    assert all(a[2] <= b[1] for a, b in zip(path, path[1:]))  # ordered, non-overlapping chain


def test_queue_sparkline():
    assert console.queue_sparkline([], 100, 10) == " " * 10
    line = console.queue_sparkline([(0, 0), (50, 4), (75, 0)], 100, 4)
    assert line[0] == " " and line[2] == "█" and len(line) == 4


def test_every_view_reads_on_an_ascii_terminal(result):
    """On a terminal whose encoding is ASCII (PYTHONIOENCODING=ascii, an old console) the CLI lets its
    streams write the report's characters in ASCII: every character the views print has a spelling."""
    import io

    from cyclesim import cli

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", write_through=True)
    cli.ascii_safe(stream)
    con = Console(file=stream, width=100, force_terminal=False, color_system=None)
    for name, view in views(result).items():
        con.print(render(result.last_iteration, 100) if name == "timeline" else view)
    con.print(console.render_result(result))
    con.print(console.headline(result))
    text = raw.getvalue().decode("ascii")
    assert "us" in text and "mm2" in text
    assert "?" not in text, sorted({line for line in text.splitlines() if "?" in line})[:5]


def test_headline_shows_the_chip_warnings():
    """A valid chip no fab could make (tile 64 x 64 PEs of 64 x 64 subarrays of 1024 rows, about 4 m²)
    runs, and its summary says so; a sane chip's summary has no warning."""
    import attrs

    from cyclesim.config import Chip

    tiny = Workload(
        name="huge", network=Network(sizes=(784, 16, 10)), dataset="synthetic",
        training=Training(epochs=0, batch_size=50, train_limit=100, test_limit=50),
    )  # fmt: skip
    huge = attrs.evolve(tiny, chip=Chip(tile_size=64, pe_size=64, subarray=1024))
    con = Console(width=200, record=True, color_system=None)
    con.print(console.headline(runner.run(huge)))
    text = con.export_text()
    assert "warning:" in text and "wafer" in text
    con = Console(width=200, record=True, color_system=None)
    con.print(console.headline(runner.run(tiny)))
    assert "warning:" not in con.export_text()
