"""Synaptic devices: weights stored as conductances and changed by programming pulses.

Each weight is one RRAM cell whose conductance G lies in [Gmin, Gmax] (Gmin = Gmax / on-off
ratio); a signed weight is read against a reference column at the mid conductance. Programming
moves a cell along a nonlinear, saturating curve, one pulse at a time, with cycle-to-cycle noise
per pulse; cells also differ from each other (device-to-device) and may relax over time.
"""

from __future__ import annotations

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


class CellArray:
    """The conductances of one weight matrix on the crossbar (rows = inputs, columns = outputs).

    State `g` is normalised: G = Gmin + (Gmax - Gmin) * g * gain, with g in [0, 1] and `gain` the
    cell's device-to-device spread of Gmax. The weight the array computes with is
    w = (G - Gref) * 2 / (Gmax - Gmin) = 2 g gain - 1, with Gref = (Gmin + Gmax) / 2.
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
        if nonlinear:
            spread = device.nl_d2d if d2d else 0.0
            self.a_ltp = self._curve_a(device.nl_ltp, spread, shape, rng)
            self.a_ltd = self._curve_a(device.nl_ltd, spread, shape, rng)
        else:
            self.a_ltp = self.a_ltd = np.zeros(shape, dtype=_F32)
        self.c2c = device.c2c if c2c else 0.0

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
        """Apply signed pulse counts (positive = potentiate) to every cell, in place."""
        programmed = int(np.count_nonzero(pulses)) if self.c2c > 0 else 0
        noise = rng.standard_normal(programmed, dtype=_F32)  # one draw per programmed cell
        kernels.pulse_update(self.g, pulses, self.a_ltp, self.a_ltd, _F32(self.pmax), noise, _F32(self.c2c))

    def relax(self, interval_s: float, tau_s: float) -> None:
        """Retention loss over `interval_s`: g <- g exp(-interval / tau) (drift towards Gmin)."""
        self.g *= _F32(np.exp(-interval_s / tau_s))
