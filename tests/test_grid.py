"""cyclesim.sweep.grid, the building blocks of sweep files: quick mode read at each call, the shipped
workloads found from any working directory, nested `evolve`, and one-at-a-time series."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from cyclesim import config
from cyclesim.sweep import grid
from cyclesim.workload import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("value", "quick"), [("1", True), ("0", False), ("yes", False), (None, False)])
def test_quick_mode_is_read_at_each_call(monkeypatch, value, quick):
    if value is None:
        monkeypatch.delenv("CYCLESIM_QUICK", raising=False)
    else:
        monkeypatch.setenv("CYCLESIM_QUICK", value)
    assert grid.is_quick() is quick
    assert grid.normal_or_quick(3, quick=1) == (1 if quick else 3)


def test_shipped_is_the_workload_file_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for rule in ("bp", "dfa"):
        assert grid.shipped(rule) == load(ROOT / "workloads" / f"{rule}_3layer.py")
        two = grid.shipped(rule, epochs=2)
        assert two.training.epochs == 2
        assert two == attrs.evolve(grid.shipped(rule), training=attrs.evolve(grid.shipped(rule).training, epochs=2))
    assert grid.shipped("bp", epochs=0).training.epochs == 0  # 0 is a count, not "unchanged"
    assert list(grid.shipped_by_rule(epochs=1)) == ["bp", "dfa"]
    assert {wl.rule for wl in grid.shipped_by_rule().values()} == {"bp", "dfa"}
    variants = grid.shipped_variants(epochs=0)
    assert list(variants) == ["bp", "dfa", "dfa-wgushared"]
    dfa = variants["dfa"]
    assert variants["dfa-wgushared"] == attrs.evolve(dfa, chip=attrs.evolve(dfa.chip, wgu="shared"))
    assert dfa.chip.wgu != "shared" and variants["bp"] == grid.shipped("bp", epochs=0)


def test_evolve_changes_only_the_named_fields_of_a_section():
    base = grid.shipped("dfa")
    wl = grid.evolve(base, name="x", mode="ideal", chip={"adc_bits": 3, "subarray": 64}, training={"lr": 0.01})
    assert wl == attrs.evolve(
        base,
        name="x",
        mode="ideal",
        chip=attrs.evolve(base.chip, adc_bits=3, subarray=64),
        training=attrs.evolve(base.training, lr=0.01),
    )
    assert wl.chip.node == base.chip.node and wl.training.epochs == base.training.epochs
    assert grid.evolve(base) == base
    with pytest.raises(TypeError):
        grid.evolve(base, chip={"no_such_field": 1})


def test_one_at_a_time_series():
    base = grid.shipped("bp", epochs=1)
    series = {"c2c": (0.0, base.device.c2c, 0.05), "d2d": (0.1, 0.2)}
    points = grid.one_at_a_time(base, "bp", "device", series)
    assert [p.name for p in points] == ["bp_baseline", "bp_c2c0", "bp_c2c0.05", "bp_d2d0.1", "bp_d2d0.2"]
    assert points[0] == attrs.evolve(base, name="bp_baseline")  # the default value is not repeated
    flat_base = config.to_dict(attrs.evolve(base, name=""))
    for point in points[1:]:
        flat = config.to_dict(attrs.evolve(point, name=""))
        changed = [k for k in flat["device"] if flat["device"][k] != flat_base["device"][k]]
        assert len(changed) == 1 and point.name.startswith(f"bp_{changed[0]}")
        assert {k: v for k, v in flat.items() if k != "device"} == {k: v for k, v in flat_base.items() if k != "device"}
