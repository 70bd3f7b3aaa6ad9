"""WAGE-style fixed-point quantizers for activations, errors and gradients.

On chip, activations travel as fixed-point integers on [0, 1]; errors as integers with one
power-of-two scale per tensor (a shift in the digital periphery): the scale is the smallest power of
two covering the tensor's largest magnitude, and the values are rounded onto the `bits`-bit grid
below it. Gradients are normalised the same way and rounded
stochastically (Wu et al., "Training and inference with integers in deep neural networks", ICLR
2018), so updates smaller than one step survive in expectation.
"""

from __future__ import annotations

import math

import numpy as np

_F32 = np.float32


def pow2_scale(max_abs: float) -> float:
    """Smallest power of two >= max_abs (1 for an all-zero tensor): S = 2^ceil(log2 max|x|)."""
    if not max_abs > 0:
        return 1.0
    return math.ldexp(1.0, math.ceil(math.log2(max_abs)))


def unsigned(x: np.ndarray, bits: int) -> tuple[np.ndarray, float]:
    """x in [0, 1] in fixed point: q = clip(round(x (2^bits - 1)), 0, 2^bits - 1), x ~ q * scale."""
    top = (1 << bits) - 1
    q = x * _F32(top)  # one array, worked in place
    np.rint(q, out=q)
    np.clip(q, 0, top, out=q)
    return q.astype(np.int32), 1.0 / top


def signed(x: np.ndarray, bits: int) -> tuple[np.ndarray, float]:
    """x as integers q in [-(2^(bits-1) - 1), 2^(bits-1) - 1] with x ~ q * scale."""
    top = (1 << (bits - 1)) - 1
    scale = pow2_scale(max(float(x.max(initial=0.0)), -float(x.min(initial=0.0)))) / top  # max |x|, no |x| copy
    q = x / _F32(scale)  # one array, worked in place
    np.rint(q, out=q)
    np.clip(q, -top, top, out=q)
    return q.astype(np.int32), scale


def stochastic(x: np.ndarray, bits: int, uniform: np.ndarray) -> np.ndarray:
    """x normalised by its power-of-two scale S and rounded stochastically to signed `bits` bits:

        q = clip(floor(x / S * top + u), -top, top),  top = 2^(bits-1) - 1,  result = q / top

    (WAGE's gradient quantizer); E[result] = x / S, in [-1, 1], float32.
    """
    top = (1 << (bits - 1)) - 1
    s = pow2_scale(max(float(x.max(initial=0.0)), -float(x.min(initial=0.0))))  # max |x|, no |x| copy
    q = x * _F32(top / s)  # one array, worked in place
    q += uniform
    np.floor(q, out=q)
    np.clip(q, -top, top, out=q)
    q *= _F32(1.0 / top)
    return q
