"""Learning signals: the output error, and every hidden layer's delta as its rule declares it.

The output layer learns from the output error e; each hidden layer l from
delta_l = quantize(via(source) * f'(a_l)) (`cyclesim.rules.base`): W_{l+1}^T delta_{l+1} read
transposed through the arrays (BP), sign(W_{l+1})^T delta_{l+1} from the sign store
(sign-symmetry), or B_l s through a fixed random matrix from the error (DFA), the next delta (FA)
or the one-hot target (DRTP). The engine computes the same signals on its components
(`engine.schedule`) and a test asserts they agree bit for bit.
"""

from __future__ import annotations

import numpy as np

from cyclesim.learn.network import NetworkState, Operand, Pass
from cyclesim.rules import base as rule_base

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
    return (y - t).astype(_F32, copy=False)


def project(net: NetworkState, signal: rule_base.Signal, source: Operand, p: Pass) -> np.ndarray:
    """via(source) of one signal in real units, on layer l's units: W_{l+1}^T s, sign(W_{l+1})^T s or
    B_l s (through layer l's pooling back onto its units where the projection lands on what layer l + 1
    reads)."""
    l = signal.layer
    if signal.via == "transposed":
        return net.unpool(l, net.backward_read(l + 1, source), p)
    if signal.via == "sign_transposed":
        return net.unpool(l, net.sign_read(l + 1, source), p)
    back = net.feedback_read(l, source)
    return net.unpool(l, back, p) if signal.mirrors_next else back


def source_operand(net: NetworkState, signal: rule_base.Signal, deltas: list, labels: np.ndarray) -> Operand:
    """The operand a signal projects: the one-hot target, or a delta (the output error is the output
    layer's delta)."""
    if signal.source == "target":
        return net.target_operand(labels)
    return deltas[rule_base.source_layer(signal, len(deltas))]


def backward(net: NetworkState, p: Pass, e: np.ndarray, labels: np.ndarray, sigs: list) -> None:
    """Fill p.deltas (one Operand per layer, output layer last): delta_N = e quantized, then every
    hidden layer's signal in an order in which its source exists."""
    n = len(p.pre)
    deltas = [None] * n
    deltas[n - 1] = net.error_operand(e)
    p.error = deltas[n - 1]
    for s in rule_base.order(sigs, n):
        back = project(net, s, source_operand(net, s, deltas, labels), p)
        deltas[s.layer] = net.error_operand(back * net.derivative(p.pre[s.layer]))
    p.deltas = deltas
