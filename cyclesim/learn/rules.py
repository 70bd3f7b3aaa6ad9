"""Learning rules: how the error reaches each hidden layer.

Backpropagation (BP) sends the output error down through the transposed weight arrays, one layer
after another: delta_i = (W_{i+1}^T delta_{i+1}) * f'(a_i). Direct Feedback Alignment (DFA; Nokland,
NeurIPS 2016) sends it to every hidden layer at once through a fixed random matrix:
delta_i = (B_i e) * f'(a_i), so no transposed read is needed and the layers do not wait on each other.
"""

from __future__ import annotations

import numpy as np

from cyclesim.learn.network import NetworkState, Pass

_F32 = np.float32


def output_error(y: np.ndarray, labels: np.ndarray, loss: str) -> np.ndarray:
    """dLoss/dy per sample: SSE 0.5 |y - t|^2 gives e = y - t; cross-entropy gives softmax(y) - t."""
    t = np.zeros_like(y)
    t[np.arange(len(labels)), labels] = 1.0
    if loss == "ce":
        z = y - y.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return (p - t).astype(_F32)
    return (y - t).astype(_F32)


def backward(net: NetworkState, p: Pass, e: np.ndarray, rule: str) -> None:
    """Fill p.deltas (one Operand per layer, output layer last) for `rule` ("bp" or "dfa")."""
    n = len(p.pre)
    deltas = [None] * n
    deltas[n - 1] = net.error_operand(e)
    if rule == "bp":
        for l in range(n - 2, -1, -1):
            back = net.backward_read(l + 1, deltas[l + 1])
            deltas[l] = net.error_operand(back * net.derivative(p.pre[l]))
    else:
        p.error = deltas[n - 1]
        for l in range(n - 1):
            proj = net.feedback_read(l, p.error)
            deltas[l] = net.error_operand(proj * net.derivative(p.pre[l]))
    p.deltas = deltas
