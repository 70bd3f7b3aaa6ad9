"""IR drop of a crossbar read: the column currents a subarray delivers through resistive wires.

An ideal crossbar read gives column j the current I_j = V_read * sum_i a_i G_ij (a_i = 1 for the
rows whose input bit is 1): every cell sees the full read voltage. The wires are not ideal. Each
row is a chain of wire segments from its driver (left end) past its C cells, each column a chain
from the top row down to its sense circuit (bottom end, held at virtual ground). The current of
every cell flows through the row segments between the driver and the cell and through the column
segments between the cell and the sense circuit, and each segment carries the summed current of
every cell beyond it. So a cell far from the driver sees its row voltage lowered, and a cell far
from the sense circuit sees its column voltage raised, by the currents of the other cells: the
cell's voltage, and its current, drop. The loss grows with the wire resistance per segment r, the
cell conductance G and the square of the line length (N cells share N segments: a drop of the order
of r G N^2 / 2 of V_read at the far end). That is why larger subarrays read less accurately.

The circuit (one bit plane of a bit-serial read of one subarray of R rows x C columns):

- cells (i, j), i = 0 the top row (farthest from the sense circuits), j = 0 the column next to the
  row drivers; a cell is its RRAM conductance g_ij * Gmax (Gmax = 1 / R_on) in series with its
  access transistor's on-resistance R_acc: G_ij = 1 / (R_on / g_ij + R_acc). NeuroSim counts the
  access resistance in series with every cell of a read (DNN_NeuroSim_V2.1,
  Training_pytorch/NeuroSIM/ProcessingUnit.cpp, `GetColumnResistance`: 1/G + ... + resistanceAccess).
- 1T1R cells (`gated`, the default when the device has an access transistor): the input bit drives
  the access transistor's gate, so the cells of an inactive row are switched off and carry no
  current (an ideal switch); the active rows are driven at V_read. This is NeuroSim's assumption
  (`GetColumnResistance` counts only the rows whose input is 1) and CrossSim's for a gated cell
  (sandialabs/cross-sim simulator/circuits/array/NonInterleaved_SepSource.py: "If input is zero,
  device is gated off and has effectively zero conductance"; array/readme.md: transistors are ideal
  switches, open when off). Without an access transistor (a 0T1R crossbar, `gated=False`) the
  inactive rows are driven at 0 V and their cells stay connected, CrossSim's input-source array
  (NonInterleaved_InputSource.py).
- wires: every row has C segments of r_row (driver -> cell (i, 0) -> (i, 1) -> ...), every column R
  segments of r_col (cell (0, j) -> (1, j) -> ... -> (R-1, j) -> sense node at 0 V), the counting of
  NeuroSim's `GetColumnResistance` ((j + 1) row segments and (R - i) column segments to cell (i, j)).
  One segment is one cell pitch long: r = r_array (ohm/m) * p with p = sqrt(cell_area_f2) * F, the
  side of a square cell (16 F^2 -> 4 F; `hw.circuits.cell_pitch_f`; NeuroSim V2.1 Param.cpp:
  wireLengthRow = wireWidth * heightInFeatureSize1T1R = 4 F). Cells are linear resistors (no I-V
  nonlinearity), so the currents scale with V_read and the normalised results below do not depend on
  it; the wire capacitance does not enter a DC read.
- the sense circuit of column j sees I_j, the current of its last segment (= the sum of its cells'
  currents).

Units: kernels work in conductances of Gmax (g), resistances times Gmax (rho = r * Gmax), voltages
of V_read and currents of Gmax * V_read, the units of `kernels.bitserial_sums_ref`'s psum, so a
degraded sum drops in place of the ideal one. `nodal_reference` and `nodal_blocks` work in SI units.

Solvers, from exact to fast:

- `nodal_reference`: the nodal equations (2 R C unknowns) assembled as one dense matrix and solved
  with numpy.linalg.solve; the ground truth (8192 unknowns at 64 x 64: about 1 GB and seconds).
- `nodal_blocks`: the same equations solved exactly by block-tridiagonal elimination (row by row,
  blocks of 2 C unknowns); equal to `nodal_reference` to rounding, usable to 256 x 256.
- `relax_sums`: block Gauss-Seidel line relaxation (every row's drops solved exactly given the
  column voltages, then every column's voltages given the row voltages, each line a tridiagonal
  solve), iterated to a tolerance; converges for any resistances (the system is symmetric positive
  definite); `relax_sums_ref` is its NumPy twin, bit for bit.
- `first_order_sums`: the closed forms, O(R C) per sample and plane with a table precomputed per
  weight state: the first-order perturbation in r G, I = I0 - D, and its resummation
  I = I0 / (1 + D / I0), about ten times closer (exact for one conducting cell);
  `first_order_sums_ref` is its NumPy twin, bit for bit.

Accuracy (tools/irdrop_check.py; tests/test_irdrop.py states the regime): with delta the relative
IR drop of a column (I0 - I) / I0, the first order is within about 2 delta^2 of the nodal solution
and the resummed form within 0.2 delta^2 (delta <= 0.35 and <= 0.65). At 32 nm (1.70 ohm per
segment, R_on 100 kohm and a 15 kohm access transistor) random weights with half the rows active
lose up to delta = 0.7 % at 32 x 32, 2.5 % at 64, 9 % at 128, 29 % at 256 and 63 % at 512.

Energy and latency: the drivers' current is the columns' (every path ends at a virtual ground), so a
read's cell-and-wire energy is V_read^2 Gmax t_read sum_j I_j (`read_energy_j`): the IR drop lowers it
by the current it takes away. The read pulse is fixed, so the latency does not change (a current-mode
sense amplifier's time grows with ln(1 / (1 - delta)), picoseconds, below its 1 ns floor).

`read_circuit` turns the node and device settings into a `ReadCircuit`; `prepare` and `read` (or
`degraded_sums`, both at once) are the read kernel's entry point. The training read (`learn.network`)
goes through `bitserial_sums_of`: row-subarray by row-subarray, `bitserial_subarray_sums`, which is
`subarray_sums` from the integer inputs: one row-subarray of a layer, its column-subarrays padded to
physical subarrays and read in one pass (the tables of all of them side by side, `_row_tables`), each
bit for bit what `read(prepare(block))` gives it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from cyclesim.kernels import _jit

_F32 = np.float32


class ReadCircuit(NamedTuple):
    """The electrical parameters of one subarray read (SI units, as the names say).

    `r_row_ohm` and `r_col_ohm` are the wire resistances of one segment (one cell pitch) of a row
    and of a column; `g_max_s` = 1 / R_on the RRAM's largest conductance (g = 1); `r_access_ohm` the
    access transistor's on-resistance in series with every cell (0: none); `v_read_v` the read
    voltage; `gated`: inactive rows' cells are switched off (1T1R) rather than driven at 0 V (0T1R).
    """

    r_row_ohm: float
    r_col_ohm: float
    g_max_s: float
    v_read_v: float
    r_access_ohm: float = 0.0
    gated: bool = True

    @property
    def rho_row(self) -> float:
        """r_row * Gmax: a row segment's resistance in units of R_on."""
        return self.r_row_ohm * self.g_max_s

    @property
    def rho_col(self) -> float:
        """r_col * Gmax: a column segment's resistance in units of R_on."""
        return self.r_col_ohm * self.g_max_s

    @property
    def rho_access(self) -> float:
        """R_acc * Gmax: the access transistor's resistance in units of R_on."""
        return self.r_access_ohm * self.g_max_s


def read_circuit(node, device, *, temperature_k: float = 300.0, access: bool = True) -> ReadCircuit:
    """The `ReadCircuit` of a `tech.Node` and a `config.Device` (read by attribute only).

        p         = sqrt(device.cell_area_f2) * node.feature_size_m          (cell pitch, m)
        r_row_ohm = r_col_ohm = node.wire.r_array_ohm_per_m * p * (1 + alpha |T - 300 K|)
        g_max_s   = 1 / device.r_on_ohm,   v_read_v = device.read_v
        r_access_ohm = device.access_r_ohm (0 when `access` is False), gated = access_r_ohm > 0

    (alpha = node.wire.rho_temp_coeff_per_k, the wire's resistivity rule in `tech.Wire`.) At 32 nm
    with the default 16 F^2 cell: p = 128 nm, r = 13.3 ohm/um * 0.128 um = 1.70 ohm per segment.
    """
    pitch_m = math.sqrt(float(device.cell_area_f2)) * float(node.feature_size_m)
    rho_scale = 1.0 + float(node.wire.rho_temp_coeff_per_k) * abs(float(temperature_k) - 300.0)
    r_seg = float(node.wire.r_array_ohm_per_m) * pitch_m * rho_scale
    r_acc = float(device.access_r_ohm)
    return ReadCircuit(
        r_row_ohm=r_seg,
        r_col_ohm=r_seg,
        g_max_s=1.0 / float(device.r_on_ohm),
        v_read_v=float(device.read_v),
        r_access_ohm=r_acc if access else 0.0,
        gated=r_acc > 0,
    )


def cell_conductance(g, rho_access: float) -> np.ndarray:
    """A cell's conductance with its access transistor in series, in units of Gmax (float64):
    G / Gmax = 1 / (1 / g + rho_access) = g / (1 + rho_access * g); g itself when rho_access = 0."""
    g64 = np.asarray(g, dtype=np.float64)
    return g64 / (1.0 + float(rho_access) * g64)


# ---------------------------------------------------------------------------------------------
# Exact nodal solutions (SI units)
# ---------------------------------------------------------------------------------------------


def _check_plane(cell_g_s, active, r_row_ohm, r_col_ohm):
    g = np.asarray(cell_g_s, dtype=np.float64)
    if g.ndim != 2 or g.shape[0] < 1 or g.shape[1] < 1:
        raise ValueError(f"cell conductances must be a (rows, cols) array, got shape {g.shape}")
    a = np.asarray(active).reshape(-1) != 0
    if a.shape[0] != g.shape[0]:
        raise ValueError(f"{a.shape[0]} active-row flags for {g.shape[0]} rows")
    if not (r_row_ohm >= 0 and r_col_ohm >= 0):
        raise ValueError(f"wire resistances must be >= 0, got {r_row_ohm}, {r_col_ohm}")
    return g, a


def nodal_reference(cell_g_s, active, v_read_v, r_row_ohm, r_col_ohm, *, gated=True) -> np.ndarray:
    """Column currents (A, float64, shape (C,)) of one bit plane, from the dense nodal equations.

    Unknowns: the row-wire voltage U_ij at every cell and the column-wire voltage W_ij, 2 R C in all
    (cell_g_s (R, C) in siemens with the access transistor included; `active` (R,) the rows whose
    input bit is 1, driven at v_read_v; the others switched off when `gated`, else driven at 0 V).
    With g_r = 1 / r_row, g_c = 1 / r_col, G the cell conductances (0 for a gated-off row), v_i the
    driver voltages and U_i,-1 = v_i, W_R,j = 0 (the virtual ground), Kirchhoff's current law reads
        row node (i, j):    g_r (U_i,j-1 - U_ij) + g_r (U_i,j+1 - U_ij) [j < C-1] = G_ij (U_ij - W_ij)
        column node (i, j): g_c (W_i-1,j - W_ij) [i > 0] + g_c (W_i+1,j - W_ij) = -G_ij (U_ij - W_ij)
    assembled as Y x = b (Y the conductance matrix) and solved with numpy.linalg.solve. A zero wire
    resistance makes its lines ideal (U_ij = v_i, or W_ij = 0) and drops those unknowns. The column
    current the sense circuit sees is I_j = sum_i G_ij (U_ij - W_ij) (= g_c W_R-1,j).
    """
    g, a = _check_plane(cell_g_s, active, r_row_ohm, r_col_ohm)
    nr, nc = g.shape
    v = np.where(a, float(v_read_v), 0.0)
    gcell = g * a[:, None] if gated else g
    n = nr * nc
    u = np.arange(n).reshape(nr, nc)  # row node (i, j)
    w = n + u  # column node (i, j)
    y = np.zeros((2 * n, 2 * n))
    b = np.zeros(2 * n)

    def stamp(p, q, cond):
        np.add.at(y, (p, p), cond)
        np.add.at(y, (q, q), cond)
        np.add.at(y, (p, q), -cond)
        np.add.at(y, (q, p), -cond)

    stamp(u.ravel(), w.ravel(), gcell.ravel())
    if r_row_ohm > 0:
        gr = 1.0 / r_row_ohm
        y[u[:, 0], u[:, 0]] += gr  # the driver, a source of v_i
        b[u[:, 0]] += gr * v
        stamp(u[:, :-1].ravel(), u[:, 1:].ravel(), np.full(nr * (nc - 1), gr))
    if r_col_ohm > 0:
        gc = 1.0 / r_col_ohm
        y[w[-1], w[-1]] += gc  # the sense node at 0 V
        stamp(w[:-1].ravel(), w[1:].ravel(), np.full((nr - 1) * nc, gc))
    x = np.zeros(2 * n)
    free = np.ones(2 * n, dtype=bool)
    if r_row_ohm == 0:
        x[:n] = np.repeat(v, nc)
        free[:n] = False
    if r_col_ohm == 0:
        free[n:] = False
    if free.all():
        x = np.linalg.solve(y, b)
    elif free.any():
        f, k = np.flatnonzero(free), np.flatnonzero(~free)
        x[f] = np.linalg.solve(y[np.ix_(f, f)], b[f] - y[np.ix_(f, k)] @ x[k])
    uu, ww = x[:n].reshape(nr, nc), x[n:].reshape(nr, nc)
    return (gcell * (uu - ww)).sum(axis=0)


def nodal_blocks(cell_g_s, active, v_read_v, r_row_ohm, r_col_ohm, *, gated=True) -> np.ndarray:
    """`nodal_reference`'s column currents (A), solved exactly by block-tridiagonal elimination.

    Ordered row by row, x_i = (U_i0..U_i,C-1, W_i0..W_i,C-1), the nodal equations are block
    tridiagonal: A_ii x_i - g_c [0; W_i-1] - g_c [0; W_i+1] = b_i, with
        A_ii = [[T + D_i, -D_i], [-D_i, D_i + k_i g_c 1]],  D_i = diag(G_i.),  b_i = [g_r v_i e_0; 0],
    T the row wire's matrix (g_r times tridiag(-1, 2, -1), 1 on its last diagonal element) and k_i = 1
    for the top row, 2 below. Forward: S_0 = A_00, S_i = A_ii - g_c^2 [[0, 0], [0, (S_i-1^-1)_WW]],
    y_i = b_i + g_c [0; (S_i-1^-1 y_i-1)_W]; back: x_i = S_i^-1 (y_i + g_c [0; W_i+1]). The same
    solution as the dense solve (to rounding) at R (2C)^3 operations instead of (2RC)^3. A zero wire
    resistance falls back to `nodal_reference` (whose system is then R C unknowns).
    """
    g, a = _check_plane(cell_g_s, active, r_row_ohm, r_col_ohm)
    if r_row_ohm == 0 or r_col_ohm == 0:
        return nodal_reference(g, a, v_read_v, r_row_ohm, r_col_ohm, gated=gated)
    nr, nc = g.shape
    v = np.where(a, float(v_read_v), 0.0)
    gcell = g * a[:, None] if gated else g
    gr, gc = 1.0 / r_row_ohm, 1.0 / r_col_ohm
    t = np.zeros((nc, nc))
    idx = np.arange(nc)
    t[idx, idx] = 2.0 * gr
    t[-1, -1] = gr
    t[idx[:-1], idx[1:]] = -gr
    t[idx[1:], idx[:-1]] = -gr
    inv, z = [], []
    prev_inv = prev_z = None
    for i in range(nr):
        s = np.zeros((2 * nc, 2 * nc))
        s[:nc, :nc] = t
        s[idx, idx] += gcell[i]
        s[idx, nc + idx] = -gcell[i]
        s[nc + idx, idx] = -gcell[i]
        s[nc + idx, nc + idx] = gcell[i] + (1.0 if i == 0 else 2.0) * gc
        rhs = np.zeros(2 * nc)
        rhs[0] = gr * v[i]
        if i > 0:
            s[nc:, nc:] -= gc * gc * prev_inv[nc:, nc:]
            rhs[nc:] += gc * (prev_inv @ prev_z)[nc:]
        prev_inv, prev_z = np.linalg.inv(s), rhs
        inv.append(prev_inv[:, nc:])  # the columns that multiply g_c W_i+1 on the way back
        z.append(prev_inv @ rhs)
    x_next = z[-1]
    cur = gcell[-1] * (x_next[:nc] - x_next[nc:])
    for i in range(nr - 2, -1, -1):
        x_i = z[i] + gc * (inv[i] @ x_next[nc:])
        cur = cur + gcell[i] * (x_i[:nc] - x_i[nc:])
        x_next = x_i
    return cur


# ---------------------------------------------------------------------------------------------
# Line relaxation (block Gauss-Seidel), normalised units
# ---------------------------------------------------------------------------------------------


@_jit
def _relax_plane(ga, v, rr, rc, tol, max_sweeps, gat, rgt, rgc, prt, pc, dt, w, cur, out):
    """One sample's plane of `relax_sums`: ga (R, C) the conductances of the conducting cells, v (R,)
    the driver voltages; gat ... cur are scratch. Writes the column currents to out; returns the
    sweeps run."""
    nr, nc = ga.shape
    scale = 0.0
    for j in range(nc):
        s = 0.0
        for i in range(nr):
            s += ga[i, j] * v[i]
        scale = max(scale, s)
    if scale == 0.0:
        out[:] = 0.0
        return 0
    for i in range(nr):
        for j in range(nc):
            gat[j, i] = ga[i, j]
            rgt[j, i] = rr * ga[i, j]
            rgc[i, j] = rc * ga[i, j]
    # Pivots of the row systems (along j) and of the column systems (along i).
    for j in range(nc):
        end = 1.0 if j == nc - 1 else 2.0
        for i in range(nr):
            if j == 0:
                prt[j, i] = 1.0 / (end + rgt[j, i])
            else:
                prt[j, i] = 1.0 / ((end + rgt[j, i]) - prt[j - 1, i])
    for i in range(nr):
        top = 1.0 if i == 0 else 2.0
        for j in range(nc):
            if i == 0:
                pc[i, j] = 1.0 / (top + rgc[i, j])
            else:
                pc[i, j] = 1.0 / ((top + rgc[i, j]) - pc[i - 1, j])
    dt[:] = 0.0
    w[:] = 0.0
    for j in range(nc):
        s = 0.0
        for i in range(nr):
            s += ga[i, j] * v[i]
        cur[j] = s
    sweeps = max_sweeps if (rr > 0 and rc > 0) else 1
    done = 0
    while done < sweeps:
        done += 1
        if rr > 0:
            for j in range(nc):
                for i in range(nr):
                    rhs = rgt[j, i] * (v[i] - w[i, j])
                    if j == 0:
                        dt[j, i] = rhs * prt[j, i]
                    else:
                        dt[j, i] = (rhs + dt[j - 1, i]) * prt[j, i]
            for j in range(nc - 2, -1, -1):
                for i in range(nr):
                    dt[j, i] = dt[j, i] + prt[j, i] * dt[j + 1, i]
        if rc > 0:
            for i in range(nr):
                for j in range(nc):
                    rhs = rgc[i, j] * (v[i] - dt[j, i])
                    if i == 0:
                        w[i, j] = rhs * pc[i, j]
                    else:
                        w[i, j] = (rhs + w[i - 1, j]) * pc[i, j]
            for i in range(nr - 2, -1, -1):
                for j in range(nc):
                    w[i, j] = w[i, j] + pc[i, j] * w[i + 1, j]
            change = 0.0
            for j in range(nc):
                new = w[nr - 1, j] / rc
                change = max(change, abs(new - cur[j]))
                cur[j] = new
            if change <= tol * scale:
                break
        else:
            for j in range(nc):
                s = 0.0
                for i in range(nr):
                    s += gat[j, i] * (v[i] - dt[j, i])
                cur[j] = s
    out[:] = cur
    return done


@_jit
def relax_sums(gcell, x, rho_row, rho_col, gated, tol, max_sweeps):
    """Column currents of every sample's bit plane by line relaxation: (I (B, C) float64, sweeps (B,)).

    gcell (R, C): cell conductances in units of Gmax (access transistor included, `cell_conductance`);
    x (B, R): the input bits (nonzero = active row, driven at V_read); rho_row, rho_col: the wire
    segments' resistances times Gmax; `gated`: inactive rows' cells off (else driven at 0 V). With
    G_ij the conducting cells' conductances (a_i g_ij when gated), v_i the driver voltages (a_i), the
    row drops d_ij = v_i - U_ij and the column voltages W_ij (all in V_read), the nodal equations
    (`nodal_reference`, divided by the segment conductance) are, per row i and per column j,
        -d_i,j-1 + (e_j + rho_row G_ij) d_ij - d_i,j+1 = rho_row G_ij (v_i - W_ij),  d_i,-1 = 0
        -W_i-1,j + (t_i + rho_col G_ij) W_ij - W_i+1,j = rho_col G_ij (v_i - d_ij),  W_R,j = 0
    (e_j = 1 for the last column, else 2; t_i = 1 for the top row, else 2; absent neighbours are
    left out). A sweep solves every row's system exactly for d given W, then every column's for W given
    d (tridiagonal: Thomas's algorithm with pivots p_0 = 1 / b_0, p_k = 1 / (b_k - p_k-1) computed once
    per sample), i.e. block Gauss-Seidel on a symmetric positive definite system, which converges for
    any resistances (its rate is about the product of the row and column drop fractions, so a few
    sweeps at realistic wires). The column current is I_j = W_R-1,j / rho_col; the sweeps stop when
    no I_j changes by more than tol * max_j sum_i G_ij v_i, or after max_sweeps (sweeps[b] ==
    max_sweeps: not converged). A zero resistance makes its lines ideal: one sweep is then exact.
    """
    nb, nr = x.shape
    nc = gcell.shape[1]
    out = np.empty((nb, nc), dtype=np.float64)
    sweeps = np.zeros(nb, dtype=np.int64)
    ga = np.empty((nr, nc), dtype=np.float64)
    v = np.empty(nr, dtype=np.float64)
    gat = np.empty((nc, nr), dtype=np.float64)
    rgt = np.empty((nc, nr), dtype=np.float64)
    rgc = np.empty((nr, nc), dtype=np.float64)
    prt = np.empty((nc, nr), dtype=np.float64)
    pc = np.empty((nr, nc), dtype=np.float64)
    dt = np.empty((nc, nr), dtype=np.float64)
    w = np.empty((nr, nc), dtype=np.float64)
    cur = np.empty(nc, dtype=np.float64)
    rr = np.float64(rho_row)
    rc = np.float64(rho_col)
    for b in range(nb):
        for i in range(nr):
            on = x[b, i] != 0
            v[i] = 1.0 if on else 0.0
            for j in range(nc):
                ga[i, j] = gcell[i, j] if (on or not gated) else 0.0
        sweeps[b] = _relax_plane(ga, v, rr, rc, tol, max_sweeps, gat, rgt, rgc, prt, pc, dt, w, cur, out[b])
    return out, sweeps


def relax_sums_ref(gcell, x, rho_row, rho_col, gated, tol, max_sweeps):
    """NumPy twin of `relax_sums` (the same operations in the same order, vectorised along the lines
    solved together): the same (I, sweeps) bit for bit."""
    gcell = np.asarray(gcell, dtype=np.float64)
    nb, nr = x.shape
    nc = gcell.shape[1]
    out = np.zeros((nb, nc))
    sweeps = np.zeros(nb, dtype=np.int64)
    rr, rc = np.float64(rho_row), np.float64(rho_col)
    for b in range(nb):
        on = x[b] != 0
        v = np.where(on, 1.0, 0.0)
        ga = np.where((on | (not gated))[:, None], gcell, 0.0)
        cur = np.zeros(nc)
        for i in range(nr):
            cur = cur + ga[i] * v[i]
        scale = cur.max()
        if scale == 0.0:
            continue
        gat = ga.T.copy()
        rgt, rgc = rr * gat, rc * ga
        prt, pc = np.empty((nc, nr)), np.empty((nr, nc))
        for j in range(nc):
            end = 1.0 if j == nc - 1 else 2.0
            prt[j] = 1.0 / (end + rgt[j]) if j == 0 else 1.0 / ((end + rgt[j]) - prt[j - 1])
        for i in range(nr):
            top = 1.0 if i == 0 else 2.0
            pc[i] = 1.0 / (top + rgc[i]) if i == 0 else 1.0 / ((top + rgc[i]) - pc[i - 1])
        dt, w = np.zeros((nc, nr)), np.zeros((nr, nc))
        limit = max_sweeps if (rr > 0 and rc > 0) else 1
        done = 0
        while done < limit:
            done += 1
            if rr > 0:
                for j in range(nc):
                    rhs = rgt[j] * (v - w[:, j])
                    dt[j] = rhs * prt[j] if j == 0 else (rhs + dt[j - 1]) * prt[j]
                for j in range(nc - 2, -1, -1):
                    dt[j] = dt[j] + prt[j] * dt[j + 1]
            if rc > 0:
                for i in range(nr):
                    rhs = rgc[i] * (v[i] - dt[:, i])
                    w[i] = rhs * pc[i] if i == 0 else (rhs + w[i - 1]) * pc[i]
                for i in range(nr - 2, -1, -1):
                    w[i] = w[i] + pc[i] * w[i + 1]
                new = w[nr - 1] / rc
                change = np.abs(new - cur).max()
                cur = new
                if change <= tol * scale:
                    break
            else:
                cur = np.zeros(nc)
                for i in range(nr):
                    cur = cur + gat[:, i] * (v[i] - dt[:, i])
        out[b] = cur
        sweeps[b] = done
    return out, sweeps


# ---------------------------------------------------------------------------------------------
# First-order closed form, normalised units
# ---------------------------------------------------------------------------------------------


def first_order_tables(gcell, rho_row) -> tuple[np.ndarray, np.ndarray]:
    """The per-weight-state tables of the closed-form read: (g, h) as float32, with

        h_ij = rho_row * g_ij * sum_m g_im (min(j, m) + 1)

    the first-order loss of an active row's cell (i, j) to its row wire: row segment s (s = 0 from the
    driver) carries sum_{m >= s} g_im, so the row voltage at cell j drops by
    d_ij = rho_row sum_{s <= j} sum_{m >= s} g_im (a prefix sum of suffix sums, O(R C)) and the cell
    loses g_ij d_ij = h_ij. It depends on the row's own cells only (an active row's cells all conduct),
    so it is computed once per weight state, not per input. gcell (R, C) in units of Gmax.
    """
    g = np.asarray(gcell, dtype=np.float64)
    suffix = np.cumsum(g[:, ::-1], axis=1)[:, ::-1]
    h = float(rho_row) * g * np.cumsum(suffix, axis=1)
    return g.astype(_F32), h.astype(_F32)


@_jit(inline="always")
def _gated_rows(p, s, acc, gc, hc, rows, n):
    """The gated pass of `first_order_sums` down one sample's active rows rows[:n] (increasing) on p, s
    and acc (zeroed by the caller): acc += P^2 (t - t_prev), then P += g_t and S += h_t, the rows four
    at a time (one load and store of P, S and acc per four rows; the same float32 operations in the
    same order). Returns the last active row (0 without one). Every loop runs over whole rows of
    gc and hc (contiguous slices, which numba vectorises)."""
    nc = p.shape[0]
    prev = 0
    m = 0
    while m + 4 <= n:
        t1, t2, t3, t4 = rows[m], rows[m + 1], rows[m + 2], rows[m + 3]
        w1, w2 = np.float32(t1 - prev), np.float32(t2 - t1)
        w3, w4 = np.float32(t3 - t2), np.float32(t4 - t3)
        g1, g2, g3, g4 = gc[t1], gc[t2], gc[t3], gc[t4]
        h1, h2, h3, h4 = hc[t1], hc[t2], hc[t3], hc[t4]
        for j in range(nc):
            pj, sj, aj = p[j], s[j], acc[j]
            aj += (pj * pj) * w1
            pj += g1[j]
            sj += h1[j]
            aj += (pj * pj) * w2
            pj += g2[j]
            sj += h2[j]
            aj += (pj * pj) * w3
            pj += g3[j]
            sj += h3[j]
            aj += (pj * pj) * w4
            pj += g4[j]
            sj += h4[j]
            p[j], s[j], acc[j] = pj, sj, aj
        prev = t4
        m += 4
    while m < n:
        t1 = rows[m]
        w1 = np.float32(t1 - prev)
        g1, h1 = gc[t1], hc[t1]
        for j in range(nc):
            pj = p[j]
            acc[j] += (pj * pj) * w1
            p[j] = pj + g1[j]
            s[j] += h1[j]
        prev = t1
        m += 1
    return prev


@_jit(inline="always")
def _open_rows(p, s, acc, q, gc, hc, rows, n):
    """The pass of `first_order_sums` when inactive rows are driven at 0 V (not gated), down every row
    k of gc (rows[:n] the active ones, increasing) on p, s, acc and q (zeroed by the caller): an active
    row adds P += g_k and S += h_k, then every row adds Q += g_k and acc += P Q."""
    nc = p.shape[0]
    m = 0
    for k in range(gc.shape[0]):
        gk = gc[k]
        if m < n and rows[m] == k:
            hk = hc[k]
            for j in range(nc):
                p[j] += gk[j]
                s[j] += hk[j]
            m += 1
        for j in range(nc):
            q[j] += gk[j]
            acc[j] += p[j] * q[j]


@_jit(inline="always", error_model="numpy")
def _closed_form(out, p, s, acc, last, gated, rc, resum):
    """The closed form of `first_order_sums` from a sample's sums: when gated, acc += P^2 last (the
    rows below the last active one carry P); D = S + rho_col acc; out = P - D, or resummed
    P / (1 + D / P) (0 where P = 0: computed everywhere and selected, so the loop has no branch and
    vectorises)."""
    one, zero = np.float32(1.0), np.float32(0.0)
    for j in range(p.shape[0]):
        pj = p[j]
        aj = acc[j] + (pj * pj) * last if gated else acc[j]
        d = s[j] + rc * aj
        if resum:
            v = pj / (one + d / pj)
            out[j] = v if pj > zero else zero
        else:
            out[j] = pj - d


@_jit(error_model="numpy")  # an IEEE division (no zero check): the loops vectorise
def first_order_sums(gc, hc, x, rho_col, gated, resum):
    """Closed-form column currents of every sample's bit plane (B, C), float32, units Gmax * V_read.

    With the zeroth-order cell currents a_i g_ij (every cell at the full V_read), a row's voltage at
    cell (i, j) drops by d_ij = h_ij / g_ij (`first_order_tables`) and a column's voltage at row i
    rises by W_ij = rho_col sum_{k >= i} P_j(k), P_j(k) = sum_{m <= k} a_m g_mj the current of column
    segment k (below row k). To first order in rho (products of drops neglected) the sensed current
    I_j = sum_i a_i g_ij (1 - d_ij - W_ij) (- sum_i (1 - a_i) g_ij W_ij when not gated) is
        I_j = I0_j - D_j,   I0_j = sum_i a_i g_ij,   D_j = sum_i a_i h_ij + rho_col sum_k P_j(k) Q_j(k)
    with Q = P when gated (since sum_i a_i g_ij sum_{k >= i} P(k) = sum_k P(k)^2: the column wire's
    dissipated power over V_read^2) and Q_j(k) = sum_{m <= k} g_mj when inactive rows are driven at 0 V.
    `resum` returns instead I_j = I0_j / (1 + D_j / I0_j), which agrees with it to first order, is exact
    for a single conducting cell (G V / (1 + G R_path)) and is about ten times closer to the nodal
    solution (its error is of third order in the drop, the first order's of second order).
    One pass down the active rows t_1 < t_2 < ... of a sample (P, S, acc = 0, t_0 = 0): when gated,
    acc += P^2 (t - t_prev) (the rows t_prev .. t - 1 carry P), then P += g_t and S += h_t, and at the
    end acc += P^2 (R - t_last); when not gated every row k adds P Q(k) instead. Then D = S + rho_col acc
    and I0 = P. The active rows are taken four at a time (one load and store of P, S and acc per four
    rows; the same float32 operations in the same order). gc, hc (R, C) float32 from
    `first_order_tables`, x (B, R) input bits, rho_col float32. With rho = 0 both forms return I0,
    `kernels.bitserial_sums_ref`'s psum bit for bit when gc is g (the same float32 additions, rows in
    increasing order).
    """
    nb, nr = x.shape
    nc = gc.shape[1]
    out = np.empty((nb, nc), dtype=np.float32)
    p = np.empty(nc, dtype=np.float32)
    q = np.empty(nc, dtype=np.float32)
    s = np.empty(nc, dtype=np.float32)
    acc = np.empty(nc, dtype=np.float32)
    rows = np.empty(nr, dtype=np.int64)
    rc = np.float32(rho_col)
    for b in range(nb):
        n = 0
        for k in range(nr):  # branch-free: the slot is overwritten until an active row keeps it
            rows[n] = k
            n += x[b, k] != 0
        p[:] = 0.0
        s[:] = 0.0
        acc[:] = 0.0
        last = np.float32(0.0)
        if gated:
            last = np.float32(nr - _gated_rows(p, s, acc, gc, hc, rows, n))
        else:
            q[:] = 0.0
            _open_rows(p, s, acc, q, gc, hc, rows, n)
        _closed_form(out[b], p, s, acc, last, gated, rc, resum)
    return out


def first_order_sums_ref(gc, hc, x, rho_col, gated, resum):
    """NumPy twin of `first_order_sums` (vectorised over the batch): the same result bit for bit."""
    nb, nr = x.shape
    nc = gc.shape[1]
    p = np.zeros((nb, nc), dtype=_F32)
    s = np.zeros((nb, nc), dtype=_F32)
    acc = np.zeros((nb, nc), dtype=_F32)
    if gated:
        prev = np.zeros(nb, dtype=np.int64)
        for k in range(nr):
            on = x[:, k] != 0
            acc[on] += (p[on] * p[on]) * (k - prev[on]).astype(_F32)[:, None]
            p[on] += gc[k]
            s[on] += hc[k]
            prev[on] = k
        acc += (p * p) * (nr - prev).astype(_F32)[:, None]
    else:
        q = np.zeros(nc, dtype=_F32)
        for k in range(nr):
            on = x[:, k] != 0
            p[on] += gc[k]
            s[on] += hc[k]
            q += gc[k]
            acc += p * q
    d = s + _F32(rho_col) * acc
    if not resum:
        return p - d
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p / (_F32(1.0) + d / p), _F32(0.0)).astype(_F32)


# ---------------------------------------------------------------------------------------------
# Entry point of the read kernel
# ---------------------------------------------------------------------------------------------


class Prepared(NamedTuple):
    """One subarray's weight state made ready for its reads (`prepare`)."""

    gcell: np.ndarray  # (R, C [+1]) float64, units of Gmax, access transistor included
    gc32: np.ndarray  # (R, C [+1]) float32, closed-form table g
    h32: np.ndarray  # (R, C [+1]) float32, closed-form table h (the row wire's first-order loss)
    rho_row: float
    rho_col: float
    gated: bool
    cols: int  # the weight columns (the reference column, if any, is the last one after them)
    has_ref: bool


METHODS = ("resummed", "first_order", "relax")
"""`read`'s methods: the two closed forms of `first_order_sums` and the converged `relax_sums`."""


def prepare(g, circuit: ReadCircuit, g_ref=None) -> Prepared:
    """Ready one subarray's conductances g (R, C), units of Gmax, for `read`: once per weight state.

    The reference column (g_ref in every row, a number or one value per row, units of Gmax) is one
    more column of the same array, placed after the C weight columns (the farthest from the row
    drivers), so it sees the rows' drops as a weight column there would. The access transistor enters
    every cell, `cell_conductance`. g is the physical subarray: a layer's ragged edge block should be
    padded to the subarray's rows and columns (the unused cells at their conductance, their inputs 0),
    since the unused cells and wire segments still carry or pass the active rows' currents.
    """
    g = np.asarray(g, dtype=_F32)
    if g.ndim != 2 or g.shape[0] < 1 or g.shape[1] < 1:
        raise ValueError(f"conductances must be a (rows, cols) array, got shape {g.shape}")
    cols = g.shape[1]
    if g_ref is not None:
        ref = np.broadcast_to(np.asarray(g_ref, dtype=_F32), (g.shape[0],))
        g = np.concatenate([g, ref[:, None]], axis=1)
    gcell = cell_conductance(g, circuit.rho_access)
    gc32, h32 = first_order_tables(gcell, circuit.rho_row)
    return Prepared(gcell, gc32, h32, circuit.rho_row, circuit.rho_col, bool(circuit.gated), cols, g_ref is not None)


def read(prep: Prepared, x_bits, *, method: str = "resummed", tol: float = 1e-10, max_sweeps: int = 10_000):
    """Degraded column currents of one subarray's bit-plane reads: (sums, ref), units Gmax * V_read.

    x_bits (..., R): the input bits of the plane(s) (B x R for one plane of a batch; any leading
    shape, e.g. planes x B x R); nonzero = the row is driven. Returns sums (..., C) float32 in place of
    `kernels.bitserial_sums_ref`'s psum, and ref (...) float32, the reference column's current in
    place of g_ref * count (None without a reference column). `method`: "resummed" or "first_order"
    (the closed forms of `first_order_sums`) or "relax" (the nodal solution to tol, `relax_sums`;
    RuntimeError if a plane needs more than max_sweeps).
    """
    if method not in METHODS:
        raise ValueError(f"unknown IR-drop method {method!r}; use one of {', '.join(METHODS)}")
    x = np.asarray(x_bits)
    nr = prep.gcell.shape[0]
    if x.ndim < 1 or x.shape[-1] != nr:
        raise ValueError(f"input bits of shape {x.shape} for a subarray of {nr} rows")
    lead = x.shape[:-1]
    x2 = np.ascontiguousarray((x != 0).reshape(-1, nr), dtype=np.uint8)
    if method == "relax":
        cur, sweeps = relax_sums(prep.gcell, x2, prep.rho_row, prep.rho_col, prep.gated, tol, max_sweeps)
        if sweeps.size and sweeps.max() >= max_sweeps and prep.rho_row > 0 and prep.rho_col > 0:
            raise RuntimeError(f"IR-drop relaxation did not converge in {max_sweeps} sweeps (wires too resistive)")
        out = cur.astype(_F32)
    else:
        out = first_order_sums(prep.gc32, prep.h32, x2, _F32(prep.rho_col), prep.gated, method == "resummed")
    sums = out[:, : prep.cols].reshape(*lead, prep.cols)
    ref = out[:, prep.cols].reshape(lead) if prep.has_ref else None
    return sums, ref


def degraded_sums(g, x_bits, circuit: ReadCircuit, *, g_ref=None, method="resummed", **options):
    """`read(prepare(g, circuit, g_ref), x_bits, method=method, **options)`: one call for one read."""
    return read(prepare(g, circuit, g_ref), x_bits, method=method, **options)


def read_energy_j(sums, circuit: ReadCircuit, read_pulse_s: float, ref=None) -> float:
    """Energy drawn from the row drivers by the read(s) whose column currents are `sums` (units of
    Gmax * V_read, any shape; `ref` the reference column's, if read):
        E = V_read * (sum_j I_j) * t_read = V_read^2 * Gmax * t_read * sum_j sums_j
    (every driver current reaches a virtual ground, so the drivers' current is the columns'; this
    counts the cells' and the wires' dissipation). The IR drop lowers it in proportion to the current it
    takes away: E / E_ideal = sum_j sums_j / sum_j ideal_j."""
    total = float(np.sum(sums, dtype=np.float64)) + (float(np.sum(ref, dtype=np.float64)) if ref is not None else 0.0)
    return circuit.v_read_v**2 * circuit.g_max_s * float(read_pulse_s) * total


# ---------------------------------------------------------------------------------------------
# The training read: every column-subarray of a row-subarray in one pass
# ---------------------------------------------------------------------------------------------


@_jit(error_model="numpy")  # an IEEE division (no zero check): the loops vectorise
def _row_tables(g, r0, rows_per_sub, cols_per_sub, g_ref, g_unused, rho_access, rho_row, gc, hc):
    """`prepare`'s closed-form tables of every column-subarray of row-subarray r0 / rows_per_sub of a
    layer's conductances g (R, C), side by side, written to gc and hc, each (rows_per_sub, C + nj)
    float32: the layer's C weight columns in order, then the nj reference columns.

    Each column-subarray j is the physical subarray `subarray_sums` describes: rows_per_sub rows of
    cols_per_sub cells (g; beyond the layer's edge g_unused, as float32) and its reference column
    (g_ref, as float32) after them. Every row of it is worked as `prepare` works it, in float64 with
    the same operations in the same order: G = g / (1 + rho_access g) (`cell_conductance`), the
    suffix sums from the reference column back to the driver, their prefix sums, h = (rho_row G) x
    prefix (`first_order_tables`), then rounded to float32. Only the columns a read reports are
    kept: the padded cells load the row wire (they enter h of the others) but their own currents are
    never used. The rows past the layer's edge are alike: the first is worked, the others copy it.
    Four rows are worked at a time, their running sums side by side (each row's own additions in
    its own order: four independent chains the processor overlaps)."""
    nr, nc = g.shape
    cs = cols_per_sub
    nj = (nc + cs - 1) // cs
    cell = np.empty((4, cs + 1))
    cum = np.empty((4, cs + 1))
    unused = np.float64(np.float32(g_unused))
    ref = np.float64(np.float32(g_ref))
    real = min(rows_per_sub, nr - r0)
    worked = min(real + 1, rows_per_sub)  # the real rows and the first past the edge
    for i0 in range(0, worked, 4):  # four rows at a time: four independent chains of sums
        for j in range(nj):
            c0 = j * cs
            width = min(cs, nc - c0)
            for r in range(4):
                row = cell[r]
                if i0 + r < real:
                    for m in range(width):
                        row[m] = np.float64(np.float32(g[r0 + i0 + r, c0 + m]))
                    row[width:cs] = unused
                else:
                    row[:cs] = unused
                row[cs] = ref
                for m in range(cs + 1):
                    row[m] = row[m] / (1.0 + rho_access * row[m])
            c_0, c_1, c_2, c_3 = cell[0], cell[1], cell[2], cell[3]
            u_0, u_1, u_2, u_3 = cum[0], cum[1], cum[2], cum[3]
            a0, a1, a2, a3 = c_0[cs], c_1[cs], c_2[cs], c_3[cs]
            u_0[cs], u_1[cs], u_2[cs], u_3[cs] = a0, a1, a2, a3
            for m in range(cs - 1, -1, -1):
                a0 = a0 + c_0[m]
                a1 = a1 + c_1[m]
                a2 = a2 + c_2[m]
                a3 = a3 + c_3[m]
                u_0[m], u_1[m], u_2[m], u_3[m] = a0, a1, a2, a3
            a0, a1, a2, a3 = u_0[0], u_1[0], u_2[0], u_3[0]
            for m in range(1, cs + 1):
                a0 = a0 + u_0[m]
                a1 = a1 + u_1[m]
                a2 = a2 + u_2[m]
                a3 = a3 + u_3[m]
                u_0[m], u_1[m], u_2[m], u_3[m] = a0, a1, a2, a3
            for r in range(min(4, worked - i0)):
                i = i0 + r
                row, pre = cell[r], cum[r]
                for m in range(width):
                    gc[i, c0 + m] = np.float32(row[m])
                    hc[i, c0 + m] = np.float32((rho_row * row[m]) * pre[m])
                gc[i, nc + j] = np.float32(row[cs])
                hc[i, nc + j] = np.float32((rho_row * row[cs]) * pre[cs])
    for i in range(worked, rows_per_sub):  # past the edge every row is the first one's
        gc[i] = gc[real]
        hc[i] = hc[real]


@_jit(inline="always", error_model="numpy")
def _sample_sums(psum, ref, k, b, gc, hc, rows, n, gated, rc, p, s, acc, q, res):
    """Bit plane k of sample b: the resummed closed form (`first_order_sums`) of every column of the
    tables gc, hc (`_row_tables`) given the plane's active rows rows[:n], written to psum[k, :, b]
    (each column-subarray's columns, the padded ones 0) and ref[k, :, b] (its reference column):
    every element, so psum and ref may hold an earlier read's values."""
    nj, cs = psum.shape[1], psum.shape[3]
    nc = p.shape[0] - nj
    if n == 0:  # no current: every column reads 0
        psum[k, :, b] = 0.0
        ref[k, :, b] = 0.0
        return
    p[:] = 0.0
    s[:] = 0.0
    acc[:] = 0.0
    last = np.float32(0.0)
    if gated:
        last = np.float32(gc.shape[0] - _gated_rows(p, s, acc, gc, hc, rows, n))
    else:
        q[:] = 0.0
        _open_rows(p, s, acc, q, gc, hc, rows, n)
    _closed_form(res, p, s, acc, last, gated, rc, True)
    for j in range(nj):
        c0 = j * cs
        width = min(cs, nc - c0)
        psum[k, j, b, :width] = res[c0 : c0 + width]
        psum[k, j, b, width:] = 0.0
        ref[k, j, b] = res[nc + j]


@_jit(error_model="numpy")
def _sums_of_planes(gc, hc, planes, r0, real, rho_col, gated, psum, ref):
    """`subarray_sums` from its tables (`_row_tables`) into psum, ref: planes (P, B, R) uint8 a layer's
    input bits, the row-subarray its rows r0 .. r0 + real - 1."""
    nplanes, nb = planes.shape[0], planes.shape[1]
    work = np.empty((5, gc.shape[1]), dtype=np.float32)  # p, s, acc, q, res of `_sample_sums`
    rows = np.empty(gc.shape[0], dtype=np.int64)
    rc = np.float32(rho_col)
    for k in range(nplanes):
        for b in range(nb):
            n = 0
            for i in range(real):  # branch-free: the slot is overwritten until an active row keeps it
                rows[n] = i
                n += planes[k, b, r0 + i] != 0
            _sample_sums(psum, ref, k, b, gc, hc, rows, n, gated, rc, work[0], work[1], work[2], work[3], work[4])


@_jit(error_model="numpy")
def _sums_of_ints(gc, hc, x_int, bits, signed, r0, real, rho_col, gated, psum, ref):
    """`bitserial_subarray_sums` from its tables (`_row_tables`) into psum, ref: x_int (B, R) a layer's
    integer inputs, their bit planes (`kernels.bit_planes`) listed for each sample in one pass over the
    row-subarray's rows r0 .. r0 + real - 1."""
    nb = x_int.shape[0]
    mag_bits = bits - 1 if signed else bits
    nplanes = psum.shape[0]
    work = np.empty((5, gc.shape[1]), dtype=np.float32)  # p, s, acc, q, res of `_sample_sums`
    rows = np.empty((nplanes, gc.shape[0]), dtype=np.int64)
    count = np.empty(nplanes, dtype=np.int64)
    rc = np.float32(rho_col)
    for b in range(nb):
        count[:] = 0
        for i in range(real):
            x = np.int64(x_int[b, r0 + i])
            if x == 0:
                continue
            first = 0
            if signed and x < 0:  # sign-magnitude: |x|'s bits in the negative phase's planes
                x = -x
                first = mag_bits
            for k in range(mag_bits):  # branch-free: the slot is overwritten until a set bit keeps it
                rows[first + k, count[first + k]] = i
                count[first + k] += (x >> k) & 1
        for k in range(nplanes):
            _sample_sums(
                psum, ref, k, b, gc, hc, rows[k], count[k], gated, rc, work[0], work[1], work[2], work[3], work[4]
            )


def _row_subarray(inputs, g, s, rows_per_sub, cols_per_sub, g_ref, g_unused, circuit, tables=None):
    """Row-subarray s's tables (`_row_tables`, into `tables` (gc, hc) when given: an earlier call's, of
    the same layer and read) and its rows of g, r0 .. r0 + real - 1: (gc, hc, r0, real). `inputs`
    (..., R) are the read's, checked against g (R, C)."""
    g = np.asarray(g)
    if g.ndim != 2 or inputs.shape[-1] != g.shape[0] or not 0 <= s * rows_per_sub < g.shape[0]:
        raise ValueError(
            f"inputs of shape {inputs.shape} for conductances of shape {g.shape}, "
            f"row-subarray {s} of {rows_per_sub} rows"
        )
    r0 = s * rows_per_sub
    if tables is None:
        width = g.shape[1] + -(-g.shape[1] // cols_per_sub)
        tables = np.empty((rows_per_sub, width), dtype=_F32), np.empty((rows_per_sub, width), dtype=_F32)
    gc, hc = tables
    _row_tables(
        g, r0, rows_per_sub, cols_per_sub, float(g_ref), float(g_unused), float(circuit.rho_access),
        float(circuit.rho_row), gc, hc,
    )  # fmt: skip
    return gc, hc, r0, min(rows_per_sub, g.shape[0] - r0)


def _outputs(nplanes: int, nbatch: int, cols: int, cols_per_sub: int):
    """(psum (planes, nj, B, cs), ref (planes, nj, B)) float32, unset: the kernels write every element."""
    nj = -(-cols // cols_per_sub)
    return np.empty((nplanes, nj, nbatch, cols_per_sub), dtype=_F32), np.empty((nplanes, nj, nbatch), dtype=_F32)


def subarray_sums(planes, g, g_ref: float, g_unused: float, s: int, rows_per_sub: int, cols_per_sub: int, circuit):
    """Row-subarray s of a layer read through resistive wires, laid out for `kernels.mvm_from_sums`:
    (psum (planes, nj, B, cs), ref (planes, nj, B)), units of Gmax * V_read, float32.

    `planes` (P, B, R) are the read's input bits (`kernels.bit_planes`), g (R, C) the layer's
    conductances (units of Gmax), g_ref the reference column's. Every column-subarray j is one physical
    subarray of rows_per_sub x cols_per_sub cells with its own reference column after its weight
    columns; a ragged edge block is padded to that size with unused cells at `g_unused` (unprogrammed,
    Gmin) and undriven rows, which still load the wires. Each is read with the resummed closed form
    (`first_order_sums`); the sums of the padded columns are left at zero. The result is that of
    `read(prepare(block, circuit, g_ref), bits)` for every padded block, bit for bit, computed for
    every column-subarray at once (`_row_tables`, `_sums_of_planes`).
    """
    planes = np.ascontiguousarray(planes, dtype=np.uint8)
    if planes.ndim != 3:
        raise ValueError(f"input bit planes must be a (planes, batch, rows) array, got shape {planes.shape}")
    gc, hc, r0, real = _row_subarray(planes, g, s, rows_per_sub, cols_per_sub, g_ref, g_unused, circuit)
    psum, ref = _outputs(planes.shape[0], planes.shape[1], np.shape(g)[1], cols_per_sub)
    _sums_of_planes(gc, hc, planes, r0, real, _F32(circuit.rho_col), bool(circuit.gated), psum, ref)
    return psum, ref


def bitserial_subarray_sums(
    x_int, bits: int, signed: bool, g, g_ref: float, g_unused: float, s: int, rows_per_sub: int, cols_per_sub: int,
    circuit, *, reuse=None,
):  # fmt: skip
    """`subarray_sums(kernels.bit_planes(x_int, bits, signed), g, ...)`, bit for bit, from the integer
    inputs x_int (B, R) themselves (no planes array: each sample's rows are split into its planes'
    lists in one pass, as `kernels.bitserial_mvm` does). `reuse`: a dict kept between the calls of one
    read (the same x_int, g and settings, another s), whose arrays this call overwrites (the tables and
    the returned psum and ref: a read consumes each row-subarray's sums before it asks for the next)."""
    x_int = np.asarray(x_int)
    if x_int.ndim != 2:
        raise ValueError(f"integer inputs must be a (batch, rows) array, got shape {x_int.shape}")
    reuse = {} if reuse is None else reuse
    gc, hc, r0, real = _row_subarray(
        x_int, g, s, rows_per_sub, cols_per_sub, g_ref, g_unused, circuit, reuse.get("tables")
    )
    if "out" not in reuse:
        reuse["tables"] = gc, hc
        reuse["out"] = _outputs(2 * (bits - 1) if signed else bits, x_int.shape[0], g.shape[1], cols_per_sub)
    psum, ref = reuse["out"]
    _sums_of_ints(
        gc, hc, x_int, int(bits), bool(signed), r0, real, _F32(circuit.rho_col), bool(circuit.gated), psum, ref
    )
    return psum, ref


def bitserial_sums_of(
    x_int, bits: int, signed: bool, g, g_ref: float, g_unused: float, rows_per_sub: int, cols_per_sub: int, circuit
):
    """`kernels.mvm_from_sums`'s `sums_of` for one read through resistive wires: s ->
    `bitserial_subarray_sums(x_int, bits, signed, g, g_ref, g_unused, s, ...)`, every call into the same
    arrays (each call overwrites the sums the previous one returned)."""
    reuse = {}
    return lambda s: bitserial_subarray_sums(
        x_int, bits, signed, g, g_ref, g_unused, s, rows_per_sub, cols_per_sub, circuit, reuse=reuse
    )
