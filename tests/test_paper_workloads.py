"""The paper sweep files (workloads/paper/*.py) load in normal and quick mode (CYCLESIM_QUICK=1),
every point is a valid Workload, and the point counts match the documented design."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from cyclesim import config
from cyclesim import sweep as sweep_mod
from cyclesim.config import Workload

PAPER = Path(__file__).resolve().parents[1] / "workloads" / "paper"
FILES = sorted(PAPER.glob("*.py"))

# expanded point counts (points x seeds): (normal, quick)
EXPECTED = {
    "float_parity": (12, 4),
    "adc_bits": (36, 12),
    "subarray": (30, 10),
    "precision": (78, 26),
    "variation": (42, 14),
    "nonlinearity": (30, 10),
    "retention": (24, 8),
    "width": (30, 10),
    "depth": (18, 18),
    "utilization": (9, 9),
    "breakdown": (3, 3),
    "beyond": (11, 11),
}
# training epochs of every point: (normal, quick)
EPOCHS = {
    "float_parity": (10, 2),
    "depth": (0, 0),
    "utilization": (0, 0),
    "breakdown": (0, 0),
    "beyond": (0, 0),
}


def _load(path: Path, monkeypatch, quick: bool):
    if quick:
        monkeypatch.setenv("CYCLESIM_QUICK", "1")
    else:
        monkeypatch.delenv("CYCLESIM_QUICK", raising=False)
    return sweep_mod.load_sweep(path)


def test_every_file_is_listed():
    assert {p.stem for p in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_paper_sweep_loads(path, monkeypatch):
    normal = _load(path, monkeypatch, quick=False)
    quick = _load(path, monkeypatch, quick=True)
    assert path.read_text().lstrip().startswith('"""'), "module docstring missing"
    assert 0 < len(quick.points) <= len(normal.points)
    assert (len(normal.points), len(quick.points)) == EXPECTED[path.stem]
    want_epochs = EPOCHS.get(path.stem, (3, 1))
    for sweep, epochs in ((normal, want_epochs[0]), (quick, want_epochs[1])):
        keys = [k for k, _ in sweep.points]
        assert len(set(keys)) == len(keys)
        for _, wl in sweep.points:
            assert isinstance(wl, Workload)
            attrs.validate(wl)
            Workload(**{f.name: getattr(wl, f.name) for f in attrs.fields(Workload)})  # post-init checks
            assert wl.training.epochs == epochs
            assert wl.name and wl.name != "workload"
        # distinct names per distinct config (seed copies share a name)
        names = {}
        for _, wl in sweep.points:
            cfg = config.to_dict(attrs.evolve(wl, training=attrs.evolve(wl.training, seed=0)))
            names.setdefault(wl.name, []).append(cfg)
        for name, cfgs in names.items():
            assert all(c == cfgs[0] for c in cfgs), f"{path.stem}: name {name} used for different configs"
