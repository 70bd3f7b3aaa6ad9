"""Every numba kernel equals its NumPy reference bit for bit, on random and edge-case inputs."""

import numpy as np
import pytest

from cyclesim import kernels as k

CASES = [
    # batch, rows, cols, bits, signed, subarray, adc_bits
    (20, 300, 130, 8, False, 128, 5),  # ragged last row- and column-subarray
    (7, 5, 3, 4, True, 128, 2),  # subarray larger than the layer
    (16, 256, 256, 8, True, 128, 1),  # 1-bit ADC, exact tiling
    (9, 64, 40, 8, False, 16, 6),  # many small subarrays
    (1, 10, 4, 3, False, 8, 3),  # a single sample
    (12, 40, 20, 8, True, 128, 4),  # fewer columns than a column-subarray (a convolution's few channels)
]


def _inputs(rng, b, r, c, bits, signed):
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    lo = -hi if signed else 0
    x = rng.integers(lo, hi + 1, size=(b, r))
    g = rng.uniform(0.1, 1.0, size=(r, c)).astype(np.float32)
    return x, g


@pytest.mark.parametrize("differential", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_mvm_matches_reference(case, differential):
    b, r, c, bits, signed, sub, adc = case
    x, g = _inputs(np.random.default_rng(1), b, r, c, bits, signed)
    fast = k.mvm_bitserial(x, g, 0.55, bits, signed, sub, sub, k.AdcSpec(adc, differential))
    ref = k.mvm_bitserial(x, g, 0.55, bits, signed, sub, sub, k.AdcSpec(adc, differential), ref=True)
    assert fast.dtype == np.float32 and fast.shape == (b, c)
    assert np.array_equal(fast, ref)


@pytest.mark.parametrize("case", CASES)
def test_subarray_sums_match_reference(case):
    """The fused read's partial sums, one row-subarray at a time, are the reference's slices, their
    column-subarrays side by side."""
    b, r, c, bits, signed, sub, _ = case
    x, g = _inputs(np.random.default_rng(2), b, r, c, bits, signed)
    want, want_count = k.bitserial_sums_ref(x, g, bits, signed, sub, sub)
    ns, planes, nj, _b, cs = want.shape
    rows, active = np.empty((planes, sub), np.int64), np.zeros(planes, np.int64)
    for s in range(ns):
        psum, count = np.zeros((planes, b, c), np.float32), np.zeros((planes, b), np.float32)
        k._subarray_sums(psum, count, x, g, s, bits, signed, sub, rows, active)
        side_by_side = want[s].transpose(0, 2, 1, 3).reshape(planes, b, nj * cs)[:, :, :c]
        assert np.array_equal(psum.view(np.int32), side_by_side.view(np.int32))
        assert np.array_equal(count, want_count[s])


@pytest.mark.parametrize("width", [1, 37, 64])
def test_span_equals_numpy_min_max(width):
    """The integer-ordered span gives NumPy's min and max: negatives, both zeros, tiny and huge values."""
    rng = np.random.default_rng(width)
    x = (rng.standard_normal((9, 64)) * 10.0 ** rng.integers(-30, 30, (9, 64))).astype(np.float32)
    x[0, 0], x[1, 0], x[2, 0] = -0.0, 0.0, np.float32(1e-45)
    lo, hi = k._span(x, 0, width)
    assert (lo, hi) == (x[:, :width].min(), x[:, :width].max())
    assert k._span(np.abs(x), 0, width) == (np.abs(x)[:, :width].min(), np.abs(x)[:, :width].max())


def test_mvm_edge_cases_all_zero_and_saturated():
    rng = np.random.default_rng(3)
    g = rng.uniform(0.1, 1.0, size=(200, 50)).astype(np.float32)
    zero = np.zeros((6, 200), dtype=np.int64)
    assert np.array_equal(k.mvm_bitserial(zero, g, 0.55, 8, False, 128, 128, 5), np.zeros((6, 50), np.float32))
    full = np.full((6, 200), 255)
    fast = k.mvm_bitserial(full, g, 0.55, 8, False, 128, 128, 5)
    assert np.array_equal(fast, k.mvm_bitserial(full, g, 0.55, 8, False, 128, 128, 5, ref=True))
    # identical inputs into one column give a zero-width ADC range: the read is exact
    col = np.ascontiguousarray(g[:, :1])
    exact = full.astype(np.float64) @ (col.astype(np.float64) - np.float32(0.55))
    assert np.allclose(k.mvm_bitserial(full, col, 0.55, 8, False, 128, 128, 5), exact, rtol=1e-5)
    # saturated conductances on both sides of the reference
    for level in (0.1, 1.0):
        gs = np.full((200, 50), level, dtype=np.float32)
        x = rng.integers(0, 256, size=(6, 200))
        assert np.array_equal(
            k.mvm_bitserial(x, gs, 0.55, 8, False, 128, 128, 5),
            k.mvm_bitserial(x, gs, 0.55, 8, False, 128, 128, 5, ref=True),
        )


def test_adc_resolution_controls_error():
    """More ADC bits, smaller error against the exact product (the ADC is the only approximation)."""
    rng = np.random.default_rng(4)
    x, g = _inputs(rng, 50, 256, 64, 8, False)
    exact = x.astype(np.float64) @ (g.astype(np.float64) - 0.55)
    errs = [np.abs(k.mvm_bitserial(x, g, 0.55, 8, False, 128, 128, b) - exact).mean() for b in (1, 3, 5, 8)]
    assert errs == sorted(errs, reverse=True)
    assert errs[-1] < 0.02 * np.abs(exact).mean() < errs[0]


def test_differential_readout_is_finer_at_low_bits():
    """Subtracting the reference before the ADC leaves its levels for the signal alone."""
    rng = np.random.default_rng(9)
    x, g = _inputs(rng, 50, 256, 64, 8, False)
    exact = x.astype(np.float64) @ (g.astype(np.float64) - 0.55)
    err = {
        d: np.abs(k.mvm_bitserial(x, g, 0.55, 8, False, 128, 128, k.AdcSpec(3, d)) - exact).mean()
        for d in (False, True)
    }
    assert err[True] < err[False]


@pytest.mark.parametrize("differential", [False, True])
def test_subarray_slices_sum_to_whole(differential):
    """One subarray's read on its slice gives exactly its share; the layer output is their ordered sum."""
    rng = np.random.default_rng(5)
    x, g = _inputs(rng, 12, 300, 100, 8, True)
    whole = k.mvm_bitserial(x, g, 0.55, 8, True, 128, 128, k.AdcSpec(4, differential))
    parts = [
        k.mvm_bitserial(x[:, s : s + 128], g[s : s + 128], 0.55, 8, True, 128, 128, k.AdcSpec(4, differential))
        for s in (0, 128, 256)
    ]
    total = np.zeros_like(whole)
    for part in parts:
        total += part
    assert np.array_equal(whole, total)


def test_outer_product():
    rng = np.random.default_rng(6)
    h = rng.integers(0, 256, size=(200, 70))
    d = rng.integers(-127, 128, size=(200, 30))
    ref = k.outer_product_ref(h, d)
    assert np.array_equal(k.outer_product(h, d), ref)
    assert np.array_equal(k.outer_product_blas(h, d), ref.astype(np.float32))
    for top in (2**20, 2**30):  # the float64 and the int64 path: one rounding of the exact sum
        big = rng.integers(-top, top, size=(4, 3))
        assert np.array_equal(k.outer_product_blas(big, big), k.outer_product_ref(big, big).astype(np.float32))


def test_to_pulses():
    rng = np.random.default_rng(7)
    delta = (rng.normal(size=(50, 40)) * 5).astype(np.float32)
    u = rng.random((50, 40), dtype=np.float32)
    assert np.array_equal(k.to_pulses(delta, u, 31), k.to_pulses_ref(delta, u, 31))
    assert np.abs(k.to_pulses(delta * 100, u, 31)).max() == 31
    # unbiased: the mean of many stochastic roundings approaches the wanted value
    want = np.full(100_000, 0.3, dtype=np.float32)
    assert abs(k.to_pulses(want, rng.random(100_000, dtype=np.float32), 31).mean() - 0.3) < 0.01


@pytest.mark.parametrize("c2c", [0.0, 0.05])
def test_pulse_update_matches_reference(c2c):
    rng = np.random.default_rng(8)
    shape = (60, 50)
    g = rng.random(shape, dtype=np.float32)
    g[0, :5] = [0.0, 1.0, 0.0, 1.0, 0.5]  # saturated cells
    pulses = rng.integers(-40, 41, size=shape).astype(np.int32)
    pulses[0, :5] = [-3, 3, 5, -5, 0]
    a_ltp = np.full(shape, 0.7021 * 31, np.float32)
    a_ltd = np.full(shape, 0.8487 * 31, np.float32)
    a_ltd[1] = 0.0  # linear cells
    noise = rng.standard_normal(int(np.count_nonzero(pulses)), dtype=np.float32)
    ref = k.pulse_update_ref(g, pulses, a_ltp, a_ltd, np.float32(31), noise, np.float32(c2c))
    fast = g.copy()
    k.pulse_update(fast, pulses, a_ltp, a_ltd, np.float32(31), noise, np.float32(c2c))
    assert np.array_equal(fast, ref)
    assert fast.min() >= 0.0 and fast.max() <= 1.0


def test_pulse_update_follows_the_curve():
    """From Gmin, P potentiating pulses reach g(P) = (1 - e^(-P/A)) / (1 - e^(-Pmax/A))."""
    a = np.float32(0.7021 * 31)
    g = np.zeros(32, np.float32)
    p = np.arange(32, dtype=np.int32)
    k.pulse_update(g, p, np.full(32, a), np.full(32, a), np.float32(31), np.zeros(0, np.float32), np.float32(0))
    want = (1 - np.exp(-p / np.float64(a))) / (1 - np.exp(-31 / np.float64(a)))
    assert np.allclose(g, want, atol=1e-6)
    assert g[-1] == 1.0 and np.all(np.diff(g) > 0) and np.all(np.diff(np.diff(g)) < 0)


SEMANTICS = [
    # differential, group_cols, midpoint, neurosim
    (False, -1, False, False),  # the lower edge
    (True, -1, False, False),
    (False, 0, True, False),  # one range over the layer
    (True, 0, False, False),
    (False, 8, True, False),  # one range per multiplexed ADC
    (True, 3, True, False),  # groups that do not divide the subarray
    (False, 0, False, True),  # NeuroSim's quantizer
]


@pytest.mark.parametrize("semantics", SEMANTICS)
@pytest.mark.parametrize("case", CASES)
def test_every_adc_semantics_matches_reference_calibrated_and_fixed(case, semantics):
    """Kernel and reference agree bit for bit, and on the ranges they set; a later read with those ranges
    fixed (other inputs, so some currents fall outside and clip) agrees too."""
    b, r, c, bits, signed, sub, adc = case
    differential, group_cols, midpoint, neurosim = semantics
    spec = k.AdcSpec(adc, differential, group_cols, midpoint, False, neurosim)
    rng = np.random.default_rng(11)
    x, g = _inputs(rng, b, r, c, bits, signed)
    shape = k.span_shape(r, c, bits, signed, sub, sub, spec)
    spans, spans_ref = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    fast = k.mvm_bitserial(x, g, 0.55, bits, signed, sub, sub, spec, spans=spans)
    ref = k.mvm_bitserial(x, g, 0.55, bits, signed, sub, sub, spec, spans=spans_ref, ref=True)
    assert np.array_equal(fast, ref) and np.array_equal(spans, spans_ref)
    fixed = spec._replace(fixed=True)
    x2, _ = _inputs(rng, b, r, c, bits, signed)
    fast = k.mvm_bitserial(x2, g, 0.55, bits, signed, sub, sub, fixed, spans=spans)
    assert np.array_equal(fast, k.mvm_bitserial(x2, g, 0.55, bits, signed, sub, sub, fixed, spans=spans, ref=True))
    assert np.array_equal(spans, spans_ref)  # fixed ranges are read, not written


def _neurosim_transcription(x_int, g, g_ref, bits, sub, adc_bits):
    """DNN+NeuroSim V2's functional ADC as its source writes it (Training_pytorch/modules/
    quantization_cpu_np_infer.py, QLinear with inference = 1; utee/wage_quantizer.py LinearQuantizeOut),
    transcribed in cyclesim's units (conductance in Gmax; NeuroSim's constant factors 2 / (1 - 1/onoff),
    2**-bits and its cellBit slicing, one 5-bit cell here, applied outside): for every input bit z (LSB
    first) and each of the int(rows / sub) subarrays (all rows when there are fewer than sub), the
    column currents P and the reference column's D are each quantized over the whole tensor (batch x
    every column), min + clamp(floor((x - min) / step), 0, 2**b - 1) * step, step = (max - min) 2**-b;
    the plane sums (Q(P) - Q(D)) over the subarrays, and out += plane * 2**z. The column currents are
    formed as cyclesim forms them (cells added row by row; the reference column g_ref times the active
    rows); a zero-width range passes its value (NeuroSim divides 0 by 0 there)."""
    f = np.float32
    rows = g.shape[0]
    subs = [range(rows)] if rows < sub else [range(s * sub, (s + 1) * sub) for s in range(rows // sub)]

    def q(v):
        lo, hi = v.min(), v.max()
        step = (hi - lo) * f(2.0**-adc_bits)
        if not step > 0:
            return v
        idx = np.clip(np.floor((v - lo) / step), 0, 2**adc_bits - 1).astype(f)
        return idx * step + lo

    out = np.zeros((x_int.shape[0], g.shape[1]), f)
    for z in range(bits):
        bit = (x_int >> z) & 1
        plane = np.zeros_like(out)
        for rs in subs:
            p = np.zeros_like(out)
            for i in rs:
                on = bit[:, i] == 1
                p[on] += g[i]
            d = bit[:, list(rs)].sum(axis=1).astype(f) * f(g_ref)
            plane += q(p) - q(d)[:, None]
        out += plane * f(2.0**z)
    return out


@pytest.mark.parametrize("rows, cols, sub", [(300, 70, 128), (256, 300, 128), (40, 33, 64), (784, 20, 128)])
@pytest.mark.parametrize("adc_bits", [1, 3, 5])
def test_neurosim_adc_model_is_neurosims_formulas(rows, cols, sub, adc_bits):
    rng = np.random.default_rng(rows + adc_bits)
    x = rng.integers(0, 256, size=(13, rows))
    x[rng.random(x.shape) < 0.4] = 0
    g = rng.uniform(0.1, 1.0, size=(rows, cols)).astype(np.float32)
    spec = k.AdcSpec(adc_bits, group_cols=0, midpoint=False, neurosim=True)
    got = k.mvm_bitserial(x, g, 0.55, 8, False, sub, sub, spec)
    assert np.array_equal(got, _neurosim_transcription(x, g, 0.55, 8, sub, adc_bits))


def test_lower_edge_reads_half_a_step_low_and_fixed_ranges_clip():
    rng = np.random.default_rng(12)
    x, g = _inputs(rng, 60, 128, 64, 8, False)
    exact = x.astype(np.float64) @ (g.astype(np.float64) - np.float32(0.55))
    diff = k.AdcSpec(4, differential=True)
    mid = k.mvm_bitserial(x, g, 0.55, 8, False, 128, 128, diff) - exact
    low = k.mvm_bitserial(x, g, 0.55, 8, False, 128, 128, diff._replace(midpoint=False)) - exact
    assert abs(mid.mean()) < 0.2 * abs(low.mean()) and low.mean() < 0  # -1/2 LSB per plane, summed
    # one bit plane, so the read is Q(current - reference) itself: fixed ranges clip to their end codes
    x1 = rng.integers(0, 2, size=(60, 128))
    spans = np.zeros(k.span_shape(128, 64, 1, False, 128, 128, diff), np.float32)
    weak = x1.copy()
    weak[:, 8:] = 0  # calibrated while at most 8 rows were driven
    k.mvm_bitserial(weak, g, 0.55, 1, False, 128, 128, diff, spans=spans)
    lo, hi = spans[0, 0, 0]
    y = k.mvm_bitserial(x1, g, 0.55, 1, False, 128, 128, diff._replace(fixed=True), spans=spans)
    exact1 = x1.astype(np.float64) @ (g.astype(np.float64) - np.float32(0.55))
    assert (exact1 > hi).any() and (exact1 < lo).any()
    assert lo <= y.min() and y.max() <= hi


def _measured_curves(rng, points_ltp=32, points_ltd=45):
    """Rising normalised mean curves (LTP, mirrored LTD) starting a little above 0 and ending below 1,
    with spreads per point, as `device.MeasuredCurve` builds them from a table."""
    ltp = np.cumsum(rng.uniform(0.2, 1.0, points_ltp))
    ltd = np.cumsum(rng.uniform(0.2, 1.0, points_ltd))
    ltp = 0.02 + 0.95 * (ltp - ltp[0]) / (ltp[-1] - ltp[0])
    ltd = 0.01 + 0.97 * (ltd - ltd[0]) / (ltd[-1] - ltd[0])
    return ltp, ltd, rng.uniform(0.0, 0.01, points_ltp), rng.uniform(0.0, 0.01, points_ltd)


@pytest.mark.parametrize("noisy", [False, True])
@pytest.mark.parametrize("table_pulses", [1.0, 31 / 15, 0.7])
def test_table_pulse_update_matches_reference(noisy, table_pulses):
    rng = np.random.default_rng(9)
    shape = (60, 50)
    g = rng.random(shape, dtype=np.float32)
    g[0, :8] = [0.0, 1.0, 0.0, 1.0, 0.5, 0.01, 0.985, 0.995]  # ends, below and beyond the curves' ends
    pulses = rng.integers(-40, 41, size=shape).astype(np.int32)
    pulses[0, :8] = [-3, 3, 5, -5, 0, 1, -1, 2]
    curves = _measured_curves(rng)
    noise = rng.standard_normal(int(np.count_nonzero(pulses)) if noisy else 0, dtype=np.float32)
    ref = k.table_pulse_update_ref(g, pulses, *curves, table_pulses, noise, noisy)
    fast = g.copy()
    k.table_pulse_update(fast, pulses, *curves, table_pulses, noise, noisy)
    assert np.array_equal(fast, ref)
    assert fast.min() >= 0.0 and fast.max() <= 1.0
    assert np.array_equal(fast[pulses == 0], g[pulses == 0])  # untouched cells stay


def test_table_pulse_update_follows_the_mean_curve():
    """From a curve's start, n pulses of one table pulse each reach its point n; n - 1/2 pulses of k = 1
    land halfway between points n - 1 and n (linear between table pulses); depression runs along 1 - ltd."""
    ltp, ltd, s_ltp, s_ltd = _measured_curves(np.random.default_rng(3))
    n = np.arange(32, dtype=np.int32)
    g = np.full(32, ltp[0], np.float32)
    k.table_pulse_update(g, n, ltp, ltd, s_ltp, s_ltd, 1.0, np.zeros(0, np.float32), False)
    assert np.allclose(g, ltp, atol=1e-6)
    half = np.full(31, ltp[0], np.float32)
    k.table_pulse_update(half, n[1:], ltp, ltd, s_ltp, s_ltd, 0.5, np.zeros(0, np.float32), False)
    want = np.interp(n[1:] * 0.5, np.arange(32), ltp)
    assert np.allclose(half, want, atol=1e-6)
    down = np.full(44, 1.0 - ltd[0], np.float32)
    k.table_pulse_update(
        down, -np.arange(1, 45, dtype=np.int32), ltp, ltd, s_ltp, s_ltd, 1.0, np.zeros(0, np.float32), False
    )
    assert np.allclose(down, 1.0 - ltd[1:], atol=1e-6)


def test_table_pulse_update_noise_is_sigma_at_the_state_times_sqrt_n():
    """The spread added is s(y) sqrt(|n|) z, s interpolated where the cell sits (here: the curve's start)."""
    ltp, ltd, s_ltp, s_ltd = _measured_curves(np.random.default_rng(4))
    g = np.full(2, ltp[0], np.float32)
    quiet = g.copy()
    pulses = np.array([4, 9], np.int32)
    z = np.array([1.0, -2.0], np.float32)
    k.table_pulse_update(g, pulses, ltp, ltd, s_ltp, s_ltd, 1.0, z, True)
    k.table_pulse_update(quiet, pulses, ltp, ltd, s_ltp, s_ltd, 1.0, np.zeros(0, np.float32), False)
    assert np.allclose(g - quiet, s_ltp[0] * np.sqrt([4.0, 9.0]) * z, atol=1e-6)


@pytest.mark.parametrize("semantics", SEMANTICS)
@pytest.mark.parametrize("case", CASES[:3])
def test_a_read_from_given_column_sums_is_the_fused_read(case, semantics):
    """Column currents handed in subarray by subarray (as the IR-drop read forms them) go through the same
    ADC and shift-add: given the ideal sums, the result is `bitserial_mvm`'s bit for bit."""
    b, r, c, bits, signed, sub, adc = case
    differential, group_cols, midpoint, neurosim = semantics
    spec = k.AdcSpec(adc, differential, group_cols, midpoint, False, neurosim)
    x, g = _inputs(np.random.default_rng(13), b, r, c, bits, signed)
    rows = (r // sub) * sub if neurosim and r >= sub else r
    psum, count = k.bitserial_sums_ref(x[:, :rows], g[:rows], bits, signed, sub, sub)
    ref = np.repeat((count * np.float32(0.55))[:, :, None, :], psum.shape[2], axis=2)
    got = k.mvm_from_sums(lambda s: (psum[s].copy(), ref[s]), r, c, b, bits, signed, sub, sub, spec)
    assert np.array_equal(got, k.mvm_bitserial(x, g, 0.55, bits, signed, sub, sub, spec))


def test_bit_planes_rebuild_the_inputs():
    rng = np.random.default_rng(14)
    for bits, signed in ((8, False), (8, True), (3, True)):
        top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        x = rng.integers(-top if signed else 0, top + 1, size=(5, 9))
        planes = k.bit_planes(x, bits, signed)
        assert planes.dtype == np.uint8 and planes.shape == (len(k.bit_weights(bits, signed)), 5, 9)
        assert np.array_equal(np.tensordot(k.bit_weights(bits, signed), planes, axes=1), x)


@pytest.mark.parametrize("shape", [(256, 256), (300, 10), (784, 130), (5, 3)])
def test_programming_counts_match_numpy(shape):
    """Pulses of row-by-row programming, pulses of every cell and rows programmed, per 128 x 128
    subarray of a pulse-count matrix: the kernel against the block-by-block NumPy reference."""
    rng = np.random.default_rng(5)
    pulses = (rng.integers(-4, 5, shape) * (rng.random(shape) < 0.2)).astype(np.int32)
    got, want = k.programming_counts(pulses, 128), k.programming_counts_ref(pulses, 128)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b)
