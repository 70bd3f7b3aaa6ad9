"""Numerical kernels of the crossbar model, jitted with numba, each with a NumPy reference.

A crossbar computes a matrix-vector product in the analog domain: input bits drive the rows, every
column sums the currents of its cells, an ADC digitises each column current, and a reference column
gives the weights their sign (subtracted digitally, or in the analog domain before the ADC). Inputs are applied
bit-serially and each subarray's partial sums are digitised separately, then shifted and added
digitally; that ADC step is what these kernels model. Weight updates are integer pulse counts applied
through the device's nonlinear conductance curve. Kernels take plain arrays only (no attrs, no
SimPy); `tests/test_kernels.py` checks every kernel against its `*_ref` twin bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np

_F32 = np.float32


def _jit(fn=None, **options):
    """`numba.njit(cache=True)`, falling back to no caching where no cache dir is writable."""

    def wrap(f):
        try:
            return numba.njit(cache=True, **options)(f)
        except RuntimeError:  # numba: "cannot cache function ...: no locator available"
            return numba.njit(cache=False, **options)(f)

    return wrap(fn) if fn is not None else wrap


# ---------------------------------------------------------------------------------------------
# Bit-serial MVM: bit planes, partial sums, ADC + shift-add
# ---------------------------------------------------------------------------------------------


def bit_weights(bits: int, signed: bool) -> np.ndarray:
    """Place values of the input bit planes as `bitserial_sums_ref` orders them.

    Unsigned: 2**k for k < bits. Signed (sign-magnitude, two phases): 2**k for the positive
    phase's magnitude bits, then -2**k for the negative phase's, k < bits - 1.
    """
    if not signed:
        return (2.0 ** np.arange(bits)).astype(_F32)
    mag = (2.0 ** np.arange(bits - 1)).astype(_F32)
    return np.concatenate([mag, -mag])


@_jit(inline="always")
def _subarray_sums(psum, count, x_int, g, s, bits, signed, rows_per_sub, rows, active):
    """Row-subarray s of `bitserial_sums_ref`: psum (planes, nj, B, cs) and count (planes, B), zeroed
    by the caller; `rows` (planes, rows_per_sub) and `active` (planes) are scratch.

    For each sample the active rows of every plane are listed first; the rows of a plane are then
    added eight (or four) at a time, ((((acc + g_i1) + g_i2) + ...) + g_i8): the same additions in
    the same order, with one load and store of the running sum per group.
    """
    nb, nr = x_int.shape
    nc = g.shape[1]
    planes, nj, _nb, cs = psum.shape
    mag_bits = bits - 1 if signed else bits
    mask = (np.int64(1) << mag_bits) - 1
    for b in range(nb):
        active[:] = 0
        for i in range(s * rows_per_sub, min(nr, (s + 1) * rows_per_sub)):
            x = np.int64(x_int[b, i])
            first = 0
            if x < 0:
                x = -x
                first = mag_bits
            v = x & mask
            if v == 0:
                continue
            for k in range(mag_bits):  # branch-free: the slot is overwritten until a set bit keeps it
                rows[first + k, active[first + k]] = i
                active[first + k] += (v >> k) & 1
        for p in range(planes):
            n = active[p]
            count[p, b] = n
            for j in range(nj):
                _add_rows(psum[p, j, b], g, rows[p], n, j * cs, min(cs, nc - j * cs))


@_jit(inline="always")
def _add_rows(acc, g, rows, n, c0, width):
    """acc[c] += g[rows[0], c0 + c] + ... + g[rows[n-1], c0 + c] for c < width, adding the rows one
    by one in list order (grouped eight or four per pass over acc; each group is still a left-to-right
    chain of float32 additions, so the result is the row-by-row sum bit for bit)."""
    m = 0
    while m + 8 <= n:
        r1, r2, r3, r4 = g[rows[m]], g[rows[m + 1]], g[rows[m + 2]], g[rows[m + 3]]
        r5, r6, r7, r8 = g[rows[m + 4]], g[rows[m + 5]], g[rows[m + 6]], g[rows[m + 7]]
        for c in range(width):
            cc = c0 + c
            acc[c] = (((((((acc[c] + r1[cc]) + r2[cc]) + r3[cc]) + r4[cc]) + r5[cc]) + r6[cc]) + r7[cc]) + r8[cc]
        m += 8
    while m + 4 <= n:
        r1, r2, r3, r4 = g[rows[m]], g[rows[m + 1]], g[rows[m + 2]], g[rows[m + 3]]
        for c in range(width):
            cc = c0 + c
            acc[c] = (((acc[c] + r1[cc]) + r2[cc]) + r3[cc]) + r4[cc]
        m += 4
    while m < n:
        r1 = g[rows[m]]
        for c in range(width):
            acc[c] += r1[c0 + c]
        m += 1


def bitserial_sums_ref(x_int, g, bits, signed, rows_per_sub, cols_per_sub):
    """Column sums of every subarray for every input bit plane (in units of Gmax * V_read).

    Unsigned inputs x_int (B, R) of `bits` bits give planes k < bits with bit_k = bit k of x.
    Signed inputs are applied in two phases, sign-magnitude: plane k < bits-1 carries bit k of
    |x| for x > 0, plane bits-1+k bit k of |x| for x < 0 (so a small negative number drives few
    rows instead of every two's-complement 1). With row i in row-subarray s = i // r and column
    c = j * cs + c' in column-subarray j:
        psum[s, k, j, b, c'] = sum_{i in s} bit_k(x[b, i]) * g[i, c]   (analog column current)
        count[s, k, b]       = sum_{i in s} bit_k(x[b, i])             (active rows; the reference
                                                                         column reads g_ref * count)
    Missing rows/columns of ragged edge subarrays hold zeros. Sums run over i in increasing order, in
    float32: the order `bitserial_mvm` adds them in.
    """
    nb, nr = x_int.shape
    nc = g.shape[1]
    ns, nj = -(-nr // rows_per_sub), -(-nc // cols_per_sub)
    mag_bits = bits - 1 if signed else bits
    gp = np.zeros((nr, nj * cols_per_sub), dtype=_F32)
    gp[:, :nc] = g
    gp = gp.reshape(nr, nj, cols_per_sub)
    phases = [(0, x_int.astype(np.int64))]
    if signed:
        x = x_int.astype(np.int64)
        phases = [(0, np.where(x > 0, x, 0)), (mag_bits, np.where(x < 0, -x, 0))]
    planes = mag_bits * len(phases)
    psum = np.zeros((ns, planes, nj, nb, cols_per_sub), dtype=_F32)
    count = np.zeros((ns, planes, nb), dtype=_F32)
    for i in range(nr):
        s = i // rows_per_sub
        for first, u in phases:
            u = u & ((1 << mag_bits) - 1)
            for k in range(mag_bits):
                on = ((u[:, i] >> k) & 1).astype(bool)
                count[s, first + k, on] += 1
                psum[s, first + k, :, on] += gp[i]
    return psum, count


@_jit
def _ordered(v):
    """A float32's bit pattern as an int32 that orders as the float does (any non-NaN value):
    positive floats keep their bits, negative ones get their magnitude bits flipped. The map is its
    own inverse."""
    return np.int32(v ^ ((v >> np.int32(31)) & np.int32(0x7FFFFFFF)))


@_jit
def _span(x, width):
    """(min, max) over the first `width` columns of a (B, cs) block: what one ADC's range spans.

    Compared as `_ordered` integers, which vectorise where float min/max do not; the result is the
    same value (min and max round nothing; only the sign of a zero bound may differ, which no use of
    the bounds can see: x - lo, lo + q * step and hi - lo give the same values for lo = +0 or -0).
    """
    xi = x.view(np.int32)
    lo = np.int32(2147483647)
    hi = np.int32(-2147483648)
    for b in range(x.shape[0]):
        row = xi[b]
        for c in range(width):
            v = _ordered(row[c])
            lo = min(lo, v)
            hi = max(hi, v)
    bounds = np.empty(2, dtype=np.int32)
    bounds[0] = _ordered(lo)
    bounds[1] = _ordered(hi)
    f = bounds.view(np.float32)
    return f[0], f[1]


@_jit
def _quantize_into(x, width, lo, hi, levels, top, weight, offset, out):
    """out[b, c] += weight * (Q(x[b, c]) - offset[b]) for c < width, with the ADC transfer Q of
    `adc_shift_add_ref` (x, out 2-D; offset one value per row). Columns beyond `width` (the padding of
    a ragged last subarray) are left alone."""
    half = np.float32(0.5)
    step = (hi - lo) / levels
    if step > 0:
        inv = np.float32(1.0) / step
        for b in range(x.shape[0]):
            xb, ob, off = x[b], out[b], offset[b]
            for c in range(width):
                q = min(np.float32(np.int32((xb[c] - lo) * inv)), top)
                ob[c] += weight * ((lo + (q + half) * step) - off)
    else:
        for b in range(x.shape[0]):
            xb, ob, off = x[b], out[b], offset[b]
            for c in range(width):
                ob[c] += weight * (xb[c] - off)


@_jit
def _adc_scratch(nj, nbatch, cs):
    """Work arrays of `_subarray_adc`: (acc, x, qr, zero)."""
    return (
        np.empty((nj, nbatch, cs), dtype=np.float32),
        np.empty((nbatch, cs), dtype=np.float32),
        np.zeros(nbatch, dtype=np.float32),
        np.zeros(nbatch, dtype=np.float32),
    )


@_jit
def _subarray_adc(total, psum, ref, weights, adc_bits, ncols, differential, scratch):
    """One row-subarray of `adc_shift_add_ref`: total += y_s, with psum (planes, nj, B, cs) and ref
    (planes, B) that subarray's column sums and reference currents."""
    acc, x, qr, zero = scratch
    nb, nj, nbatch, cs = psum.shape
    levels = np.float32(2.0**adc_bits)
    top = np.float32(2.0**adc_bits - 1.0)
    acc[:] = 0.0
    for k in range(nb):
        r = ref[k]
        offset = zero
        if not differential:
            qr[:] = 0.0
            r2, q2 = r.reshape(1, nbatch), qr.reshape(1, nbatch)
            rlo, rhi = _span(r2, nbatch)
            _quantize_into(r2, nbatch, rlo, rhi, levels, top, np.float32(1.0), zero[:1], q2)
            offset = qr
        for j in range(nj):
            width = min(cs, ncols - j * cs)
            block = psum[k, j]
            if differential:
                for b in range(nbatch):
                    for c in range(width):
                        x[b, c] = block[b, c] - r[b]
                src = x
            else:
                src = block
            lo, hi = _span(src, width)
            _quantize_into(src, width, lo, hi, levels, top, weights[k], offset, acc[j])
    total += acc


@_jit
def _trim(total, ncols):
    """(nj, B, cs) column-subarray blocks laid side by side as (B, ncols)."""
    nj, nbatch, cs = total.shape
    out = np.empty((nbatch, ncols), dtype=np.float32)
    for j in range(nj):
        w = min(cs, ncols - j * cs)
        out[:, j * cs : j * cs + w] = total[j, :, :w]
    return out


@_jit
def bitserial_mvm(x_int, g, g_ref, weights, bits, signed, rows_per_sub, cols_per_sub, adc_bits, differential):
    """The bit-serial read y = adc_shift_add_ref(bitserial_sums_ref(x_int, g, ...), g_ref * count, ...)
    (the equations are those two references' docstrings), one row-subarray at a time: the column sums
    of subarray s are digitised and added to the output before those of s + 1 are formed, so only one
    subarray's partial sums (planes x nj x B x cs float32) exist at once, in cache. The same float32
    operations in the same order as the references, hence the same result bit for bit."""
    nb, nr = x_int.shape
    nc = g.shape[1]
    ns = (nr + rows_per_sub - 1) // rows_per_sub
    nj = (nc + cols_per_sub - 1) // cols_per_sub
    planes = 2 * (bits - 1) if signed else bits
    psum = np.empty((planes, nj, nb, cols_per_sub), dtype=np.float32)
    count = np.empty((planes, nb), dtype=np.float32)
    rows = np.empty((planes, rows_per_sub), dtype=np.int64)
    active = np.zeros(planes, dtype=np.int64)
    total = np.zeros((nj, nb, cols_per_sub), dtype=np.float32)
    scratch = _adc_scratch(nj, nb, cols_per_sub)
    gref = np.float32(g_ref)
    for s in range(ns):
        psum[:] = 0.0
        count[:] = 0.0
        _subarray_sums(psum, count, x_int, g, s, bits, signed, rows_per_sub, rows, active)
        _subarray_adc(total, psum, count * gref, weights, adc_bits, nc, differential, scratch)
    return _trim(total, nc)


def adc_shift_add_ref(psum, ref, weights, adc_bits, ncols, differential):
    """Digitise every subarray's column currents with an `adc_bits` ADC, then shift and add.

    Each (row-subarray s, bit plane k, column-subarray j) ADC spans what it sees over the batch,
    [lo, hi] (a per-read calibrated range, as NeuroSim V2's wrapper uses), step = (hi - lo) / 2**bits,
    and a value reads back as the centre of its bin:
        Q(x) = lo + (min(trunc((x - lo) * (1 / step)), 2**bits - 1) + 0.5) * step.
    The reference column (ref = g_ref * active rows) gives the weights their sign, either
      - digitally (NeuroSim): column and reference are digitised separately, Q(psum) - Q(ref), the
        reference over the batch; the ADC's levels also cover the common-mode current; or
      - `differential`ly: the reference current is subtracted in the analog domain (a mirrored
        reference column) and the ADC sees only the signed signal, Q(psum - ref).
    Each subarray's shift-add result is formed first, then the subarrays are summed in order (as a
    PE's adder tree does):
        y_s[b, j*cs + c'] = sum_k weights[k] * (read of psum[s, k, j, b, c'] against ref[s, k, b])
        y = y_0 + y_1 + ... + y_{S-1}
    so a slice holding one subarray gives exactly that subarray's y_s. `psum` is laid out as
    `bitserial_sums_ref` returns it; `ncols` trims the padded last subarray.
    """
    ns, nb, nj, nbatch, cs = psum.shape
    total = np.zeros((nj, nbatch, cs), dtype=_F32)
    levels, top, half = _F32(2.0**adc_bits), _F32(2.0**adc_bits - 1.0), _F32(0.5)

    def quantize(x, width):
        lo, hi = x[..., :width].min(), x[..., :width].max()
        step = (hi - lo) / levels
        if not step > 0:
            return x
        inv = _F32(1.0) / step
        q = np.minimum(((x - lo) * inv).astype(np.int32).astype(_F32), top)
        return lo + (q + half) * step

    for s in range(ns):
        acc = np.zeros((nj, nbatch, cs), dtype=_F32)
        for k in range(nb):
            qr = None if differential else quantize(ref[s, k], nbatch)
            for j in range(nj):
                width = min(cs, ncols - j * cs)
                if differential:
                    acc[j] += weights[k] * quantize(psum[s, k, j] - ref[s, k][:, None], width)
                else:
                    acc[j] += weights[k] * (quantize(psum[s, k, j], width) - qr[:, None])
        total += acc
    return total.transpose(1, 0, 2).reshape(nbatch, nj * cs)[:, :ncols].copy()


def mvm_bitserial(
    x_int, g, g_ref, bits, signed, rows_per_sub, cols_per_sub, adc_bits, *, differential=False, ref=False
):
    """y = x_int @ (g - g_ref), computed as a crossbar does: bit-serial inputs, per-subarray ADC.

    `x_int` (B, R) are integer inputs of `bits` bits (sign-magnitude when `signed`), `g` (R, C)
    the cell conductances and `g_ref` the reference-column conductance, both in units of Gmax; the
    ADC groups are `rows_per_sub` rows by `cols_per_sub` columns; `differential` subtracts the
    reference in the analog domain (see `adc_shift_add_ref`). Returns float32 (B, C) in
    conductance units (times 2 / (1 - Gmin/Gmax) gives weight units). `ref=True` runs the NumPy
    references instead of the jitted kernels.
    """
    g = np.ascontiguousarray(g, dtype=_F32)
    weights = bit_weights(bits, signed)
    if not ref:
        return bitserial_mvm(x_int, g, g_ref, weights, bits, signed, rows_per_sub, cols_per_sub, adc_bits, differential)
    psum, count = bitserial_sums_ref(x_int, g, bits, signed, rows_per_sub, cols_per_sub)
    return adc_shift_add_ref(psum, count * _F32(g_ref), weights, adc_bits, g.shape[1], differential)


# ---------------------------------------------------------------------------------------------
# Weight gradient: exact integer outer product
# ---------------------------------------------------------------------------------------------


@_jit
def outer_product(h_int, d_int):
    """Batch-summed outer product of integer activations and errors: G[i, j] = sum_b h[b, i] d[b, j]."""
    nb, nr = h_int.shape
    nc = d_int.shape[1]
    out = np.zeros((nr, nc), dtype=np.int64)
    for b in range(nb):
        for i in range(nr):
            hv = np.int64(h_int[b, i])
            if hv != 0:
                for j in range(nc):
                    out[i, j] += hv * np.int64(d_int[b, j])
    return out


def outer_product_ref(h_int, d_int):
    """NumPy reference of `outer_product` (exact int64 matmul)."""
    return h_int.astype(np.int64).T @ d_int.astype(np.int64)


def outer_product_blas(h_int, d_int):
    """`outer_product` through float BLAS, rounded once to float32: G = float32(sum_b h[b, i] d[b, j]).

    The sums are exact in float32 while every one stays below 2**24 (checked from the operands'
    largest magnitudes), else in float64 below 2**53, else in int64; rounding the exact integer to
    float32 then gives what `outer_product(...).astype(float32)` gives, without an int64 copy.
    """
    bound = float(np.abs(h_int).max(initial=0)) * float(np.abs(d_int).max(initial=0)) * h_int.shape[0]
    if bound < 2.0**24:
        return h_int.astype(_F32).T @ d_int.astype(_F32)
    if bound < 2.0**53:
        return (h_int.astype(np.float64).T @ d_int.astype(np.float64)).astype(_F32)
    return outer_product_ref(h_int, d_int).astype(_F32)


# ---------------------------------------------------------------------------------------------
# Weight update: stochastic rounding to pulses, nonlinear pulse response
# ---------------------------------------------------------------------------------------------


@_jit
def to_pulses(delta, uniform, max_pulses):
    """Stochastically rounded pulse counts: n = clip(floor(delta + u), -max_pulses, max_pulses).

    `delta` is the wanted change in units of one nominal pulse and `uniform` holds U[0, 1) draws,
    so E[n] = delta inside the clip range.
    """
    flat_d = delta.ravel()
    flat_u = uniform.ravel()
    out = np.empty(flat_d.size, dtype=np.int32)
    lim = np.float32(max_pulses)
    for i in range(flat_d.size):
        v = np.floor(flat_d[i] + flat_u[i])
        if v > lim:
            v = lim
        elif v < -lim:
            v = -lim
        out[i] = np.int32(v)
    return out.reshape(delta.shape)


def to_pulses_ref(delta, uniform, max_pulses):
    """NumPy reference of `to_pulses`."""
    lim = _F32(max_pulses)
    return np.clip(np.floor(delta + uniform), -lim, lim).astype(np.int32)


@_jit
def pulse_update(g, pulses, a_ltp, a_ltd, pmax, noise, c2c):
    """Apply integer pulse counts to normalized conductances g in [0, 1], in place.

    Potentiation follows g(P) = B (1 - exp(-P / A)), B = 1 / (1 - exp(-Pmax / A)), with P the
    equivalent pulse number of the present state, P = -A ln(1 - g / B); depression follows the
    mirrored curve 1 - g(Q). `a_ltp`/`a_ltd` are per-cell A (in pulses; A <= 0 means linear,
    g += n / Pmax). Each pulse adds cycle-to-cycle noise of sigma `c2c`, so a cell that gets n
    pulses moves by an extra c2c * sqrt(|n|) * noise, with `noise` holding one standard normal per
    programmed cell (n != 0), in C order. The result saturates at 0 and 1.
    Arithmetic is float64, the stored state float32.
    """
    gf = g.ravel()
    pf = pulses.ravel()
    af = a_ltp.ravel()
    df = a_ltd.ravel()
    nf = noise.ravel()
    pm = np.float64(pmax)
    sigma = np.float64(c2c)
    m = 0
    for i in range(gf.size):
        if pf[i] == 0:
            continue
        n = np.float64(pf[i])
        x = np.float64(gf[i])
        if n > 0:
            a = np.float64(af[i])
            if a > 0:
                bb = 1.0 / (1.0 - np.exp(-pm / a))
                u = 1.0 - x / bb
                p0 = -a * np.log(u) if u > 0 else pm
                x = bb * (1.0 - np.exp(-min(p0 + n, pm) / a))
            else:
                x = x + n / pm
        else:
            a = np.float64(df[i])
            if a > 0:
                bb = 1.0 / (1.0 - np.exp(-pm / a))
                u = 1.0 - (1.0 - x) / bb
                q0 = -a * np.log(u) if u > 0 else pm
                x = 1.0 - bb * (1.0 - np.exp(-min(q0 - n, pm) / a))
            else:
                x = x + n / pm
        if sigma > 0:
            x = x + sigma * np.sqrt(abs(n)) * np.float64(nf[m])
            m += 1
        if x < 0.0:
            x = 0.0
        elif x > 1.0:
            x = 1.0
        gf[i] = np.float32(x)


def pulse_update_ref(g, pulses, a_ltp, a_ltd, pmax, noise, c2c):
    """NumPy reference of `pulse_update` (returns the new array instead of updating in place)."""
    x = g.astype(np.float64)
    n = pulses.astype(np.float64)
    pm = np.float64(pmax)
    out = x.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for mask, a, sign in ((pulses > 0, a_ltp, 1.0), (pulses < 0, a_ltd, -1.0)):
            a = np.broadcast_to(np.asarray(a, dtype=np.float64), x.shape)
            bb = 1.0 / (1.0 - np.exp(-pm / a))
            y = x if sign > 0 else 1.0 - x
            u = 1.0 - y / bb
            p0 = np.where(u > 0, -a * np.log(u), pm)
            y_new = bb * (1.0 - np.exp(-np.minimum(p0 + sign * n, pm) / a))
            out = np.where(mask & (a > 0), y_new if sign > 0 else 1.0 - y_new, out)
            out = np.where(mask & ~(a > 0), x + n / pm, out)
    if c2c > 0:
        on = pulses != 0
        out[on] += np.float64(c2c) * np.sqrt(np.abs(n[on])) * noise.astype(np.float64)
    return np.clip(out, 0.0, 1.0).astype(_F32)
