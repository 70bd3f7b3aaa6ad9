"""The IR-drop model of a crossbar read (cyclesim.irdrop): the exact nodal solutions agree, the line
relaxation converges to them, the closed forms are within their stated regime, every kernel equals its
NumPy twin bit for bit, and the read's entry point drops in place of the ideal partial sums."""

import numpy as np
import pytest

from cyclesim import config, irdrop, kernels, tech

DEVICE = config.Device()  # R_on 100 kohm, on/off 10, 15 kohm access transistor, 16 F^2 cell
CIRCUIT = irdrop.read_circuit(tech.node("32nm"), DEVICE)  # 1.70 ohm per wire segment
GMIN = 1.0 / DEVICE.on_off_ratio
HARSH = 100.0  # a wire 100 times more resistive than the node's: 170 ohm per segment
TOL, SWEEPS = 1e-10, 10_000


def scaled(k, **changes):
    return CIRCUIT._replace(r_row_ohm=CIRCUIT.r_row_ohm * k, r_col_ohm=CIRCUIT.r_col_ohm * k, **changes)


def random_read(rng, rows, cols, samples, activity=0.5):
    """Conductances uniform in [Gmin, Gmax] (units of Gmax, float32) and random input bits."""
    g = rng.uniform(GMIN, 1.0, size=(rows, cols)).astype(np.float32)
    x = (rng.random((samples, rows)) < activity).astype(np.uint8)
    return g, x


def exact(prep, x, circuit, solver=irdrop.nodal_blocks):
    """The nodal solution of every sample, in units of Gmax * V_read."""
    gs = prep.gcell * circuit.g_max_s
    return (
        np.array([solver(gs, xb, 1.0, circuit.r_row_ohm, circuit.r_col_ohm, gated=circuit.gated) for xb in x])
        / circuit.g_max_s
    )


def relax(prep, x, circuit):
    cur, sweeps = irdrop.relax_sums(prep.gcell, x, circuit.rho_row, circuit.rho_col, circuit.gated, TOL, SWEEPS)
    assert sweeps.max() < SWEEPS
    return cur


def rel(a, b):
    """max |a - b| / max |b|, per sample."""
    return (np.abs(a - b).max(axis=-1) / np.abs(b).max(axis=-1)).max()


# --------------------------------------------------------------------------------- parameters


def test_read_circuit_of_the_32nm_node():
    """r = r_array * sqrt(cell_area_f2) F = 13.3 ohm/um * 4 * 32 nm; Gmax = 1 / R_on; 1T1R gates."""
    assert CIRCUIT.r_row_ohm == pytest.approx(13.3e6 * 4 * 32e-9) == CIRCUIT.r_col_ohm
    assert CIRCUIT.r_row_ohm == pytest.approx(1.7024)
    assert (CIRCUIT.g_max_s, CIRCUIT.v_read_v, CIRCUIT.r_access_ohm) == (1e-5, 0.5, 15e3)
    assert CIRCUIT.gated and CIRCUIT.rho_access == pytest.approx(0.15)
    hot = irdrop.read_circuit(tech.node("32nm"), DEVICE, temperature_k=400.0)
    assert hot.r_row_ohm == pytest.approx(CIRCUIT.r_row_ohm * (1 + 0.00451 * 100))
    bare = irdrop.read_circuit(tech.node("32nm"), DEVICE, access=False)
    assert bare.r_access_ohm == 0.0 and bare.gated  # still a switch, its resistance left out
    crossbar = irdrop.read_circuit(tech.node("32nm"), config.Device(access_r_ohm=0.0))
    assert not crossbar.gated
    assert irdrop.cell_conductance(np.array([1.0, 0.1]), 0.15) == pytest.approx([1 / 1.15, 0.1 / 1.015])


# ---------------------------------------------------------------------------- exact solutions


@pytest.mark.parametrize("gated", [True, False])
@pytest.mark.parametrize("scale", [1.0, HARSH])
def test_block_elimination_equals_the_dense_solve(scale, gated):
    rng = np.random.default_rng(3)
    c = scaled(scale, gated=gated)
    g, x = random_read(rng, 16, 12, 3)
    prep = irdrop.prepare(g, c)
    assert rel(exact(prep, x, c), exact(prep, x, c, irdrop.nodal_reference)) < 1e-12


def test_ideal_wires_reduce_the_nodal_equations():
    """A zero wire resistance makes its lines ideal: both zero is the ideal read sum_i a_i G_ij V."""
    rng = np.random.default_rng(4)
    g, x = random_read(rng, 9, 7, 1)
    gs, a = irdrop.cell_conductance(g, 0.15) * 1e-5, x[0]
    ideal = (gs * a[:, None]).sum(axis=0) * 0.5
    assert np.allclose(irdrop.nodal_reference(gs, a, 0.5, 0.0, 0.0), ideal, rtol=1e-14, atol=0)
    for r_row, r_col in ((0.0, 5.0), (5.0, 0.0)):
        dense = irdrop.nodal_reference(gs, a, 0.5, r_row, r_col)
        assert np.allclose(irdrop.nodal_blocks(gs, a, 0.5, r_row, r_col), dense, rtol=1e-14, atol=0)
        assert (dense < ideal).all()
        tiny = irdrop.nodal_reference(gs, a, 0.5, r_row * 1e-6, r_col * 1e-6)
        assert np.allclose(irdrop.nodal_blocks(gs, a, 0.5, 1e-6 * r_row + 1e-12, 1e-6 * r_col + 1e-12), tiny)


def test_one_conducting_cell_sees_its_path_in_series():
    """One active row, one column: I = V / (1/G + (j + 1) r_row + (R - i) r_col), exactly; the resummed
    closed form is exact there too, the first order is not (1.7 kohm per segment: drops of 1-10 %)."""
    c = scaled(1000.0)
    g = np.array([[0.3], [1.0], [0.7], [0.5], [0.9]], dtype=np.float32)
    prep = irdrop.prepare(g, c)
    for i in range(5):
        x = np.eye(5, dtype=np.uint8)[i : i + 1]
        gi = prep.gcell[i, 0] * c.g_max_s
        path = c.r_row_ohm * 1 + c.r_col_ohm * (5 - i)
        want = 1.0 / (1.0 / gi + path) / c.g_max_s
        assert exact(prep, x, c, irdrop.nodal_reference)[0, 0] == pytest.approx(want, rel=1e-13)
        assert relax(prep, x, c)[0, 0] == pytest.approx(want, rel=1e-12)
        assert irdrop.read(prep, x, method="resummed")[0][0, 0] == pytest.approx(want, rel=2e-6)
        assert abs(irdrop.read(prep, x, method="first_order")[0][0, 0] / want - 1) > 1e-4


# --------------------------------------------------------------------------- line relaxation


@pytest.mark.parametrize("gated", [True, False])
@pytest.mark.parametrize("scale", [1.0, HARSH])
def test_relaxation_matches_the_dense_solution_16x16(scale, gated):
    """Within 1e-6 relative (measured: 1e-14 at the node's wire, 1e-13 at 100 times it)."""
    rng = np.random.default_rng(5)
    c = scaled(scale, gated=gated)
    g, x = random_read(rng, 16, 16, 4)
    prep = irdrop.prepare(g, c)
    assert rel(relax(prep, x, c), exact(prep, x, c, irdrop.nodal_reference)) < 1e-6


@pytest.mark.parametrize("scale", [1.0, HARSH])
def test_relaxation_matches_the_exact_solution_64x64(scale):
    """Within 1e-6 relative of the block elimination (itself the dense solve to 1e-12; measured:
    7e-14 at the node's wire, 7e-11 at 100 times it, 4 and 16-19 sweeps)."""
    rng = np.random.default_rng(6)
    c = scaled(scale)
    g, x = random_read(rng, 64, 64, 3)
    prep = irdrop.prepare(g, c)
    assert rel(relax(prep, x, c), exact(prep, x, c)) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("scale", [1.0, HARSH])
def test_relaxation_matches_the_dense_solution_64x64(scale):
    """The dense 8192-unknown solve (about 10 s and 1.2 GB): within 1e-6 (measured 5e-14, 1e-11)."""
    rng = np.random.default_rng(7)
    c = scaled(scale)
    g, x = random_read(rng, 64, 64, 1)
    prep = irdrop.prepare(g, c)
    assert rel(relax(prep, x, c), exact(prep, x, c, irdrop.nodal_reference)) < 1e-6


RELAX_CASES = [
    # samples, rows, cols, wire scale, gated, rho_row zero, rho_col zero
    (5, 16, 16, 1.0, True, False, False),
    (4, 23, 9, HARSH, True, False, False),
    (4, 12, 17, 10.0, False, False, False),
    (3, 8, 5, 1.0, True, True, False),
    (3, 8, 5, 1.0, True, False, True),
    (3, 8, 5, 1.0, False, True, True),
    (2, 1, 4, 1.0, True, False, False),
    (2, 6, 1, 1.0, False, False, False),
]


@pytest.mark.parametrize("case", RELAX_CASES)
def test_relaxation_kernel_equals_its_twin(case):
    nb, nr, nc, k, gated, no_row, no_col = case
    rng = np.random.default_rng(8)
    g, x = random_read(rng, nr, nc, nb)
    x[0] = 0  # a plane with no active row
    gcell = irdrop.cell_conductance(g, CIRCUIT.rho_access)
    rr = 0.0 if no_row else CIRCUIT.rho_row * k
    rc = 0.0 if no_col else CIRCUIT.rho_col * k
    fast = irdrop.relax_sums(gcell, x, rr, rc, gated, TOL, SWEEPS)
    twin = irdrop.relax_sums_ref(gcell, x, rr, rc, gated, TOL, SWEEPS)
    assert np.array_equal(fast[0], twin[0]) and np.array_equal(fast[1], twin[1])
    assert (fast[0][0] == 0).all()


# ------------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("resum", [False, True])
@pytest.mark.parametrize("gated", [True, False])
@pytest.mark.parametrize("shape", [(9, 33, 17), (20, 64, 64), (3, 5, 1), (4, 1, 3), (6, 7, 130)])
def test_closed_form_kernel_equals_its_twin(shape, gated, resum):
    nb, nr, nc = shape
    rng = np.random.default_rng(9)
    g, x = random_read(rng, nr, nc, nb, activity=0.4)
    x[0] = 0
    gc, hc = irdrop.first_order_tables(irdrop.cell_conductance(g, 0.15), 3e-4)
    fast = irdrop.first_order_sums(gc, hc, x, np.float32(2e-4), gated, resum)
    twin = irdrop.first_order_sums_ref(gc, hc, x, np.float32(2e-4), gated, resum)
    assert fast.dtype == twin.dtype == np.float32
    assert np.array_equal(fast, twin)


REGIME = [
    # rows = cols, wire scale: the IR drop they give (random weights, half the rows on)
    (32, 1.0),  # 0.7 %
    (64, 1.0),  # 2.5 %
    (128, 1.0),  # 9 %
    (32, 10.0),  # 6 %
    (64, 10.0),  # 21 %
]


@pytest.mark.parametrize("gated", [True, False])
@pytest.mark.parametrize("n, scale", REGIME)
def test_closed_forms_within_their_regime(n, scale, gated):
    """The regime of the closed forms. With delta = max over columns of the relative IR drop
    (I0 - I) / I0 (I0 the ideal current, I the nodal solution), every column's relative error is
      first order:  <= 2.5 delta^2             (delta <= 0.35; beyond, it overshoots fast)
      resummed:     <= 0.2 delta^2 (1T1R),     (delta <= 0.4; 0.3 delta^2 to delta = 0.65)
                    <= 0.65 delta^2 (0T1R, inactive rows at 0 V)
    plus 1e-6 (float32). At the 32 nm node (1.70 ohm per segment, R_on 100 kohm + 15 kohm) that is,
    measured (tools/irdrop_check.py), random weights / every cell at Gmax and every row on:
      32 x 32:   delta 0.7 % / 1.3 %:  first order 4e-5 / 2e-4,  resummed 4e-6 / 1e-5
      64 x 64:   delta 2.5 % / 4.9 %:  first order 6e-4 / 3e-3,  resummed 6e-5 / 2e-4
      128 x 128: delta 9 % / 17 %:     first order 9e-3 / 4e-2,  resummed 8e-4 / 3e-3
      256 x 256: delta 29 % / 45 %:    first order 0.14 / 0.66,  resummed 1e-2 / 2e-2
      512 x 512: delta 63 % / 78 %:    first order > 1,          resummed 7e-2 / 0.13
    """
    rng = np.random.default_rng(10 + n)
    c = scaled(scale, gated=gated)
    g, x = random_read(rng, n, n, 4)
    cases = [(g, x), (rng.uniform(GMIN, 1.0, (n, n)).astype(np.float32), (rng.random((4, n)) < 0.1).astype(np.uint8))]
    cases.append((np.ones((n, n), dtype=np.float32), np.ones((1, n), dtype=np.uint8)))  # the worst case
    for g, x in cases:
        prep = irdrop.prepare(g, c)
        truth = relax(prep, x, c)
        ideal = x.astype(np.float64) @ prep.gcell
        on = ideal > 0
        delta = ((ideal - truth)[on] / ideal[on]).max()
        assert delta <= 0.35
        fo = irdrop.read(prep, x, method="first_order")[0]
        rs = irdrop.read(prep, x, method="resummed")[0]
        err_fo = (np.abs(fo - truth)[on] / truth[on]).max()
        err_rs = (np.abs(rs - truth)[on] / truth[on]).max()
        assert err_fo <= 2.5 * delta**2 + 1e-6
        assert err_rs <= (0.2 if gated else 0.65) * delta**2 + 1e-6
        # The closed forms' own predicted drop bounds the true one (the first order overestimates it).
        assert ((ideal - fo)[on] / ideal[on]).max() >= delta - 1e-6


# ------------------------------------------------------------------------------- entry point


def test_zero_wires_give_the_ideal_partial_sums_bit_for_bit():
    """Without wire or access resistance a degraded read is `kernels.bitserial_sums_ref`'s psum."""
    rng = np.random.default_rng(11)
    nb, nr, nc, bits = 6, 40, 24, 4
    x_int = rng.integers(0, 1 << bits, size=(nb, nr))
    g = rng.uniform(GMIN, 1.0, size=(nr, nc)).astype(np.float32)
    psum, count = kernels.bitserial_sums_ref(x_int, g, bits, False, nr, nc)
    ideal = CIRCUIT._replace(r_row_ohm=0.0, r_col_ohm=0.0, r_access_ohm=0.0)
    prep = irdrop.prepare(g, ideal, g_ref=0.55)
    planes = np.stack([(x_int >> k) & 1 for k in range(bits)])  # (planes, B, R)
    for method in ("first_order", "resummed"):
        sums, ref = irdrop.read(prep, planes, method=method)
        assert sums.shape == (bits, nb, nc) and ref.shape == (bits, nb)
        assert np.array_equal(sums, psum[0, :, 0])
        assert np.allclose(ref, count[0] * np.float32(0.55), rtol=1e-6, atol=0)
    sums, _ = irdrop.read(prep, planes, method="relax")
    assert np.allclose(sums, psum[0, :, 0], rtol=1e-6, atol=0)


def test_the_reference_column_is_one_more_column_of_the_array():
    rng = np.random.default_rng(12)
    g, x = random_read(rng, 64, 30, 5)
    with_ref = irdrop.prepare(g, CIRCUIT, g_ref=0.55)
    wide = irdrop.prepare(np.concatenate([g, np.full((64, 1), 0.55, np.float32)], axis=1), CIRCUIT)
    for method in irdrop.METHODS:
        sums, ref = irdrop.read(with_ref, x, method=method)
        both, none = irdrop.read(wide, x, method=method)
        assert none is None and sums.shape == (5, 30) and ref.shape == (5,)
        assert np.array_equal(sums, both[:, :30]) and np.array_equal(ref, both[:, 30])
        assert (ref < x.sum(axis=1) * np.float32(0.55)).all()  # it loses current too
    per_row = rng.uniform(0.5, 0.6, 64).astype(np.float32)  # one reference cell per row
    sums, ref = irdrop.read(irdrop.prepare(g, CIRCUIT, g_ref=per_row), x)
    both, _ = irdrop.read(irdrop.prepare(np.concatenate([g, per_row[:, None]], axis=1), CIRCUIT), x)
    assert np.array_equal(sums, both[:, :30]) and np.array_equal(ref, both[:, 30])


def test_the_drop_grows_along_the_rows_and_with_the_array():
    """Uniform cells, every row on: a column farther from the row drivers gets less current, and a
    larger subarray loses a larger fraction of it (the drop grows with the line length squared)."""
    losses = []
    for n in (16, 32, 64):
        prep = irdrop.prepare(np.ones((n, n), dtype=np.float32), CIRCUIT)
        x = np.ones((1, n), dtype=np.uint8)
        for method in irdrop.METHODS:
            sums = irdrop.read(prep, x, method=method)[0][0]
            assert (np.diff(sums) < 0).all()
        ideal = n * prep.gcell[0, 0]
        losses.append(1 - sums[-1] / ideal)
    assert losses[0] < losses[1] < losses[2]
    assert 3.0 < losses[2] / losses[1] < 4.5  # about N^2


def test_read_checks_its_arguments():
    prep = irdrop.prepare(np.full((8, 4), 0.5, dtype=np.float32), scaled(1e4))
    with pytest.raises(ValueError, match="8 rows"):
        irdrop.read(prep, np.ones((2, 7)))
    with pytest.raises(ValueError, match="unknown IR-drop method"):
        irdrop.read(prep, np.ones((2, 8)), method="spice")
    with pytest.raises(RuntimeError, match="did not converge"):
        irdrop.read(prep, np.ones((2, 8)), method="relax", max_sweeps=1)
    with pytest.raises(ValueError, match="rows, cols"):
        irdrop.prepare(np.ones(8), CIRCUIT)


def test_read_energy_follows_the_current():
    """E = V_read^2 Gmax t_read sum_j I_j: the IR drop lowers it by the current it takes away."""
    rng = np.random.default_rng(13)
    g, x = random_read(rng, 128, 128, 8)
    prep = irdrop.prepare(g, CIRCUIT)
    sums, _ = irdrop.read(prep, x)
    ideal = x.astype(np.float64) @ prep.gcell
    e_ideal = 0.5**2 * 1e-5 * 10e-9 * ideal.sum()
    e = irdrop.read_energy_j(sums, CIRCUIT, 10e-9)
    assert e == pytest.approx(e_ideal * sums.sum(dtype=np.float64) / ideal.sum(), rel=1e-9)
    assert 0.9 < e / e_ideal < 0.99  # 128 x 128 at 32 nm: a few percent


# ---------------------------------------------------------------------------------------------
# The training read through resistive wires (learn.network.Crossbar with a circuit)
# ---------------------------------------------------------------------------------------------


def _crossbar(rows, cols, sub, circuit, adc):
    from cyclesim.config import Device
    from cyclesim.device import CellArray
    from cyclesim.learn.network import Crossbar

    rng = np.random.default_rng(rows + cols)
    cells = CellArray(rng.uniform(-1, 1, (rows, cols)), 32, Device(), rng, c2c=False, d2d=False)
    return Crossbar(cells, 0.1, sub, adc, adc, circuit=circuit)


def test_subarray_sums_through_ideal_wires_are_the_plain_partial_sums():
    """With no wire and no access resistance every subarray's column sums are `bitserial_sums_ref`'s bit
    for bit (ragged row and column blocks padded as the physical subarray); the reference column, summed
    cell by cell, equals g_ref x active rows to rounding."""
    rng = np.random.default_rng(1)
    g = rng.uniform(0.1, 1, (150, 70)).astype(np.float32)
    for bits, signed in ((8, False), (8, True)):
        top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        x = rng.integers(-top if signed else 0, top + 1, (9, 150))
        psum, count = kernels.bitserial_sums_ref(x, g, bits, signed, 64, 64)
        ideal_wires = irdrop.ReadCircuit(0.0, 0.0, 1e-5, 0.5, 0.0, True)
        for s in range(3):
            sums, ref = irdrop.subarray_sums(kernels.bit_planes(x, bits, signed), g, 0.55, 0.1, s, 64, 64, ideal_wires)
            assert np.array_equal(sums, psum[s])
            assert np.allclose(ref, (count[s] * np.float32(0.55))[:, None, :], rtol=1e-6, atol=0)


def _block_by_block(planes, g, g_ref, g_unused, s, rows_per_sub, cols_per_sub, circuit):
    """`subarray_sums` as its docstring defines it: each column-subarray padded to a physical subarray
    (unused cells at g_unused, undriven rows) and read on its own, `read(prepare(block, g_ref), bits)`."""
    nr, nc = g.shape
    nj = -(-nc // cols_per_sub)
    r0, r1 = s * rows_per_sub, min(nr, (s + 1) * rows_per_sub)
    bits = np.zeros((*planes.shape[:2], rows_per_sub), dtype=np.uint8)
    bits[:, :, : r1 - r0] = planes[:, :, r0:r1]
    psum = np.zeros((planes.shape[0], nj, planes.shape[1], cols_per_sub), dtype=np.float32)
    ref = np.empty((planes.shape[0], nj, planes.shape[1]), dtype=np.float32)
    for j in range(nj):
        c0, c1 = j * cols_per_sub, min(nc, (j + 1) * cols_per_sub)
        block = np.full((rows_per_sub, cols_per_sub), g_unused, dtype=np.float32)
        block[: r1 - r0, : c1 - c0] = g[r0:r1, c0:c1]
        sums, ref[:, j] = irdrop.read(irdrop.prepare(block, circuit, g_ref=g_ref), bits)
        psum[:, j, :, : c1 - c0] = sums[:, :, : c1 - c0]
    return psum, ref


@pytest.mark.parametrize("circuit", ["1T1R", "0T1R"])
@pytest.mark.parametrize("rows, cols, sub", [(150, 70, 64), (784, 256, 128), (10, 256, 128), (33, 17, 8)])
def test_subarray_sums_are_the_blocks_read_one_by_one(rows, cols, sub, circuit):
    """Every column-subarray of a row-subarray read in one pass (`subarray_sums`, and from the integer
    inputs `bitserial_sums_of`, a read's row-subarrays one after another into the same arrays) gives each
    padded block's own read bit for bit: ragged row and column blocks, signed and unsigned planes, a
    transposed (strided) conductance array, wires 30 times the node's."""
    c = scaled(30.0) if circuit == "1T1R" else scaled(30.0, r_access_ohm=0.0, gated=False)
    rng = np.random.default_rng(rows + cols)
    g = np.ascontiguousarray(rng.uniform(GMIN, 1.0, (cols, rows)).astype(np.float32)).T
    for bits, signed in ((8, False), (5, True)):
        top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        x = rng.integers(-top if signed else 0, top + 1, (7, rows)) * (rng.random((7, rows)) < 0.3)
        x[0] = 0  # a sample with no active row
        planes = kernels.bit_planes(x, bits, signed)
        sums_of = irdrop.bitserial_sums_of(x.astype(np.int32), bits, signed, g, 0.55, GMIN, sub, sub, c)
        for s in range(-(-rows // sub)):
            want = _block_by_block(planes, g, 0.55, GMIN, s, sub, sub, c)
            got = irdrop.subarray_sums(planes, g, 0.55, GMIN, s, sub, sub, c)
            from_ints = sums_of(s)  # into the arrays of the previous s, which its consumer may have changed
            for w, a, b in zip(want, got, from_ints):
                assert a.dtype == b.dtype == np.float32 and a.shape == b.shape == w.shape
                assert np.array_equal(a.view(np.uint32), w.view(np.uint32))
                assert np.array_equal(b.view(np.uint32), w.view(np.uint32))
                b[...] = np.nan


@pytest.mark.parametrize("signed", [False, True])
def test_a_read_through_ideal_wires_is_the_plain_read(signed):
    """The IR-drop read with ideal wires gives the plain bit-serial read, up to the rounding of the
    reference current (summed cell by cell instead of g_ref x active rows) and the rare ADC code it
    flips. With the reference digitised on its own, the plain read's reference currents (g_ref x an
    integer) sit exactly on bin edges, where the summed ones flip codes throughout: the differential
    readout is the one to compare."""
    from cyclesim.learn.network import Operand

    adc = kernels.AdcSpec(5, differential=True)
    ideal_wires = irdrop.ReadCircuit(0.0, 0.0, 1e-5, 0.5, 0.0, True)
    plain, wired = _crossbar(150, 70, 64, None, adc), _crossbar(150, 70, 64, ideal_wires, adc)
    bits = 8
    top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    x = Operand(np.random.default_rng(1).integers(-top if signed else 0, top + 1, (9, 150)), 0.01)
    a, b = plain.read(x, bits, signed), wired.read(x, bits, signed)
    same = np.isclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(a).max())  # the reference's rounding, carried through
    assert np.mean(same) > 0.9 and np.abs(a - b).mean() < 1e-3 * np.abs(a).mean()


def test_larger_subarrays_lose_more_of_the_read():
    """Through the 32 nm wires the read departs from the ideal one, more on larger subarrays (the access
    transistors, whose compression is the same at every size, left out)."""
    from cyclesim.config import Device
    from cyclesim.learn.network import Operand

    circuit = irdrop.read_circuit(tech.node("32nm"), Device(), access=False)
    x = Operand(np.random.default_rng(2).integers(0, 256, (20, 512)), 1 / 255)
    loss = {}
    for sub in (32, 128, 512):
        ideal = _crossbar(512, 64, sub, None, kernels.AdcSpec(8)).read(x, 8, False)
        wired = _crossbar(512, 64, sub, circuit, kernels.AdcSpec(8)).read(x, 8, False)
        loss[sub] = float(np.sqrt(np.mean((wired - ideal) ** 2)) / np.sqrt(np.mean(ideal**2)))
    assert loss[32] < loss[128] < loss[512]
