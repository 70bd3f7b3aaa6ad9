"""The estimated cost of a sweep point, from its workload alone: sweeps run their longest points first,
so no long point starts last while the other workers idle.
"""

from __future__ import annotations

from collections.abc import Sequence

from cyclesim import footprint, runner
from cyclesim.config import Workload
from cyclesim.data import STANDARD_COUNTS
from cyclesim.rules import base as rule_base

QUANTIZED_FACTOR = 2
"""Quantized mode's work per multiply-accumulate over ideal mode's (fixed-point operands and the
integer weight update beside the float products)."""


def cost(wl: Workload) -> float:
    """The work of one point, in units of one float multiply-accumulate (deterministic, for ordering):

        cost = (epochs * n_train + s * batch_size) * M * f

    n_train: training examples (`training.train_limit`, at most the dataset's 60000 or the synthetic
    set's 2000); s: iterations the engine replays (`runner.engine_applies`: `sim.iterations_per_epoch`
    per epoch, at most ("all": exactly) its n_train // batch_size batches; one with zero epochs), each
    costing about one more batch; M = `layers.Geometry.macs`, the multiply-accumulates per
    image; f, the mode's bit planes: 1 ideal, `QUANTIZED_FACTOR` quantized, hardware
    `precision.activation` plus 2 * (`precision.error` - 1) for a rule that reads W^T through the
    arrays (BP), the bit-serial reads of every product.
    """
    tr = wl.training
    train = footprint.SYNTHETIC_COUNTS["train"] if wl.dataset == "synthetic" else STANDARD_COUNTS["train"]
    if tr.train_limit is not None:
        train = min(train, tr.train_limit)
    replayed = 0
    if runner.engine_applies(wl):
        replayed = tr.epochs * wl.sim.recorded(train // tr.batch_size) if tr.epochs else 1
    macs = wl.geometry.macs
    if wl.mode == "ideal":
        planes = 1
    elif wl.mode == "quantized":
        planes = QUANTIZED_FACTOR
    else:
        transposed = rule_base.needs_transposable(wl.signals)
        planes = wl.precision.activation + (2 * (wl.precision.error - 1) if transposed else 0)
    return float((tr.epochs * train + replayed * tr.batch_size) * macs * planes)


def longest_first(points: Sequence[tuple]) -> list[tuple]:
    """`points` (tuples whose second item is a Workload) by `cost`, largest first; equal costs keep
    their order (the sweeps' own, by point index and seed)."""
    return sorted(points, key=lambda point: -cost(point[1]))
