"""cyclesim.device: the two update models behind `CellArray.program`, curve tables of the parametric model
and NeuroSim's parametric fit of a table."""

from __future__ import annotations

import numpy as np
import pytest

from cyclesim import data, kernels, tech
from cyclesim import device as dv
from cyclesim.config import Device, Effects, Network, Training, Workload
from cyclesim.device import CellArray, MeasuredCurve, ParametricCurve
from cyclesim.learn.network import NetworkState
from cyclesim.learn.train import Trainer


@pytest.fixture(scope="module")
def table() -> tech.CurveTable:
    """The default device's parametric model as a table (20 cycles, C2C 0.3 %)."""
    return dv.parametric_table(Device(), cycles=20, seed=0)


@pytest.fixture(scope="module")
def table_file(table, tmp_path_factory):
    path = tmp_path_factory.mktemp("curve") / "rram_table.csv"
    path.write_text(tech.curve_csv(table, ["test table"]), encoding="utf-8")
    return path


def test_parametric_table_is_the_parametric_curve(table):
    """Sweeps of levels - 1 pulses from Gmin and Gmax; the mean follows g(P) = B (1 - e^(-P/A))."""
    assert table.ltp_s.shape == table.ltd_s.shape == (20, 32)
    assert table.levels == 32
    assert np.allclose(table.ltp_s[:, 0], 1e-6, rtol=1e-12) and np.all(table.ltd_s[:, 0] == 1e-5)  # reset to the ends
    gmin, span = 1e-6, 9e-6
    want = dv.ltp_curve(np.arange(32), 1.75, 31)
    assert np.abs((table.mean_ltp_s - gmin) / span - want).max() < 0.01  # C2C 0.3 % per pulse, 20 cycles
    down = 1.0 - dv.ltp_curve(np.arange(32), 1.46, 31)
    assert np.abs((table.mean_ltd_s - gmin) / span - down).max() < 0.01
    noiseless = dv.parametric_table(Device(c2c=0.0), cycles=3)
    assert np.allclose((noiseless.ltp_s - gmin) / span, want, atol=1e-6)  # float32 state, as a cell holds it


def test_parametric_table_is_seeded(table):
    again = dv.parametric_table(Device(), cycles=20, seed=0)
    assert np.array_equal(again.ltp_s, table.ltp_s) and np.array_equal(again.ltd_s, table.ltd_s)
    assert not np.array_equal(dv.parametric_table(Device(), cycles=20, seed=1).ltp_s, table.ltp_s)


def test_table_round_trips_through_its_csv(table, table_file):
    back = tech.load_curve(table_file)
    assert np.array_equal(back.ltp_s, table.ltp_s) and np.array_equal(back.ltd_s, table.ltd_s)
    fields = back.device_fields()
    assert fields["levels"] == 32
    assert fields["r_on_ohm"] == pytest.approx(1e5) and fields["on_off_ratio"] == pytest.approx(10.0)
    assert fields["nl_ltp"] == fields["nl_ltd"] == fields["c2c"] == fields["nl_d2d"] == 0.0


@pytest.mark.parametrize("nl_ltp, nl_ltd", [(1.75, 1.46), (1.0, 2.5), (3.0, 0.8), (0.5, 4.0)])
@pytest.mark.parametrize("seed", [0, 1])
def test_fit_recovers_the_nonlinearity_of_a_generated_table(nl_ltp, nl_ltd, seed):
    """NeuroSim's model fitted to a table of itself (`device table`'s defaults: 20 cycles, C2C 0.3 %):
    NL within 10 %, C2C within 20 % (clipped saturating steps and 20 cycles), the fixed fields exact."""
    dev = Device(nl_ltp=nl_ltp, nl_ltd=nl_ltd)
    fit = dv.fit_curve(dv.parametric_table(dev, cycles=20, seed=seed))
    assert fit.nl_ltp == pytest.approx(nl_ltp, rel=0.10)
    assert fit.nl_ltd == pytest.approx(nl_ltd, rel=0.10)
    assert fit.c2c == pytest.approx(0.003, rel=0.20)
    assert fit.levels == fit.levels_ltd == 32 and fit.on_off_ratio == pytest.approx(10.0, rel=1e-6)
    assert fit.rms_ltp < 0.01 and fit.rms_ltd < 0.01 and fit.cycles_ltp == fit.cycles_ltd == 20
    assert fit.scale_ltp == pytest.approx(1.0, abs=0.02) and fit.scale_ltd == pytest.approx(1.0, abs=0.02)


def test_fit_of_a_noiseless_table_is_exact():
    fit = dv.fit_curve(dv.parametric_table(Device(c2c=0.0), cycles=1))
    assert fit.nl_ltp == pytest.approx(1.75, rel=1e-3) and fit.nl_ltd == pytest.approx(1.46, rel=1e-3)
    assert fit.c2c == 0.0 and fit.rms_ltp < 1e-5


def test_fit_of_a_linear_curve_is_nl_zero():
    line = np.linspace(1e-6, 1e-5, 40)
    fit = dv.fit_curve(tech.curve_table("line", [line], [line[::-1]]))
    assert fit.nl_ltp == 0.0 and fit.nl_ltd == 0.0 and fit.rms_ltp < 1e-12


def test_the_update_model_is_chosen_once(table_file):
    rng = np.random.default_rng(0)
    assert isinstance(CellArray(np.zeros((3, 4)), 32, Device(), rng).curve, ParametricCurve)
    cells = CellArray(np.zeros((3, 4)), 32, Device().with_curve(table_file), rng)
    assert isinstance(cells.curve, MeasuredCurve)
    assert cells.curve.table_pulses == 1.0 and cells.curve.noisy


def test_measured_curve_steps_along_the_mean_curve(table, table_file):
    """From Gmin, P chip pulses reach the mean LTP curve's point P (one chip pulse = one table pulse)."""
    cells = CellArray(-np.ones(32), 32, Device().with_curve(table_file), None, c2c=False)
    assert np.all(cells.g == 0.0) and not cells.curve.noisy
    cells.program(np.arange(32, dtype=np.int32), np.random.default_rng(0))
    mean = (table.mean_ltp_s - table.gmin_s) / (table.gmax_s - table.gmin_s)
    assert np.allclose(cells.g, mean, atol=1e-6)


def test_measured_curve_maps_chip_pulses_onto_table_pulses(table_file):
    """A table of 32 levels under a 16-level (4-bit) chip: one chip pulse is 31/15 table pulses."""
    curve = MeasuredCurve.from_table(tech.load_curve(table_file), 15)
    assert curve.table_pulses == pytest.approx(31 / 15)
    g = np.zeros(2, np.float32)
    curve.program(g, np.array([15, 7], np.int32), np.zeros(2, np.float32))
    assert g[0] == pytest.approx(curve.ltp[-1], abs=1e-6)  # the whole sweep
    assert g[1] == pytest.approx(np.interp(7 * 31 / 15, np.arange(32), curve.ltp), abs=1e-6)
    t = tech.load_curve(table_file)
    assert curve.spread_ltp[0] == pytest.approx(dv.step_spread(t, t.ltp_s)[0] * np.sqrt(31 / 15))  # k pulses


def test_measured_curve_draws_the_parametric_random_stream(table_file):
    """One standard normal per programmed cell, in the order the parametric model draws them."""
    pulses = np.array([[0, 3, -2], [1, 0, -7]], np.int32)
    draws = {}
    for dev in (Device(), Device().with_curve(table_file)):
        rng = np.random.default_rng(5)
        CellArray(np.zeros(pulses.shape), 32, dev, rng).program(pulses, rng)
        draws[dev.curve] = rng.random()  # the generator's state after the update
    assert len(set(draws.values())) == 1


def test_effects_switch_the_measured_curve(table_file):
    """Without the nonlinearity the table's curve is a straight line (g moves by n / Pmax); without C2C
    nothing is drawn; a table of one cycle has no spread."""
    dev = Device().with_curve(table_file)
    cells = CellArray(np.zeros(3), 32, dev, None, nonlinear=False, c2c=False)
    cells.g[:] = 0.25
    cells.program(np.array([2, -3, 0], np.int32), np.random.default_rng(0))
    assert np.allclose(cells.g, [0.25 + 2 / 31, 0.25 - 3 / 31, 0.25], atol=1e-6)
    one_cycle = tech.curve_table("one", tech.load_curve(table_file).ltp_s[:1], tech.load_curve(table_file).ltd_s[:1])
    assert not MeasuredCurve.from_table(one_cycle, 31).noisy


def test_preset_with_a_curve_table_trains():
    """A tiny network learns through a measured device (the shipped ENODe table) in hardware mode."""
    wl = Workload(
        network=Network(sizes=(784, 64, 10)),
        dataset="synthetic",
        device=Device.preset("enode"),
        training=Training(epochs=3, batch_size=50, train_limit=1000, test_limit=300, lr=0.1),
    )
    state = NetworkState(wl, np.random.SeedSequence(0))
    assert all(isinstance(x.cells.curve, MeasuredCurve) for x in state.xbars)
    assert state.xbars[0].cells.curve.table_pulses == pytest.approx(217 / 31)
    trainer = Trainer(wl, data.synthetic(0, 1000, 300), np.random.SeedSequence(0))
    stats = [trainer.run_epoch(e)[0] for e in (1, 2, 3)]
    assert stats[-1].test_accuracy > 0.6 and all(s.pulses > 0 for s in stats), stats


def test_kernel_saturates_and_holds_at_the_curve_end(table_file):
    curve = MeasuredCurve.from_table(tech.load_curve(table_file), 31)
    g = np.array([1.0, 0.0, curve.ltp[-1] + 1e-4], np.float32)
    before = g.copy()
    kernels.table_pulse_update(
        g, np.array([5, -5, 1], np.int32), curve.ltp, curve.ltd, curve.spread_ltp, curve.spread_ltd, 1.0,
        np.zeros(0, np.float32), False,
    )  # fmt: skip
    assert g[0] == 1.0 and g[1] == 0.0  # beyond the ends nothing moves
    assert g[2] == before[2]  # above the LTP curve's end a potentiating pulse leaves the cell where it is


def test_effects_off_make_a_measured_device_quantized_like_any():
    wl = Workload(
        network=Network(sizes=(784, 16, 10)), dataset="synthetic", device=Device.preset("crosssim_ramps"),
        effects=Effects(nonlinearity=False, c2c=False, d2d=False, on_off=False, adc=False),
    )  # fmt: skip
    state = NetworkState(wl, np.random.SeedSequence(0))
    assert not state.xbars[0].cells.curve.noisy
