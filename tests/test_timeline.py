"""The console timeline of a simulated iteration."""

import numpy as np
import pytest
from rich.console import Console

from cyclesim import data
from cyclesim.config import Network, Training, Workload
from cyclesim.engine.schedule import simulate
from cyclesim.hw.floorplan import plan
from cyclesim.learn.train import Trainer
from cyclesim.report.timeline import render


@pytest.fixture(scope="module", params=["bp", "dfa"])
def result(request):
    wl = Workload(rule=request.param, network=Network(sizes=(784, 64, 32, 10)), dataset="synthetic",
                  training=Training(epochs=0, batch_size=20, train_limit=200))
    tr = Trainer(wl, data.synthetic(0, 400, 100), np.random.SeedSequence(0))
    return simulate(wl, plan(wl), tr.net, tr.trace_first_batch())


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
