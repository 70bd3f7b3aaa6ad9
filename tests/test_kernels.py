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
    fast = k.mvm_bitserial(x, g, 0.55, bits, signed, sub, sub, adc, differential=differential)
    ref = k.mvm_bitserial(x, g, 0.55, bits, signed, sub, sub, adc, differential=differential, ref=True)
    assert fast.dtype == np.float32 and fast.shape == (b, c)
    assert np.array_equal(fast, ref)


@pytest.mark.parametrize("case", CASES)
def test_subarray_sums_match_reference(case):
    """The fused read's partial sums, one row-subarray at a time, are the reference's slices."""
    b, r, c, bits, signed, sub, _ = case
    x, g = _inputs(np.random.default_rng(2), b, r, c, bits, signed)
    want, want_count = k.bitserial_sums_ref(x, g, bits, signed, sub, sub)
    ns, planes, nj, _b, cs = want.shape
    rows, active = np.empty((planes, sub), np.int64), np.zeros(planes, np.int64)
    for s in range(ns):
        psum, count = np.zeros((planes, nj, b, cs), np.float32), np.zeros((planes, b), np.float32)
        k._subarray_sums(psum, count, x, g, s, bits, signed, sub, rows, active)
        assert np.array_equal(psum, want[s]) and np.array_equal(count, want_count[s])


@pytest.mark.parametrize("width", [1, 37, 64])
def test_span_equals_numpy_min_max(width):
    """The integer-ordered span gives NumPy's min and max: negatives, both zeros, tiny and huge values."""
    rng = np.random.default_rng(width)
    x = (rng.standard_normal((9, 64)) * 10.0 ** rng.integers(-30, 30, (9, 64))).astype(np.float32)
    x[0, 0], x[1, 0], x[2, 0] = -0.0, 0.0, np.float32(1e-45)
    lo, hi = k._span(x, width)
    assert (lo, hi) == (x[:, :width].min(), x[:, :width].max())
    assert k._span(np.abs(x), width) == (np.abs(x)[:, :width].min(), np.abs(x)[:, :width].max())


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
        d: np.abs(k.mvm_bitserial(x, g, 0.55, 8, False, 128, 128, 3, differential=d) - exact).mean()
        for d in (False, True)
    }
    assert err[True] < err[False]


@pytest.mark.parametrize("differential", [False, True])
def test_subarray_slices_sum_to_whole(differential):
    """One subarray's read on its slice gives exactly its share; the layer output is their ordered sum."""
    rng = np.random.default_rng(5)
    x, g = _inputs(rng, 12, 300, 100, 8, True)
    whole = k.mvm_bitserial(x, g, 0.55, 8, True, 128, 128, 4, differential=differential)
    parts = [
        k.mvm_bitserial(x[:, s : s + 128], g[s : s + 128], 0.55, 8, True, 128, 128, 4, differential=differential)
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
