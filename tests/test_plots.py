"""PNG plots of a run (matplotlib is an optional extra)."""

import builtins

import pytest

from cyclesim import runner
from cyclesim.config import Network, Training, Workload
from cyclesim.errors import ConfigError
from cyclesim.report import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_result():
    wl = Workload(
        rule="dfa",
        network=Network(sizes=(784, 64, 32, 10)),
        dataset="synthetic",
        training=Training(epochs=2, batch_size=50, train_limit=400, test_limit=200),
    )
    res = runner.run(wl)
    return res.to_json(), res.last_iteration


def _is_png(path):
    data = path.read_bytes()
    return len(data) > len(PNG_MAGIC) and data.startswith(PNG_MAGIC)


@pytest.fixture
def mpl():
    return pytest.importorskip("matplotlib")


def test_accuracy_png(mpl, run_result, tmp_path):
    doc, _ = run_result
    bp = {"accuracy": {"train": [0.5, 0.7], "test": [0.55, 0.72]}}
    out = plots.accuracy([bp, doc], ["BP", "DFA"], tmp_path / "acc.png")
    assert out == tmp_path / "acc.png" and _is_png(out)


def test_area_png(mpl, run_result, tmp_path):
    doc, _ = run_result
    out = plots.area(doc, tmp_path / "area.png")
    assert _is_png(out)


def test_phases_png(mpl, run_result, tmp_path):
    doc, _ = run_result
    out = plots.phases(doc, tmp_path / "phases.png")
    assert _is_png(out)


def test_timeline_png(mpl, run_result, tmp_path):
    _, result = run_result
    assert _is_png(plots.timeline(result, tmp_path / "t.png"))
    assert _is_png(plots.timeline(result, tmp_path / "w.png", window=(0, result.cycles // 10)))
    with pytest.raises(ValueError):
        plots.timeline(result, tmp_path / "bad.png", window=(5, 5))


def test_figures_are_closed(mpl, run_result, tmp_path):
    import matplotlib.pyplot as plt

    doc, result = run_result
    before = len(plt.get_fignums())
    plots.all_plots(doc, result, tmp_path)
    assert len(plt.get_fignums()) == before


def test_all_plots(mpl, run_result, tmp_path):
    doc, result = run_result
    paths = plots.all_plots(doc, result, tmp_path / "plots")
    assert [p.name for p in paths] == ["accuracy.png", "area.png", "phases.png", "timeline.png"]
    assert all(_is_png(p) for p in paths)


def test_all_plots_skips_missing_blocks(mpl, run_result, tmp_path):
    doc, _ = run_result
    bare = dict(doc, accuracy={"train": [], "test": [], "final_test": None}, latency=None, energy=None)
    paths = plots.all_plots(bare, None, tmp_path)
    assert [p.name for p in paths] == ["area.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["area.png"]
    assert plots.all_plots({"area": None}, None, tmp_path / "none") == []


def test_missing_matplotlib_is_a_config_error(monkeypatch, run_result, tmp_path):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    doc, _ = run_result
    with pytest.raises(ConfigError) as exc:
        plots.area(doc, tmp_path / "area.png")
    msg = str(exc.value)
    assert "\n" not in msg and "matplotlib" in msg and ".[plots]" in msg
    assert not (tmp_path / "area.png").exists()


def test_device_fit_png(mpl, tmp_path):
    from cyclesim import device
    from cyclesim.config import Device

    table = device.parametric_table(Device(), cycles=3)
    out = plots.device_fit(table, device.fit_curve(table), tmp_path / "fit.png")
    assert _is_png(out)
