"""The console timeline of a simulated iteration."""

from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

from cyclesim import data
from cyclesim.config import Network, Training, Workload
from cyclesim.engine.probe import Probe
from cyclesim.engine.schedule import simulate
from cyclesim.hw import inventory
from cyclesim.learn.train import Trainer
from cyclesim.report.timeline import render, row_of


@pytest.fixture(scope="module", params=["bp", "dfa"])
def result(request):
    wl = Workload(
        rule=request.param,
        network=Network(sizes=(784, 64, 32, 10)),
        dataset="synthetic",
        training=Training(epochs=0, batch_size=20, train_limit=200),
    )
    tr = Trainer(wl, data.synthetic(0, 400, 100), np.random.SeedSequence(0))
    return simulate(inventory.of(wl), tr.net, tr.trace_first_batch())


@pytest.mark.parametrize("width", [80, 160])
def test_renders_within_width(result, width):
    con = Console(width=width, record=True, force_terminal=False)
    con.print(render(result, width))
    text = con.export_text()
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines)
    assert any(line.startswith("layer1 subarrays") for line in lines)
    assert "cycles" in text and "fw" in text and "queueing" in text
    wgu_rows = [line for line in lines if line.startswith("wgu")]
    assert wgu_rows and all("█" in r or "▄" in r for r in wgu_rows)


def test_window_zooms(result):
    con = Console(width=100, record=True, force_terminal=False)
    con.print(render(result, 100, window=(0, result.cycles // 10)))
    assert f"{result.cycles // 10:,} cycles" in con.export_text()
    with pytest.raises(ValueError):
        render(result, 100, window=(10, 5))


def test_rows_come_from_registered_kinds_and_layers():
    """Rows are named and ordered from what the resources were registered as, not from their names."""
    p = Probe()
    p.register("link", kind="interconnect")
    p.register("xbar_b", kind="subarray", layer=1)
    p.register("xbar_a", kind="subarray", layer=0)
    p.register("mem", 2, kind="dram")
    p.register("xbar_c", kind="subarray", layer=0)
    for res in ("link", "xbar_b", "xbar_a", "xbar_c"):
        p.busy(res, 0, 50, "fw", p.layer(res))
    p.busy("mem", 0, 100, "wg")
    p.busy("mem", 10, 60, "wg")
    assert row_of(p, "xbar_c") == "layer1 subarrays" and row_of(p, "mem") == "mem"
    con = Console(width=100, record=True, force_terminal=False)
    con.print(render(SimpleNamespace(probe=p, cycles=100, clock_hz=1e9), 100))
    rows = [line.split("  ")[0] for line in con.export_text().splitlines()[1:6]]
    assert rows == ["layer1 subarrays", "layer2 subarrays", "link", "mem[0]", "mem[1]"]
