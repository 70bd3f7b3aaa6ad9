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

import collections

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
    """Row-subarray s of `bitserial_sums_ref` with its column-subarrays side by side: psum (planes, B, C),
    psum[k, b, j * cs + c'] = the reference's psum[s, k, j, b, c'], and count (planes, B), zeroed by the
    caller; `rows` (planes, rows_per_sub) and `active` (planes) are scratch.

    For each sample the active rows of every plane are listed first; the rows of a plane are then
    added eight (or four) at a time across all C columns, ((((acc + g_i1) + g_i2) + ...) + g_i8): the
    same additions in the same order, with one load and store of the running sum per group.
    """
    nb, nr = x_int.shape
    planes = psum.shape[0]
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
            _add_rows(psum[p, b], g, rows[p], n)


@_jit(inline="always")
def _add_rows(acc, g, rows, n):
    """acc[c] += g[rows[0], c] + ... + g[rows[n-1], c] for every column c, adding the rows one by one in
    list order (grouped eight or four per pass over acc; each group is still a left-to-right chain of
    float32 additions, so the result is the row-by-row sum bit for bit)."""
    width = acc.shape[0]
    m = 0
    while m + 8 <= n:
        r1, r2, r3, r4 = g[rows[m]], g[rows[m + 1]], g[rows[m + 2]], g[rows[m + 3]]
        r5, r6, r7, r8 = g[rows[m + 4]], g[rows[m + 5]], g[rows[m + 6]], g[rows[m + 7]]
        for c in range(width):
            acc[c] = (((((((acc[c] + r1[c]) + r2[c]) + r3[c]) + r4[c]) + r5[c]) + r6[c]) + r7[c]) + r8[c]
        m += 8
    while m + 4 <= n:
        r1, r2, r3, r4 = g[rows[m]], g[rows[m + 1]], g[rows[m + 2]], g[rows[m + 3]]
        for c in range(width):
            acc[c] = (((acc[c] + r1[c]) + r2[c]) + r3[c]) + r4[c]
        m += 4
    while m < n:
        r1 = g[rows[m]]
        for c in range(width):
            acc[c] += r1[c]
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


AdcSpec = collections.namedtuple(
    "AdcSpec",
    ("bits", "differential", "group_cols", "midpoint", "fixed", "neurosim"),
    defaults=(False, -1, True, False, False),
)
AdcSpec.__doc__ = """What an ADC of the bit-serial read does (`adc_shift_add_ref` gives the equations).

- `bits`: its resolution, 2**bits levels.
- `differential`: the reference current is subtracted in the analog domain before conversion (else the
  reference column is digitised on its own and subtracted digitally).
- `group_cols`: the columns one range spans: -1 a whole column-subarray, n > 0 groups of n columns (the
  columns one multiplexed ADC converts), 0 every column of the layer (one range per row-subarray and
  bit plane).
- `midpoint`: a code reads back as the centre of its bin (a converter with offset correction); False:
  the lower edge (an uncorrected converter, -1/2 LSB on average).
- `fixed`: the ranges are given (set earlier from a calibration batch) instead of spanning the batch read.
- `neurosim`: DNN+NeuroSim V2's functional quantizer as its source defines it (range over the layer,
  lower edge, reference digitised separately, `floor` of a division, the rows of a ragged last
  row-subarray not read, each bit plane summed over the subarrays before the planes are shifted and added).
"""


def span_shape(rows: int, cols: int, bits: int, signed: bool, rows_per_sub: int, cols_per_sub: int, spec) -> tuple:
    """Shape of the ADC ranges of one read: (row-subarrays read, bit planes, range groups + column-subarrays,
    2), each (lo, hi); the last column-subarrays entries are the ranges of their reference columns."""
    ns = -(-rows // rows_per_sub)
    if spec.neurosim and rows >= rows_per_sub:
        ns = rows // rows_per_sub
    planes = 2 * (bits - 1) if signed else bits
    nj = -(-cols // cols_per_sub)
    groups = 1 if spec.group_cols == 0 else nj * -(-cols_per_sub // _group_width(spec.group_cols, cols_per_sub))
    return (ns, planes, groups + nj, 2)


@_jit
def _group_width(group_cols, cs):
    """Columns one range spans inside a column-subarray of cs columns (group_cols > 0, else all cs)."""
    return group_cols if 0 < group_cols < cs else cs


@_jit
def _ordered(v):
    """A float32's bit pattern as an int32 that orders as the float does (any non-NaN value):
    positive floats keep their bits, negative ones get their magnitude bits flipped. The map is its
    own inverse."""
    return np.int32(v ^ ((v >> np.int32(31)) & np.int32(0x7FFFFFFF)))


@_jit(inline="always")
def _row_span(irow, lo, hi):
    """(lo, hi) widened over one row of `_ordered` integers."""
    for c in range(irow.shape[0]):
        v = _ordered(irow[c])
        lo = min(lo, v)
        hi = max(hi, v)
    return lo, hi


@_jit(inline="always")
def _bounds(lo, hi):
    """The floats whose `_ordered` integers are lo and hi."""
    bounds = np.empty(2, dtype=np.int32)
    bounds[0] = _ordered(lo)
    bounds[1] = _ordered(hi)
    f = bounds.view(np.float32)
    return f[0], f[1]


@_jit
def _span(x, c0, width):
    """(min, max) over columns c0 .. c0 + width - 1 of a 2-D block: what one ADC's range spans.

    Compared as `_ordered` integers, which vectorise where float min/max do not; the result is the
    same value (min and max round nothing; only the sign of a zero bound may differ, which no use of
    the bounds can see: x - lo, lo + q * step and hi - lo give the same values for lo = +0 or -0).
    """
    xi = x.view(np.int32)
    lo, hi = np.int32(2147483647), np.int32(-2147483648)
    for b in range(x.shape[0]):
        lo, hi = _row_span(xi[b, c0 : c0 + width], lo, hi)
    return _bounds(lo, hi)


@_jit
def _subtract_span(x, c0, width, r):
    """x[b, c] -= r[b] for columns c0 .. c0 + width - 1 of every row (a differential readout: the
    reference current taken off each column's), and the (min, max) of the results, as `_span` gives
    them; each row is spanned while it is still in cache."""
    xi = x.view(np.int32)
    lo, hi = np.int32(2147483647), np.int32(-2147483648)
    for b in range(x.shape[0]):
        row, rb = x[b, c0 : c0 + width], r[b]
        for c in range(width):
            row[c] -= rb
        lo, hi = _row_span(xi[b, c0 : c0 + width], lo, hi)
    return _bounds(lo, hi)


@_jit
def _quantize_into(x, c0, width, lo, hi, levels, top, half, divide, weight, offset, out):
    """out[b, c] += weight * (Q(x[b, c]) - offset[b]) for c0 <= c < c0 + width, with the ADC transfer Q
    of `adc_shift_add_ref` (x, out 2-D; offset one value per row; `divide`: the bin index as NeuroSim
    forms it, (x - lo) / step, else (x - lo) * (1 / step)). Other columns are left alone."""
    step = (hi - lo) / levels
    zero = np.float32(0.0)
    end = c0 + width  # row slices, not offset indices: numba vectorises loops over a slice
    if step > 0:
        inv = np.float32(1.0) / step
        for b in range(x.shape[0]):
            xb, ob, off = x[b, c0:end], out[b, c0:end], offset[b]
            if divide:
                for c in range(width):
                    q = np.float32(np.int32(min(max((xb[c] - lo) / step, zero), top)))
                    ob[c] += weight * ((lo + (q + half) * step) - off)
            else:
                for c in range(width):
                    q = np.float32(np.int32(min(max((xb[c] - lo) * inv, zero), top)))
                    ob[c] += weight * ((lo + (q + half) * step) - off)
    else:
        for b in range(x.shape[0]):
            xb, ob, off = x[b, c0:end], out[b, c0:end], offset[b]
            for c in range(width):
                ob[c] += weight * (xb[c] - off)


@_jit
def _adc_scratch(nj, nbatch, ncols):
    """Work arrays of `_subarray_adc`: (acc, qr, zero)."""
    return (
        np.empty((nbatch, ncols), dtype=np.float32),
        np.zeros((nj, nbatch), dtype=np.float32),
        np.zeros(nbatch, dtype=np.float32),
    )


@_jit
def _subarray_adc(total, plane_acc, psum, ref, weights, spec, cs, spans, scratch):
    """One row-subarray of `adc_shift_add_ref`: total += y_s (NeuroSim: plane_acc[k] += y_{s,k}), with
    psum (planes, B, C) that subarray's column sums, its column-subarrays of cs columns side by side
    (`_subarray_sums`), ref (planes, nj, B) the reference column currents of its column-subarrays, and
    spans (planes, groups + nj, 2) its ADCs' ranges, set from the batch unless `spec.fixed`; total
    (B, C), plane_acc (planes, B, C). A differential readout subtracts the reference in psum itself."""
    acc, qr, zero = scratch
    planes, nbatch, ncols = psum.shape
    nj = ref.shape[1]
    levels = np.float32(2.0**spec.bits)
    top = np.float32(2.0**spec.bits - 1.0)
    half = np.float32(0.5) if spec.midpoint else np.float32(0.0)
    gw = _group_width(spec.group_cols, cs)
    gpj = (cs + gw - 1) // gw
    nref = spans.shape[1] - nj
    acc[:] = 0.0
    for k in range(planes):
        x = psum[k]
        dst = plane_acc[k] if spec.neurosim else acc
        wk = np.float32(1.0) if spec.neurosim else weights[k]
        if not spec.differential:
            for j in range(nj):
                r = ref[k, j]
                qr[j] = 0.0
                r2, q2 = r.reshape(1, nbatch), qr[j].reshape(1, nbatch)
                sp = spans[k, nref + j]
                if not spec.fixed:
                    sp[0], sp[1] = _span(r2, 0, nbatch)
                _quantize_into(r2, 0, nbatch, sp[0], sp[1], levels, top, half, spec.neurosim, np.float32(1.0), zero, q2)
        if spec.group_cols == 0:
            sp = spans[k, 0]
            lo, hi = np.float32(np.inf), np.float32(-np.inf)
            if spec.differential:
                for j in range(nj):
                    lo_j, hi_j = _subtract_span(x, j * cs, min(cs, ncols - j * cs), ref[k, j])
                    lo, hi = min(lo, lo_j), max(hi, hi_j)
            elif not spec.fixed:
                lo, hi = _span(x, 0, ncols)
            if not spec.fixed:
                sp[0], sp[1] = lo, hi
            for j in range(nj):
                c0, width = j * cs, min(cs, ncols - j * cs)
                offset = zero if spec.differential else qr[j]
                _quantize_into(x, c0, width, sp[0], sp[1], levels, top, half, spec.neurosim, wk, offset, dst)
            continue
        for j in range(nj):
            width = min(cs, ncols - j * cs)
            offset = zero if spec.differential else qr[j]
            for grp in range((width + gw - 1) // gw):
                c0 = j * cs + grp * gw
                w = min(gw, width - grp * gw)
                sp = spans[k, j * gpj + grp]
                if spec.differential:
                    lo, hi = _subtract_span(x, c0, w, ref[k, j])
                elif not spec.fixed:
                    lo, hi = _span(x, c0, w)
                if not spec.fixed:
                    sp[0], sp[1] = lo, hi
                _quantize_into(x, c0, w, sp[0], sp[1], levels, top, half, spec.neurosim, wk, offset, dst)
    if not spec.neurosim:
        total += acc


@_jit
def _reference_currents(ref, count, g_ref):
    """ref[k, j, b] = count[k, b] * g_ref: every column-subarray's reference column (g_ref in each row)
    carries the current of the subarray's active rows."""
    for k in range(ref.shape[0]):
        for j in range(ref.shape[1]):
            ref[k, j] = count[k] * g_ref


@_jit
def _plane_sums(spec, planes, nbatch, ncols):
    """NeuroSim's per-plane sums over the row-subarrays, zeroed ((1, 1, 1) when not needed). Kept out
    of `bitserial_mvm`'s own body, where it would stop numba vectorising the inlined partial sums."""
    return np.zeros((planes, nbatch, ncols) if spec.neurosim else (1, 1, 1), dtype=np.float32)


@_jit
def _shift_add_planes(total, plane_acc, weights):
    """NeuroSim's shift-add of the planes: total = ((0 + r_0 w_0) + r_1 w_1) + ..., r_k summed over subarrays."""
    for k in range(plane_acc.shape[0]):
        total += plane_acc[k] * weights[k]


@_jit
def _side_by_side(blocks, out):
    """out[k, b, j * cs + c] = blocks[k, j, b, c]: (planes, nj, B, cs) column-subarray blocks laid side by
    side as (planes, B, C), the padding of the last one dropped."""
    planes, nj, nbatch, cs = blocks.shape
    ncols = out.shape[2]
    for k in range(planes):
        for j in range(nj):
            w = min(cs, ncols - j * cs)
            out[k, :, j * cs : j * cs + w] = blocks[k, j, :, :w]


@_jit
def bitserial_mvm(x_int, g, g_ref, weights, bits, signed, rows_per_sub, cols_per_sub, spec, spans):
    """The bit-serial read y = adc_shift_add_ref(bitserial_sums_ref(x_int, g, ...), g_ref * count, ...)
    (the equations are those two references' docstrings), one row-subarray at a time: the column sums
    of subarray s are digitised and added to the output before those of s + 1 are formed, so only one
    subarray's partial sums (planes x B x C float32, its column-subarrays side by side) exist at once.
    The same float32 operations in the same order as the references, hence the same result bit for
    bit. `spans` (`span_shape`) receives the ADC ranges, or gives them when `spec.fixed`."""
    nb, nr = x_int.shape
    nc = g.shape[1]
    ns = (nr + rows_per_sub - 1) // rows_per_sub
    if spec.neurosim and nr >= rows_per_sub:
        ns = nr // rows_per_sub
    nj = (nc + cols_per_sub - 1) // cols_per_sub
    planes = 2 * (bits - 1) if signed else bits
    psum = np.empty((planes, nb, nc), dtype=np.float32)
    count = np.empty((planes, nb), dtype=np.float32)
    rows = np.empty((planes, rows_per_sub), dtype=np.int64)
    active = np.zeros(planes, dtype=np.int64)
    total = np.zeros((nb, nc), dtype=np.float32)
    plane_acc = _plane_sums(spec, planes, nb, nc)
    scratch = _adc_scratch(nj, nb, nc)
    ref = np.empty((planes, nj, nb), dtype=np.float32)
    gref = np.float32(g_ref)
    for s in range(ns):
        psum[:] = 0.0
        count[:] = 0.0
        _subarray_sums(psum, count, x_int, g, s, bits, signed, rows_per_sub, rows, active)
        _reference_currents(ref, count, gref)
        _subarray_adc(total, plane_acc, psum, ref, weights, spec, cols_per_sub, spans[s], scratch)
    if spec.neurosim:
        _shift_add_planes(total, plane_acc, weights)
    return total


def bit_planes(x_int, bits: int, signed: bool) -> np.ndarray:
    """The input bit planes of a bit-serial read, (planes, B, R) uint8, in `bit_weights`' order: bit k of
    x (unsigned), or bit k of |x| for x > 0 then for x < 0 (signed, sign-magnitude)."""
    x = np.asarray(x_int, dtype=np.int64)
    mag_bits = bits - 1 if signed else bits
    phases = [np.where(x > 0, x, 0), np.where(x < 0, -x, 0)] if signed else [x]
    return np.stack([((u >> k) & 1).astype(np.uint8) for u in phases for k in range(mag_bits)])


def mvm_from_sums(sums_of, rows, cols, nbatch, bits, signed, rows_per_sub, cols_per_sub, adc, *, spans=None):
    """The ADC and shift-add of a bit-serial read whose column currents another model forms (the IR-drop
    read): `sums_of(s)` gives row-subarray s's (psum (planes, nj, B, cs), ref (planes, nj, B)), laid out
    as `bitserial_sums_ref` lays out psum[s] (and the reference currents of each column-subarray).
    Subarray by subarray through the kernels of `bitserial_mvm`, so the same float32 operations as
    `adc_shift_add_ref` on the stacked sums; `spans` as in `mvm_bitserial`."""
    spec = adc if isinstance(adc, AdcSpec) else AdcSpec(int(adc))
    shape = span_shape(rows, cols, bits, signed, rows_per_sub, cols_per_sub, spec)
    if spans is None:
        if spec.fixed:
            raise ValueError("fixed ADC ranges need the spans of a calibration read")
        spans = np.zeros(shape, dtype=_F32)
    weights = bit_weights(bits, signed)
    ns, planes, _groups, _two = shape
    nj = -(-cols // cols_per_sub)
    total = np.zeros((nbatch, cols), dtype=_F32)
    plane_acc = _plane_sums(spec, planes, nbatch, cols)
    scratch = _adc_scratch(nj, nbatch, cols)
    wide = np.empty((planes, nbatch, cols), dtype=_F32)
    for s in range(ns):
        psum, ref = sums_of(s)
        _side_by_side(psum, wide)
        _subarray_adc(total, plane_acc, wide, ref, weights, spec, cols_per_sub, spans[s], scratch)
    if spec.neurosim:
        _shift_add_planes(total, plane_acc, weights)
    return total


def adc_shift_add_ref(psum, ref, weights, spec, ncols, spans):
    """Digitise every subarray's column currents with a `spec.bits` ADC, then shift and add.

    `ref` (S, planes, nj, B) holds the current of each column-subarray's reference column.
    Each ADC spans a range [lo, hi]: by default what it sees over the batch (a per-read calibrated
    range, as NeuroSim V2's wrapper uses) for one (row-subarray s, bit plane k) and a range group of
    columns (`AdcSpec.group_cols`: a column-subarray, the columns of one multiplexed ADC, or the whole
    layer); with `spec.fixed` the ranges are read from `spans` (set by an earlier calibration read,
    values outside clip to the end codes), else they are written there. With step = (hi - lo) / 2**bits
    and a code q = min(max(trunc((x - lo) * (1 / step)), 0), 2**bits - 1) (NeuroSim: (x - lo) / step),
    a value reads back as
        Q(x) = lo + (q + 1/2) * step     (`midpoint`: a converter with offset correction), or
        Q(x) = lo + q * step             (the lower edge: an uncorrected converter, -1/2 LSB).
    A zero-width range (every value equal) reads exactly (NeuroSim's own formula divides 0 by 0 there).
    The reference column (ref = g_ref * active rows; one per column-subarray, equal unless the wires
    degrade them differently) gives the weights their sign, either
      - digitally (NeuroSim): column and reference are digitised separately, Q(psum) - Q(ref), the
        reference over the batch; the ADC's levels also cover the common-mode current; or
      - `differential`ly: the reference current is subtracted in the analog domain (a mirrored
        reference column) and the ADC sees only the signed signal, Q(psum - ref).
    Each subarray's shift-add result is formed first, then the subarrays are summed in order (as a
    PE's adder tree does):
        y_s[b, j*cs + c'] = sum_k weights[k] * (read of psum[s, k, j, b, c'] against ref[s, k, b])
        y = y_0 + y_1 + ... + y_{S-1}
    so a slice holding one subarray gives exactly that subarray's y_s. NeuroSim instead sums each bit
    plane over the subarrays first, then shifts and adds the planes:
        y = sum_k weights[k] * (r_{0,k} + r_{1,k} + ... + r_{S-1,k}),  r_{s,k} = Q(psum) - Q(ref).
    `psum` is laid out as `bitserial_sums_ref` returns it; `ncols` trims the padded last subarray.
    """
    ns, planes, nj, nbatch, cs = psum.shape
    levels, top = _F32(2.0**spec.bits), _F32(2.0**spec.bits - 1.0)
    half = _F32(0.5) if spec.midpoint else _F32(0.0)
    gw = spec.group_cols if 0 < spec.group_cols < cs else cs
    gpj = -(-cs // gw)
    widths = [min(cs, ncols - j * cs) for j in range(nj)]

    def quantize(x, sp):
        lo, hi = sp
        step = (hi - lo) / levels
        if not step > 0:
            return x
        v = (x - lo) / step if spec.neurosim else (x - lo) * (_F32(1.0) / step)
        q = np.minimum(np.maximum(v, _F32(0.0)), top).astype(np.int32).astype(_F32)
        return lo + (q + half) * step

    def bounds(sp, *xs):
        if not spec.fixed:
            sp[:] = min(x.min() for x in xs), max(x.max() for x in xs)
        return sp[0], sp[1]

    total = np.zeros((nj, nbatch, cs), dtype=_F32)
    planes_sum = np.zeros((planes, nj, nbatch, cs), dtype=_F32)
    for s in range(ns):
        acc = np.zeros((nj, nbatch, cs), dtype=_F32)
        for k in range(planes):
            r = ref[s, k]  # (nj, B): each column-subarray's reference column
            dst, wk = (planes_sum[k], _F32(1.0)) if spec.neurosim else (acc, weights[k])
            nref = spans.shape[2] - nj
            if spec.differential:
                x = [psum[s, k, j, :, : widths[j]] - r[j][:, None] for j in range(nj)]
                offset = [np.zeros(nbatch, dtype=_F32)] * nj
            else:
                x = [psum[s, k, j, :, : widths[j]] for j in range(nj)]
                offset = [quantize(r[j], bounds(spans[s, k, nref + j], r[j])) for j in range(nj)]
            if spec.group_cols == 0:
                sp = bounds(spans[s, k, 0], *x)
                for j in range(nj):
                    dst[j, :, : widths[j]] += wk * (quantize(x[j], sp) - offset[j][:, None])
                continue
            for j in range(nj):
                for grp, c0 in enumerate(range(0, widths[j], gw)):
                    cols = slice(c0, min(c0 + gw, widths[j]))
                    sp = bounds(spans[s, k, j * gpj + grp], x[j][:, cols])
                    dst[j, :, cols] += wk * (quantize(x[j][:, cols], sp) - offset[j][:, None])
        total += acc
    if spec.neurosim:
        total = np.zeros((nj, nbatch, cs), dtype=_F32)
        for k in range(planes):
            total += planes_sum[k] * weights[k]
    return total.transpose(1, 0, 2).reshape(nbatch, nj * cs)[:, :ncols].copy()


def mvm_bitserial(x_int, g, g_ref, bits, signed, rows_per_sub, cols_per_sub, adc, *, spans=None, ref=False):
    """y = x_int @ (g - g_ref), computed as a crossbar does: bit-serial inputs, per-subarray ADC.

    `x_int` (B, R) are integer inputs of `bits` bits (sign-magnitude when `signed`), `g` (R, C)
    the cell conductances and `g_ref` the reference-column conductance, both in units of Gmax; the
    subarrays are `rows_per_sub` rows by `cols_per_sub` columns; `adc` an `AdcSpec` (or its bits, for
    the default converter). `spans` (`span_shape`), when given, receives the ADC ranges the read set,
    or gives them when `adc.fixed`. Returns float32 (B, C) in conductance units (times
    2 / (1 - Gmin/Gmax) gives weight units). `ref=True` runs the NumPy references instead of the
    jitted kernels.
    """
    spec = adc if isinstance(adc, AdcSpec) else AdcSpec(int(adc))
    g = np.ascontiguousarray(g, dtype=_F32)
    shape = span_shape(g.shape[0], g.shape[1], bits, signed, rows_per_sub, cols_per_sub, spec)
    if spans is None:
        if spec.fixed:
            raise ValueError("fixed ADC ranges need the spans of a calibration read")
        spans = np.zeros(shape, dtype=_F32)
    elif spans.shape != shape or spans.dtype != _F32:
        raise ValueError(f"ADC ranges of shape {spans.shape} ({spans.dtype}) for a read that needs {shape} float32")
    weights = bit_weights(bits, signed)
    if not ref:
        return bitserial_mvm(x_int, g, g_ref, weights, bits, signed, rows_per_sub, cols_per_sub, spec, spans)
    rows = shape[0] * rows_per_sub if spec.neurosim and g.shape[0] >= rows_per_sub else g.shape[0]
    psum, count = bitserial_sums_ref(x_int[:, :rows], g[:rows], bits, signed, rows_per_sub, cols_per_sub)
    ref = np.repeat((count * _F32(g_ref))[:, :, None, :], psum.shape[2], axis=2)  # every column-subarray's
    return adc_shift_add_ref(psum, ref, weights, spec, g.shape[1], spans)


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
def programming_counts(pulses, sub):
    """Per subarray (s, j) of a layer's signed pulse counts n (sub x sub blocks), int64:
    row pulses  P[s, j] = sum over its rows r of max_c |n[r, c]|  (a row is programmed at once),
    cell pulses C[s, j] = sum over its cells of |n|,
    rows programmed R[s, j] = #{rows r : max_c |n[r, c]| > 0}."""
    rows, cols = pulses.shape
    ns, nj = (rows + sub - 1) // sub, (cols + sub - 1) // sub
    row_pulses = np.zeros((ns, nj), dtype=np.int64)
    cell_pulses = np.zeros((ns, nj), dtype=np.int64)
    rows_programmed = np.zeros((ns, nj), dtype=np.int64)
    for r in range(rows):
        s = r // sub
        for j in range(nj):
            top = np.int64(0)
            total = np.int64(0)
            for c in range(j * sub, min(cols, (j + 1) * sub)):
                a = abs(np.int64(pulses[r, c]))
                total += a
                top = max(top, a)
            row_pulses[s, j] += top
            cell_pulses[s, j] += total
            if top > 0:
                rows_programmed[s, j] += 1
    return row_pulses, cell_pulses, rows_programmed


def programming_counts_ref(pulses, sub):
    """NumPy reference of `programming_counts`, subarray by subarray."""
    rows, cols = pulses.shape
    ns, nj = -(-rows // sub), -(-cols // sub)
    out = [np.zeros((ns, nj), dtype=np.int64) for _ in range(3)]
    for s in range(ns):
        for j in range(nj):
            block = np.abs(pulses[s * sub : (s + 1) * sub, j * sub : (j + 1) * sub].astype(np.int64))
            row_max = block.max(axis=1)
            out[0][s, j], out[1][s, j], out[2][s, j] = row_max.sum(), block.sum(), np.count_nonzero(row_max)
    return tuple(out)


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


# ---------------------------------------------------------------------------------------------
# Weight update through a measured curve: mean curve and step spread from a curve table
# ---------------------------------------------------------------------------------------------


@_jit(inline="always")
def _on_curve(curve, y):
    """(j, t): y's segment j (curve[j] <= y < curve[j + 1], clamped to the first and last segment)
    and its position t on the curve, in table pulses: t = j + (y - curve[j]) / (curve[j + 1] - curve[j])
    (below the curve's start t < 0: the first segment extended)."""
    last = curve.size - 2
    j = np.searchsorted(curve, y, side="right") - 1
    if j < 0:
        j = 0
    elif j > last:
        j = last
    return j, j + (y - curve[j]) / (curve[j + 1] - curve[j])


@_jit
def table_pulse_update(g, pulses, ltp, ltd, spread_ltp, spread_ltd, table_pulses, noise, noisy):
    """Apply integer pulse counts to normalized conductances g in [0, 1] along a measured mean curve,
    in place.

    `ltp` holds the mean LTP curve at table pulses 0..P (increasing), `ltd` the mean LTD curve
    mirrored, 1 - g at table pulses 0..Q (increasing too); between table pulses a curve is linear,
    C(t) = c[j] + (t - j) (c[j+1] - c[j]) with j = clamp(floor(t), 0, len - 2). One chip pulse is
    `table_pulses` (k) table pulses. A cell at y (y = g for potentiation, n > 0; y = 1 - g for
    depression, n < 0) sits at t0 = C^-1(y) on its curve and moves to

        y' = C(min(t0 + k |n|, end)),     or y' = y once y >= C(end) (saturated: the step is 0),

    the mean step of |n| pulses at the present conductance. The cycle-to-cycle spread adds
    s(y) sqrt(|n|) z to g, with s the `spread_*` array (sigma per chip pulse at each table pulse,
    interpolated as the curve is at t0, held at the ends) and z one standard normal per programmed
    cell (n != 0) in C order from `noise`, consumed only when `noisy` (the stream the parametric
    `pulse_update` uses). The result saturates at 0 and 1. Arithmetic is float64, the state float32.
    """
    gf = g.ravel()
    pf = pulses.ravel()
    nf = noise.ravel()
    k = np.float64(table_pulses)
    m = 0
    for i in range(gf.size):
        if pf[i] == 0:
            continue
        n = np.float64(pf[i])
        up = n > 0
        curve = ltp if up else ltd
        spread = spread_ltp if up else spread_ltd
        x = np.float64(gf[i])
        y = x if up else 1.0 - x
        end = curve.size - 1
        j, t0 = _on_curve(curve, y)
        f = t0 - j
        if f < 0.0:
            f = 0.0
        elif f > 1.0:
            f = 1.0
        s = spread[j] + f * (spread[j + 1] - spread[j])
        if y < curve[end]:
            t1 = min(t0 + k * abs(n), np.float64(end))
            j1 = np.int64(np.floor(t1))
            if j1 < 0:
                j1 = 0
            elif j1 > end - 1:
                j1 = end - 1
            y = curve[j1] + (t1 - j1) * (curve[j1 + 1] - curve[j1])
        x = y if up else 1.0 - y
        if noisy:
            x = x + s * np.sqrt(abs(n)) * np.float64(nf[m])
            m += 1
        if x < 0.0:
            x = 0.0
        elif x > 1.0:
            x = 1.0
        gf[i] = np.float32(x)


def table_pulse_update_ref(g, pulses, ltp, ltd, spread_ltp, spread_ltd, table_pulses, noise, noisy):
    """NumPy reference of `table_pulse_update` (returns the new array instead of updating in place)."""
    x = g.astype(np.float64)
    n = pulses.astype(np.float64)
    k = np.float64(table_pulses)
    out = x.copy()
    sigma = np.zeros_like(x)
    for mask, curve, spread, up in ((pulses > 0, ltp, spread_ltp, True), (pulses < 0, ltd, spread_ltd, False)):
        curve = np.asarray(curve, dtype=np.float64)
        spread = np.asarray(spread, dtype=np.float64)
        end = curve.size - 1
        y = x if up else 1.0 - x
        j = np.clip(np.searchsorted(curve, y, side="right") - 1, 0, end - 1)
        t0 = j + (y - curve[j]) / (curve[j + 1] - curve[j])
        f = np.clip(t0 - j, 0.0, 1.0)
        s = spread[j] + f * (spread[j + 1] - spread[j])
        t1 = np.minimum(t0 + k * np.abs(n), np.float64(end))
        j1 = np.clip(np.floor(t1).astype(np.int64), 0, end - 1)
        moved = curve[j1] + (t1 - j1) * (curve[j1 + 1] - curve[j1])
        y_new = np.where(y < curve[end], moved, y)
        out = np.where(mask, y_new if up else 1.0 - y_new, out)
        sigma = np.where(mask, s, sigma)
    if noisy:
        on = pulses != 0
        out[on] += sigma[on] * np.sqrt(np.abs(n[on])) * noise.astype(np.float64)
    return np.clip(out, 0.0, 1.0).astype(_F32)
