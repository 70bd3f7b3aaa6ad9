"""Synaptic devices: weights stored as conductances and changed by programming pulses.

Each weight is one RRAM cell whose conductance G lies in [Gmin, Gmax] (Gmin = Gmax / on-off
ratio); a signed weight is read against a reference column at the mid conductance. Programming
moves a cell along a nonlinear, saturating curve, one pulse at a time, with cycle-to-cycle noise
per pulse; cells also differ from each other (device-to-device) and may relax over time.

The curve comes from one of two models behind one interface (`program(g, pulses, noise)`, chosen
once per array): NeuroSim's parametric curve (`ParametricCurve`: an exponential fixed by an NL label,
Gaussian C2C noise of a fixed sigma), or a device's measured conductance-versus-pulse sweeps
(`MeasuredCurve`, from a curve table: the mean curve over cycles, and the spread over cycles of each
step). `parametric_table` writes the parametric model as such a table; `fit_curve` fits the
parametric model to one.
"""

from __future__ import annotations

import math

import attrs
import numpy as np

from cyclesim import kernels, tech

_F32 = np.float32
NL_LINEAR = 1e-12
"""Nonlinearity labels below this are linear (NL = 0). Configured labels are 0 or >= 0.01
(`tech.DEVICE_LIMITS`); only a cell's D2D draw can land in between."""


def _a_norm_table() -> tuple[np.ndarray, np.ndarray]:
    nl, a = tech.nonlinearity()  # checked: positive, finite, nl increasing (TechError naming the file)
    return np.log(np.array(nl)), np.log(np.array(a))


def a_norm(nl) -> np.ndarray:
    """Normalised curve constant A / Pmax for a nonlinearity label NL (0 means linear: returns 0).

    Interpolates log(A_norm) linearly in log(NL) through NeuroSim's published table
    (tech/nonlinearity.toml); beyond the table the end slopes are extended.
    """
    x, y = _a_norm_table()
    nl = np.asarray(nl, dtype=np.float64)
    out = np.zeros(nl.shape)
    pos = nl > 0
    lx = np.log(nl[pos])
    inner = np.interp(lx, x, y)
    lo_slope = (y[1] - y[0]) / (x[1] - x[0])
    hi_slope = (y[-1] - y[-2]) / (x[-1] - x[-2])
    inner = np.where(lx < x[0], y[0] + (lx - x[0]) * lo_slope, inner)
    inner = np.where(lx > x[-1], y[-1] + (lx - x[-1]) * hi_slope, inner)
    out[pos] = np.exp(inner)
    return out


def ltp_curve(pulses, nl: float, pmax: int) -> np.ndarray:
    """Normalised conductance after P potentiating pulses from Gmin: g(P) = B (1 - e^(-P/A)).

    A = A_norm(NL) * Pmax and B = 1 / (1 - e^(-Pmax/A)), so g(0) = 0 and g(Pmax) = 1.
    """
    p = np.asarray(pulses, dtype=np.float64)
    if nl <= 0:
        return p / pmax
    a = float(a_norm(nl)) * pmax
    return (1.0 - np.exp(-p / a)) / (1.0 - np.exp(-pmax / a))


class ParametricCurve:
    """NeuroSim's parametric update: per-cell curve constants A (`a_ltp`, `a_ltd`, in pulses; 0: linear)
    over `pmax` pulses and a C2C sigma `c2c` per pulse (the equations: `kernels.pulse_update`)."""

    def __init__(self, a_ltp: np.ndarray, a_ltd: np.ndarray, pmax: int, c2c: float):
        self.a_ltp, self.a_ltd, self.pmax, self.c2c = a_ltp, a_ltd, pmax, c2c

    @property
    def noisy(self) -> bool:
        """Whether programming draws C2C noise (one standard normal per programmed cell)."""
        return self.c2c > 0

    def program(self, g: np.ndarray, pulses: np.ndarray, noise: np.ndarray) -> None:
        kernels.pulse_update(g, pulses, self.a_ltp, self.a_ltd, _F32(self.pmax), noise, _F32(self.c2c))


class MeasuredCurve:
    """A measured update: the mean curve and step spread of a curve table (`tech.CurveTable`).

    Conductances are normalised by the table's extremes, g = (G - Gmin) / (Gmax - Gmin). Per
    direction the mean over cycles gives the curve c[p] at table pulse p (for LTD mirrored,
    1 - g), and the standard deviation over cycles of the step from p to p + 1 (ddof 1; 0 with one
    cycle) its spread sigma[p], at c[p]. A chip pulse is k = (levels - 1) / pmax table pulses (pmax:
    the pulses that span the weight range, as in the parametric model, so a table of 2^weight levels
    has k = 1), so n chip pulses at y move the cell to

        y' = C(C^-1(y) + k |n|) + sigma(y) sqrt(k |n|) z,

    C the mean curve interpolated linearly between table pulses, sigma likewise at C^-1(y), z one
    standard normal per programmed cell: the random-number stream of `ParametricCurve` (the kernel:
    `kernels.table_pulse_update`). The k table pulses of one chip pulse are taken as independent, so
    their spread adds as sqrt(k). Without `nonlinear` both mean curves are straight lines from 0 to 1
    over the LTP sweep's pulses, so g moves by n / pmax (the parametric model's linear device), with the
    spread the table has at that conductance; without `c2c`, or with a table of one cycle, nothing is
    drawn.
    """

    def __init__(self, ltp, ltd, spread_ltp, spread_ltd, table_pulses: float, noisy: bool):
        self.ltp, self.ltd = ltp, ltd
        self.spread_ltp, self.spread_ltd = spread_ltp, spread_ltd
        self.table_pulses, self.noisy = table_pulses, noisy

    @classmethod
    def from_table(cls, table: tech.CurveTable, pmax: int, *, nonlinear: bool = True, c2c: bool = True):
        k = (table.levels - 1) / pmax
        curves, spreads = [], []
        for sweeps, sign in ((table.ltp_s, 1.0), (table.ltd_s, -1.0)):
            curve, spread = normalised_curve(table, sweeps, sign)
            if not nonlinear:  # a straight line from 0 to 1 over as many table pulses as the LTP sweep
                line = np.linspace(0.0, 1.0, table.levels)
                spread, curve = np.interp(line, curve, spread), line
            spreads.append(spread * math.sqrt(k) if c2c else np.zeros_like(spread))
            curves.append(curve)
        return cls(curves[0], curves[1], spreads[0], spreads[1], k, c2c and max(s.max() for s in spreads) > 0)

    def program(self, g: np.ndarray, pulses: np.ndarray, noise: np.ndarray) -> None:
        kernels.table_pulse_update(
            g, pulses, self.ltp, self.ltd, self.spread_ltp, self.spread_ltd, self.table_pulses, noise, self.noisy
        )


def step_spread(table: tech.CurveTable, sweeps: np.ndarray) -> np.ndarray:
    """sigma[p] (p = 0..P-1) of one direction's sweeps (cycles x pulses + 1, siemens): the standard
    deviation over cycles (ddof 1) of the step (G[c, p + 1] - G[c, p]) / (Gmax - Gmin); 0 with one cycle."""
    steps = np.diff(sweeps, axis=1) / (table.gmax_s - table.gmin_s)
    return steps.std(axis=0, ddof=1) if sweeps.shape[0] > 1 else np.zeros(steps.shape[1])


def normalised_curve(table: tech.CurveTable, sweeps: np.ndarray, sign: float) -> tuple[np.ndarray, np.ndarray]:
    """One direction of a table (`sweeps`: cycles x pulses + 1, siemens; `sign` +1 for LTP, -1 for LTD)
    as its mean curve y[p] and step spread sigma[p] (p = 0..P), in units of Gmax - Gmin:
    y = (mean G - Gmin) / (Gmax - Gmin) for LTP, 1 - that for LTD (both then rise); sigma from
    `step_spread` at p < P, held at the end (sigma[P] = sigma[P - 1])."""
    g = (sweeps.mean(axis=0) - table.gmin_s) / (table.gmax_s - table.gmin_s)
    sigma = step_spread(table, sweeps)
    return (g if sign > 0 else 1.0 - g), np.append(sigma, sigma[-1])


class CellArray:
    """The conductances of one weight matrix on the crossbar (rows = inputs, columns = outputs).

    State `g` is normalised: G = Gmin + (Gmax - Gmin) * g * gain, with g in [0, 1] and `gain` the
    cell's device-to-device spread of Gmax. The weight the array computes with is
    w = (G - Gref) * 2 / (Gmax - Gmin) = 2 g gain - 1, with Gref = (Gmin + Gmax) / 2. `curve` is the
    update model, chosen once: the device's curve table (`MeasuredCurve`) when it has one, else the
    parametric curve (`ParametricCurve`).
    """

    def __init__(self, w0, levels, device, rng, *, nonlinear=True, c2c=True, d2d=True, on_off=True):
        w0 = np.asarray(w0, dtype=np.float64)
        self.pmax = levels - 1
        # Initial programming with write-verify: the nearest of the `levels` nominal states.
        self.g = (np.rint((np.clip(w0, -1.0, 1.0) + 1.0) / 2.0 * self.pmax) / self.pmax).astype(_F32)
        shape = self.g.shape
        self.gmin = (1.0 / device.on_off_ratio) if on_off else 0.0
        self.gain = None
        if d2d and device.d2d > 0:
            self.gain = np.maximum(1.0 + device.d2d * rng.standard_normal(shape), 0.0).astype(_F32)
        self.curve = self._update_model(device, shape, rng, nonlinear=nonlinear, c2c=c2c, d2d=d2d)

    def _update_model(self, device, shape, rng, *, nonlinear, c2c, d2d) -> ParametricCurve | MeasuredCurve:
        """The array's update model, chosen once: the device's curve table, else the parametric curve
        (with NeuroSim's D2D of NL drawn per cell, after the Gmax spread)."""
        if device.curve is not None:
            return MeasuredCurve.from_table(tech.load_curve(device.curve), self.pmax, nonlinear=nonlinear, c2c=c2c)
        if nonlinear:
            spread = device.nl_d2d if d2d else 0.0
            a_ltp = self._curve_a(device.nl_ltp, spread, shape, rng)
            a_ltd = self._curve_a(device.nl_ltd, spread, shape, rng)
        else:
            a_ltp = a_ltd = np.zeros(shape, dtype=_F32)
        return ParametricCurve(a_ltp, a_ltd, self.pmax, device.c2c if c2c else 0.0)

    def _curve_a(self, nl, spread, shape, rng) -> np.ndarray:
        """Per-cell curve constant A (pulses): NL drawn per cell with sigma `spread` (NeuroSim's D2D).

        A cell drawn below NL_LINEAR is linear (A = 0): its curve is a straight line to within 1e-12
        anyway, and A would grow past float range (a division by zero in the pulse update)."""
        if spread > 0:
            nl = np.maximum(nl + spread * rng.standard_normal(shape), 0.0)
            nl[nl < NL_LINEAR] = 0.0
            return (a_norm(nl) * self.pmax).astype(_F32)
        return np.full(shape, float(a_norm(nl)) * self.pmax, dtype=_F32)

    @property
    def g_ref(self) -> float:
        """Reference-column conductance (units of Gmax): midway between Gmin and Gmax."""
        return self.gmin + (1.0 - self.gmin) * 0.5

    @property
    def weight_per_conductance(self) -> float:
        """Factor from (G - Gref) in units of Gmax to weight units: 2 / (1 - Gmin/Gmax)."""
        return 2.0 / (1.0 - self.gmin)

    def conductance(self) -> np.ndarray:
        """Read conductances G / Gmax = Gmin + (1 - Gmin) g gain (float32, rows x columns; one new
        array, formed in place)."""
        out = self.g * _F32(1.0 - self.gmin) if self.gain is None else self.g * self.gain
        if self.gain is not None:
            out *= _F32(1.0 - self.gmin)
        out += _F32(self.gmin)
        return out

    def weights(self) -> np.ndarray:
        """Effective weights 2 g gain - 1 that an exact read of the array computes with (float32, one
        new array)."""
        out = self.g * _F32(2.0) if self.gain is None else self.g * self.gain
        if self.gain is not None:
            out *= _F32(2.0)
        out -= _F32(1.0)
        return out

    def program(self, pulses, rng) -> None:
        """Apply signed pulse counts (positive = potentiate) to every cell, in place, through the
        array's update model; one standard normal per programmed cell when it is noisy."""
        programmed = int(np.count_nonzero(pulses)) if self.curve.noisy else 0
        noise = rng.standard_normal(programmed, dtype=_F32)  # one draw per programmed cell
        self.curve.program(self.g, pulses, noise)

    def relax(self, interval_s: float, tau_s: float) -> None:
        """Retention loss over `interval_s`: g <- g exp(-interval / tau) (drift towards Gmin)."""
        self.g *= _F32(np.exp(-interval_s / tau_s))


# ------------------------------------------------------------------------ tables of the model


def parametric_table(device, *, cycles: int = 20, seed: int = 0, file: str = "parametric") -> tech.CurveTable:
    """The parametric model of `device` measured as a curve table would measure a real device.

    Each of `cycles` cycles is an LTP sweep of P = levels - 1 pulses from Gmin and an LTD sweep of P
    pulses from Gmax (each sweep started by a write-verified reset to its end state), one pulse at a
    time through `kernels.pulse_update` with the device's NL (A = A_norm(NL) P) and C2C noise (one
    standard normal per cycle and pulse from `seed`), as `CellArray` programs a cell of float32 state:
    G = Gmin + (Gmax - Gmin) g with Gmax = 1 / R_on and Gmin = Gmax / on-off. D2D is not drawn (one
    device). The table is checked as a file's is (`tech.curve_table`).
    """
    if device.curve is not None:
        raise ValueError(f"device {device.name} is a curve table already ({device.curve}); pick a parametric device")
    pmax = device.levels - 1
    gmax_s = 1.0 / device.r_on_ohm
    gmin_s = gmax_s / device.on_off_ratio
    rng = np.random.default_rng(seed)
    a_ltp = np.full(cycles, float(a_norm(device.nl_ltp)) * pmax, dtype=_F32)
    a_ltd = np.full(cycles, float(a_norm(device.nl_ltd)) * pmax, dtype=_F32)
    sweeps = []
    for start, pulse in ((0.0, 1), (1.0, -1)):
        g = np.full(cycles, start, dtype=_F32)
        pulses = np.full(cycles, pulse, dtype=np.int32)
        states = np.empty((cycles, pmax + 1))
        states[:, 0] = g
        for p in range(1, pmax + 1):
            noise = rng.standard_normal(cycles if device.c2c > 0 else 0, dtype=_F32)
            kernels.pulse_update(g, pulses, a_ltp, a_ltd, _F32(pmax), noise, _F32(device.c2c))
            states[:, p] = g
        sweeps.append(gmin_s + (gmax_s - gmin_s) * states)
    return tech.curve_table(file, *sweeps)


# ------------------------------------------------------------------------------------- the fit

NL_GRID = np.geomspace(tech.DEVICE_LIMITS["nl_ltp"].lo, tech.DEVICE_LIMITS["nl_ltp"].hi, 241)
"""The NL labels the fit scans (log-spaced over the configurable range) before refining the best."""


@attrs.frozen
class CurveFit:
    """NeuroSim's parametric model fitted to a curve table (`fit_curve`): the `config.Device` fields it
    gives (R_on, on/off, levels, NL per direction, C2C), the amplitude of each fitted curve relative to
    its sweep's range (`scale_*`, about 1) and how well the curves fit: the RMS distance of the
    normalised mean sweep from the fitted curve per direction (`rms_*`, fractions of the sweep's range)."""

    r_on_ohm: float
    on_off_ratio: float
    levels: int
    levels_ltd: int
    nl_ltp: float
    nl_ltd: float
    c2c: float
    scale_ltp: float
    scale_ltd: float
    rms_ltp: float
    rms_ltd: float
    cycles_ltp: int
    cycles_ltd: int


def sweep_shape(mean_s: np.ndarray) -> np.ndarray:
    """A mean sweep normalised to its own ends: (G - G[0]) / (G[P] - G[0]), rising from 0 to 1 both
    ways (for LTD the fraction of the way down, the shape of NeuroSim's mirrored LTD curve)."""
    return (mean_s - mean_s[0]) / (mean_s[-1] - mean_s[0])


def _scaled_fit(shape: np.ndarray, nl: float) -> tuple[float, float]:
    """(RMS, b): the least-squares amplitude b of NeuroSim's curve g(P; NL) against `shape`, and the RMS
    of shape - b g."""
    g = ltp_curve(np.arange(shape.size), nl, shape.size - 1)
    b = float(g @ shape / (g @ g))
    return float(np.sqrt(np.mean((b * g - shape) ** 2))), b


def fit_nl(shape: np.ndarray) -> tuple[float, float, float]:
    """(NL, b, RMS): the NeuroSim nonlinearity label whose curve b g(P), g(P) = B (1 - e^(-P/A)),
    A = A_norm(NL) Pmax, best fits `shape` (a rising sweep from 0 at pulse 0, about 1 at Pmax) in RMS,
    with the amplitude b fitted by least squares for each NL: a measured sweep's last point is noisy,
    and clipped where the device saturates, so the fit does not pin the curve on it. NL is 0 (linear)
    or the best of `NL_GRID`, refined by golden-section search between its neighbours. Near-linear
    labels (NL below ~0.5) change the curve by less than a noisy table resolves: the RMS is then flat
    in NL and the label loosely determined."""

    def rms(nl: float) -> float:
        return _scaled_fit(shape, nl)[0]

    errors = [rms(nl) for nl in NL_GRID]
    i = int(np.argmin(errors))
    lo, hi = NL_GRID[max(i - 1, 0)], NL_GRID[min(i + 1, NL_GRID.size - 1)]
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = rms(a), rms(b)
    while hi - lo > 1e-7 * hi:
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = rms(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = rms(b)
    nl = min((a, b, NL_GRID[i]), key=rms)
    if rms(0.0) <= rms(nl):
        nl = 0.0
    err, amplitude = _scaled_fit(shape, nl)
    return float(nl), amplitude, err


def fit_curve(table: tech.CurveTable) -> CurveFit:
    """Fit NeuroSim's parametric model to a curve table.

    R_on, on/off and levels are the table's own (`tech.CurveTable`; levels = LTP pulses + 1,
    `levels_ltd` the LTD sweep's). Each direction's NL is `fit_nl` of its mean sweep normalised to its
    own ends (`sweep_shape`). C2C is the RMS over every step of both directions of the standard
    deviation over cycles of that step (`step_spread`, units of Gmax - Gmin): the parametric sigma per
    pulse (0 with one cycle per direction).
    """
    nl_ltp, scale_ltp, rms_ltp = fit_nl(sweep_shape(table.mean_ltp_s))
    nl_ltd, scale_ltd, rms_ltd = fit_nl(sweep_shape(table.mean_ltd_s))
    spreads = [step_spread(table, s) for s in (table.ltp_s, table.ltd_s) if s.shape[0] > 1]
    c2c = float(np.sqrt(np.mean(np.concatenate(spreads) ** 2))) if spreads else 0.0
    fixed = table.device_fields()
    return CurveFit(
        r_on_ohm=fixed["r_on_ohm"],
        on_off_ratio=fixed["on_off_ratio"],
        levels=table.levels,
        levels_ltd=int(table.ltd_s.shape[1]),
        nl_ltp=nl_ltp,
        nl_ltd=nl_ltd,
        c2c=c2c,
        scale_ltp=scale_ltp,
        scale_ltd=scale_ltd,
        rms_ltp=rms_ltp,
        rms_ltd=rms_ltd,
        cycles_ltp=int(table.ltp_s.shape[0]),
        cycles_ltd=int(table.ltd_s.shape[0]),
    )
