"""The functional model: quantizers, device, network modes, BP/DFA learning and determinism."""

import attrs
import numpy as np
import pytest

from cyclesim import data
from cyclesim.config import Chip, Device, Effects, Network, Training, Workload
from cyclesim.device import CellArray, a_norm, ltp_curve
from cyclesim.layers import AvgPool2d, Conv2d, Dense, Flatten, MaxPool2d
from cyclesim.learn import network, quant, signals
from cyclesim.learn.network import NetworkState as Net
from cyclesim.learn.train import Trainer


def test_pow2_scale_and_quantizers():
    assert quant.pow2_scale(0.0) == 1.0
    assert quant.pow2_scale(3.0) == 4.0 and quant.pow2_scale(4.0) == 4.0 and quant.pow2_scale(0.3) == 0.5
    x = np.array([0.0, 0.5, 1.0, 3.9], np.float32)
    q, s = quant.unsigned(x, 8)  # fixed point on [0, 1]: 3.9 saturates
    assert list(q) == [0, 128, 255, 255] and np.allclose(q * s, np.minimum(x, 1), atol=s / 2)
    d = np.array([-2.0, -0.01, 0.0, 1.5], np.float32)
    q, s = quant.signed(d, 8)
    assert np.abs(q).max() <= 127 and np.allclose(q * s, d, atol=s / 2)
    rng = np.random.default_rng(0)
    g = np.full(200_000, 0.013, np.float32)
    g[0] = 1.0
    r = quant.stochastic(g, 5, rng.random(g.shape, dtype=np.float32))
    assert abs(r[1:].mean() - 0.013) < 0.002  # unbiased below one step (step = 1/15)
    assert r[0] == 1.0 and np.allclose(quant.stochastic(g * 8, 5, rng.random(g.shape, dtype=np.float32))[0], 1.0)


def test_a_norm_table_and_curve():
    assert a_norm(1.75) == pytest.approx(0.7021)
    assert a_norm(1.46) == pytest.approx(0.8487)
    assert a_norm(0.0) == 0.0
    nl = np.linspace(0.05, 8.5, 50)
    assert np.all(np.diff(a_norm(nl)) < 0)  # stronger nonlinearity, shorter curve constant
    g = ltp_curve(np.arange(32), 1.75, 31)
    assert g[0] == 0 and g[-1] == pytest.approx(1.0) and np.all(np.diff(g) > 0)
    assert np.allclose(ltp_curve(np.arange(32), 0.0, 31), np.arange(32) / 31)


def test_cell_array_mapping_and_update():
    rng = np.random.default_rng(1)
    w0 = rng.uniform(-1, 1, size=(20, 10))
    cells = CellArray(w0, 32, Device(), rng, c2c=False)
    assert np.abs(cells.weights() - w0).max() <= 1 / 31 + 1e-6  # nearest of 32 levels
    g = cells.conductance()
    assert g.min() >= 0.1 - 1e-6 and g.max() <= 1.0 + 1e-6  # on/off 10
    assert np.allclose((g - cells.g_ref) * cells.weight_per_conductance, cells.weights(), atol=1e-6)
    before = cells.g.copy()
    cells.program(np.full((20, 10), 40, np.int32), rng)  # more pulses than levels: saturates
    assert np.all(cells.g == 1.0) and np.all(cells.g >= before)
    cells.program(np.full((20, 10), -3, np.int32), rng)
    assert np.all(cells.g < 1.0)
    cells.relax(1.0, 10.0)
    assert np.all(cells.g <= 1.0 * np.exp(-0.1) + 1e-6)


def test_d2d_spreads_cells():
    rng = np.random.default_rng(2)
    cells = CellArray(np.zeros((50, 50)), 32, Device(d2d=0.1, nl_d2d=0.5), rng)
    assert 0.05 < cells.gain.std() < 0.15
    assert cells.curve.a_ltp.std() > 0


def _tiny(mode="hardware", rule="dfa", **training):
    t = dict(epochs=1, batch_size=50, train_limit=1000, test_limit=300, lr=0.1)
    t.update(training)
    return Workload(
        network=Network(sizes=(784, 64, 10)), rule=rule, mode=mode, dataset="synthetic", training=Training(**t)
    )


@pytest.mark.parametrize("mode", ["ideal", "quantized", "hardware"])
@pytest.mark.parametrize("rule", ["bp", "dfa"])
def test_learns_synthetic(mode, rule):
    wl = _tiny(mode, rule, epochs=3)
    tr = Trainer(wl, data.synthetic(0, 1000, 300), np.random.SeedSequence(0))
    acc = [tr.run_epoch(e)[0].test_accuracy for e in (1, 2, 3)]
    assert acc[-1] > 0.6, acc


def test_one_bit_adc_cannot_read():
    """A 1-bit ADC leaves too little of the product to separate classes as well as 6 bits."""
    ds = data.synthetic(0, 1000, 300)
    accs = {}
    for bits in (1, 6):
        wl = _with_adc(_tiny(epochs=3), bits)
        tr = Trainer(wl, ds, np.random.SeedSequence(0))
        accs[bits] = [tr.run_epoch(e)[0].test_accuracy for e in (1, 2, 3)][-1]
    assert accs[1] < accs[6]


def _with_adc(wl, bits):
    return attrs.evolve(wl, chip=attrs.evolve(wl.chip, adc_bits=bits))


def test_same_seed_same_numbers_bit_for_bit():
    ds = data.synthetic(0, 1000, 300)
    runs = []
    for _ in range(2):
        tr = Trainer(_tiny(), ds, np.random.SeedSequence(5))
        stats, traces = tr.run_epoch(1, record=[0, 3])
        runs.append((stats.test_accuracy, stats.train_loss, stats.pulses, tr.net.effective_weights(), traces))
    assert runs[0][:3] == runs[1][:3]
    for a, b in zip(runs[0][3], runs[1][3]):
        assert np.array_equal(a, b)
    assert [t.iteration for t in runs[0][4]] == [0, 3]
    assert np.array_equal(runs[0][4][1].step.y, runs[1][4][1].step.y)


def test_bp_and_dfa_backward_shapes():
    net = Net(_tiny("quantized", "bp"), np.random.SeedSequence(0))
    x = data.synthetic(0, 100, 10).train_x[:50]
    p = net.forward(x)
    e = signals.output_error(p.y, np.zeros(50, np.int64), "sse")
    signals.backward(net, p, e, np.zeros(50, np.int64), net.workload.signals)
    assert [d.q.shape for d in p.deltas] == [(50, 64), (50, 10)]
    assert p.error is p.deltas[-1]


def test_effects_switch_off_hardware_to_quantized():
    """Hardware mode with every effect off computes like quantized mode (no ADC, ideal device)."""
    ds = data.synthetic(0, 400, 100)
    off = Effects(adc=False, nonlinearity=False, c2c=False, d2d=False, retention=False, on_off=False)

    a = Trainer(attrs.evolve(_tiny(), effects=off), ds, np.random.SeedSequence(1))
    b = Trainer(_tiny("quantized"), ds, np.random.SeedSequence(1))
    sa, sb = a.run_epoch(1)[0], b.run_epoch(1)[0]
    assert sa.test_accuracy == sb.test_accuracy and sa.pulses == sb.pulses


def _with_chip(wl, **chip):
    return attrs.evolve(wl, chip=attrs.evolve(wl.chip, **chip))


def test_adc_at_test_time_only_trains_as_exact_reads_and_tests_through_the_adc():
    """chip.adc_where test (NeuroSim's training script): training is that of a chip without ADCs, bit for
    bit; only the test-time reads are digitised."""
    ds = data.synthetic(0, 400, 200)
    exact = Trainer(attrs.evolve(_tiny(), effects=Effects(adc=False)), ds, np.random.SeedSequence(3))
    at_test = Trainer(_with_chip(_tiny(), adc_where="test", adc_bits=2), ds, np.random.SeedSequence(3))
    se, st = exact.run_epoch(1)[0], at_test.run_epoch(1)[0]
    assert se.train_loss == st.train_loss and se.pulses == st.pulses
    for a, b in zip(exact.net.effective_weights(), at_test.net.effective_weights()):
        assert np.array_equal(a, b)
    assert se.layers[0].read_error is None  # no ADC: the reads are the exact product
    assert st.layers[0].read_error > 0.05  # 2-bit reads at test time


def test_neurosims_quantizer_digitises_the_reference_whatever_the_readout():
    """chip.adc_model neurosim is NeuroSim's quantizer: its reference column is digitised on its own
    (kernels.AdcSpec.differential False) under either chip.readout."""
    specs = {
        r: network.adc_spec(Chip(adc_model="neurosim", readout=r), 3) for r in ("differential", "digital_reference")
    }
    assert specs["differential"] == specs["digital_reference"] and not specs["differential"].differential
    assert network.adc_spec(Chip(), 3).differential  # the default chip subtracts the reference first


def test_fixed_adc_ranges_are_set_on_each_epochs_first_batch():
    ds = data.synthetic(0, 400, 100)
    tr = Trainer(_with_chip(_tiny(), adc_calibration="fixed"), ds, np.random.SeedSequence(0))
    calls = []
    xbar = tr.net.xbars[0]
    read = xbar.read
    xbar.read = lambda *a, **kw: calls.append(dict(xbar.spans)) or read(*a, **kw)
    tr.run_epoch(1)
    assert calls[0] == {} and all(c and c[False] is calls[1][False] for c in calls[1:])  # set once, then kept
    first = calls[1][False].copy()
    tr.run_epoch(2)
    assert calls[-1][False] is not calls[1][False]  # recalibrated for epoch 2
    assert not np.array_equal(first, calls[-1][False])  # on weights that have moved
    batch = Trainer(_tiny(), ds, np.random.SeedSequence(0))
    assert (
        batch.run_epoch(1)[0].train_loss
        != Trainer(_with_chip(_tiny(), adc_calibration="fixed"), ds, np.random.SeedSequence(0))
        .run_epoch(1)[0]
        .train_loss
    )


@pytest.mark.parametrize(
    "chip, words",
    [
        ({"adc_model": "neurosim", "adc_rounding": "floor"}, ["neurosim", "chip.adc_rounding=floor"]),
        ({"adc_model": "neurosim", "adc_range": "layer"}, ["chip.adc_range=layer", "cyclesim"]),
        ({"adc_where": "test", "adc_calibration": "fixed"}, ["adc_calibration", "batch"]),
    ],
)
def test_adc_settings_that_make_no_sense_are_refused(chip, words):
    with pytest.raises(ValueError) as info:
        Workload(chip=attrs.evolve(Workload().chip, **chip))
    assert all(w in str(info.value) for w in words)


def test_adc_at_test_time_needs_an_adc():
    with pytest.raises(ValueError, match="effects.adc"):
        _with_chip(_tiny("quantized"), adc_where="test")


def test_epochs_report_live_dead_saturated_units_and_the_reads_error():
    ds = data.synthetic(0, 400, 150)
    stats = {}
    for name, wl in {
        "ideal": _tiny("ideal"),
        "adc6": _with_chip(_tiny(), adc_bits=6),
        "adc2": _with_chip(_tiny(), adc_bits=2),
        "floor": _with_chip(_tiny(), adc_bits=2, readout="differential", adc_rounding="floor"),
    }.items():
        stats[name] = Trainer(wl, ds, np.random.SeedSequence(2)).run_epoch(1)[0].layers
    hidden, out = stats["ideal"]
    assert 0 < hidden.live <= 1 and 0 <= hidden.dead < 1 and 0 <= hidden.saturated < 1
    assert out.live is None and hidden.read_error is None  # no ADC, no read error
    assert 0 < stats["adc6"][0].read_error < stats["adc2"][0].read_error
    assert stats["floor"][0].read_offset < -abs(stats["adc6"][0].read_offset)  # -1/2 LSB per plane


@pytest.mark.parametrize("mode", ["ideal", "hardware"])
def test_images_with_channels_train_in_every_mode(mode):
    """A 32x32x3 dataset (CIFAR-10's shape, channel-major) flows through an MLP that takes its 3072
    values, in ideal and hardware mode."""
    rng = np.random.default_rng(5)
    ds = data.Dataset(
        name="cifar10", train_x=rng.integers(0, 256, (60, 3072), dtype=np.uint8),
        train_y=rng.integers(0, 10, 60, dtype=np.uint8), test_x=rng.integers(0, 256, (20, 3072), dtype=np.uint8),
        test_y=rng.integers(0, 10, 20, dtype=np.uint8), shape=(3, 32, 32),
    )  # fmt: skip
    wl = Workload(
        dataset="cifar10", mode=mode, network=Network(sizes=(3072, 24, 10)),
        training=Training(epochs=1, batch_size=20),
    )  # fmt: skip
    stats = Trainer(wl, ds, np.random.SeedSequence(0)).run_epoch(1)[0]
    assert np.isfinite(stats.train_loss) and 0 <= stats.test_accuracy <= 1 and (mode == "ideal" or stats.pulses > 0)


SMALL_CONV = (Conv2d(6, 5), MaxPool2d(2), Conv2d(8, 3, padding=1), AvgPool2d(2), Flatten(), Dense(24), Dense(10))


def _conv(mode="ideal", rule="bp", **t):
    t = {"epochs": 3, "batch_size": 50, "lr": 0.05, **t}
    return Workload(
        network=Network(layers=SMALL_CONV), rule=rule, mode=mode, dataset="synthetic", training=Training(**t)
    )


@pytest.mark.parametrize("mode", ["ideal", "quantized", "hardware"])
def test_a_convolutional_network_learns_in_every_mode(mode):
    tr = Trainer(_conv(mode), data.synthetic(0, 1000, 300), np.random.SeedSequence(0))
    acc = [tr.run_epoch(e)[0].test_accuracy for e in (1, 2, 3)]
    assert acc[-1] > 0.6, acc


@pytest.mark.parametrize("rule", ["fa", "dfa", "drtp", "sign_symmetry"])
@pytest.mark.parametrize("mode", ["ideal", "hardware"])
def test_every_rule_reaches_the_convolutions(rule, mode):
    """Every rule's signal reaches the convolutions (DFA and DRTP onto every unit of their output maps,
    FA through a fixed random kernel, sign-symmetry through the kernels' signs): nonzero deltas on every
    layer, every layer's weights moved, outputs finite. (How well each rule learns a convolutional
    network is measured on LeNet and MNIST, not in a unit test.)"""
    wl = _conv(mode, rule, epochs=1, train_limit=200)
    tr = Trainer(wl, data.synthetic(0, 300, 50), np.random.SeedSequence(0))
    before = tr.net.effective_weights()
    _stats, traces = tr.run_epoch(1, record=[1])
    assert all(np.count_nonzero(d.q) > 0 for d in traces[0].step.deltas)
    assert all(not np.array_equal(a, b) for a, b in zip(before, tr.net.effective_weights()))
    assert np.isfinite(tr.net.forward(data.synthetic(0, 10, 10).train_x).y).all()


def test_backpropagation_through_convolutions_and_pooling_is_the_gradient():
    """Ideal-mode BP's weight gradient X_l^T delta_l (before WAGE's normalisation) of every layer equals
    the loss's finite-difference derivative: im2col, col2im, max and average pooling and the clipped
    ReLU differentiate as they should."""
    wl = _conv("ideal", "bp", loss="ce")
    net = Net(wl, np.random.SeedSequence(1))
    ds = data.synthetic(0, 20, 10)
    x, labels = ds.train_x[:8], ds.train_y[:8].astype(np.int64)

    def loss():
        y = net.forward(x).y.astype(np.float64)
        z = y - y.max(axis=1, keepdims=True)
        return float(-(z[np.arange(8), labels] - np.log(np.exp(z).sum(axis=1))).sum())

    p = net.forward(x)
    signals.backward(net, p, signals.output_error(p.y, labels, "ce"), labels, wl.signals)
    rng = np.random.default_rng(0)
    for l, stage in enumerate(net.stages):
        grad = p.inputs[l].q.T.astype(np.float64) @ stage.rows_of(p.deltas[l].q).astype(np.float64)
        w = net.float_w[l]
        for i, j in zip(rng.integers(0, w.shape[0], 4), rng.integers(0, w.shape[1], 4)):
            if abs(grad[i, j]) < 1e-3:
                continue
            keep, eps = w[i, j], np.float32(1e-2 * max(abs(float(w[i, j])), 0.1))
            w[i, j] = keep + eps
            up = loss()
            w[i, j] = keep - eps
            down = loss()
            w[i, j] = keep
            assert (up - down) / (2 * float(eps)) == pytest.approx(grad[i, j], rel=0.05, abs=2e-3), (l, i, j)


def test_conv_deltas_have_the_shape_of_the_output_maps():
    net = Net(_conv("quantized", "dfa"), np.random.SeedSequence(0))
    x = data.synthetic(0, 100, 10).train_x[:5]
    p = net.forward(x)
    labels = np.zeros(5, np.int64)
    signals.backward(net, p, signals.output_error(p.y, labels, "sse"), labels, net.workload.signals)
    assert [d.q.shape for d in p.deltas] == [(5, 6 * 24 * 24), (5, 8 * 12 * 12), (5, 24), (5, 10)]
    assert [x.q.shape for x in p.inputs] == [(5 * 576, 25), (5 * 144, 54), (5, 288), (5, 24)]
