"""The training loop: epochs of mini-batches through the crossbar network, with per-epoch metrics.

Each iteration is one batch: forward read of every layer, output error, backward (BP or DFA),
weight-gradient and pulse update. Accuracy is counted on the training batches as they pass and on
the test set after each epoch. Selected iterations can be recorded in full (operands, conductances,
pulses) for the event-driven engine to replay; the others keep nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import attrs
import numpy as np

from cyclesim.errors import ConfigError, DivergenceError
from cyclesim.learn import signals
from cyclesim.learn.network import NetworkState, Pass

EXACT_COLUMNS = 256
"""Columns of a layer's weights converted to float64 at once for the exact product of `_read_error`."""


@attrs.frozen
class LayerStats:
    """How one layer's units and reads behave on the test set after an epoch.

    Hidden layers (None for the output layer): `live` is the fraction of (sample, unit) pairs whose
    pre-activation a lies in 0 < a < 1, where the activation passes the error on (f'(a) = 1); `dead` the
    fraction of units with a <= 0 on every test sample, `saturated` with a >= 1 on every one. With ADCs
    (hardware mode), on the first test batch, the forward read against the exact product of the same
    operands and conductances: `read_error` = RMS(read - exact) / RMS(exact) and `read_offset` =
    mean(read - exact) / RMS(exact).
    """

    live: float | None = None
    dead: float | None = None
    saturated: float | None = None
    read_error: float | None = None
    read_offset: float | None = None


@attrs.frozen
class EpochStats:
    """Metrics of one completed epoch."""

    epoch: int  # 1-based
    train_accuracy: float
    test_accuracy: float
    train_loss: float  # mean per-sample loss over the epoch's batches
    pulses: int  # programming pulses applied in the epoch (0 in ideal mode)
    wall_s: float
    cpu_s: float
    layers: tuple = ()  # LayerStats per layer


@attrs.define
class Trace:
    """One recorded iteration: what the chip computed, for the engine to replay."""

    epoch: int  # 1-based
    iteration: int  # 0-based within the epoch
    labels: np.ndarray
    conductances: list  # per layer, G/Gmax before the update (None in ideal mode)
    step: Pass  # operands, pre-activations, output, errors, pulses


def batch_loss(y: np.ndarray, labels: np.ndarray, loss: str) -> float:
    """Summed loss of a batch: SSE 0.5 sum (y - t)^2, or cross-entropy -sum log softmax(y)_t."""
    t = np.zeros_like(y)
    t[np.arange(len(labels)), labels] = 1.0
    if loss == "ce":
        z = y - y.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(labels)), labels].sum())
    return float(0.5 * np.square(y - t).sum())


def check_batch(workload, available: int, dataset: str | None = None) -> None:
    """Refuse a batch larger than the training examples there are (`available` in the dataset, cut to
    `training.train_limit`): such a run would train zero iterations and report an untrained network
    as a complete result. ConfigError naming both numbers and the fix."""
    tr = workload.training
    n = available if tr.train_limit is None else min(available, tr.train_limit)
    if tr.batch_size > n:
        limit = f" and training.train_limit={tr.train_limit}" if tr.train_limit is not None else ""
        raise ConfigError(
            f"training.batch_size={tr.batch_size} is larger than the {n} training examples "
            f"({dataset or workload.dataset} has {available}{limit}): not one batch would train; lower "
            f"training.batch_size to at most {n}"
            + (f" or raise training.train_limit (up to {available})" if n < available else "")
        )


class Trainer:
    """Trains a `NetworkState` on a dataset; `run_epoch` can be called repeatedly."""

    def __init__(self, workload, dataset, seeds: np.random.SeedSequence):
        self.workload = workload
        self.dataset = dataset
        net_seed, shuffle_seed, update_seed = seeds.spawn(3)
        self.net = NetworkState(workload, net_seed)
        self._signals = workload.signals
        self._shuffle = np.random.default_rng(shuffle_seed)
        self._update = np.random.default_rng(update_seed)
        tr = workload.training
        self.train_x, self.train_y = dataset.train_x, dataset.train_y
        if tr.train_limit is not None:
            self.train_x, self.train_y = self.train_x[: tr.train_limit], self.train_y[: tr.train_limit]
        self.test_x, self.test_y = dataset.test_x, dataset.test_y
        if tr.test_limit is not None:
            self.test_x, self.test_y = self.test_x[: tr.test_limit], self.test_y[: tr.test_limit]
        check_batch(workload, len(dataset.train_x), dataset.name)
        self.batches_per_epoch = max(len(self.train_x) // tr.batch_size, 0)

    def step(self, images: np.ndarray, labels: np.ndarray, lr: float | None = None) -> Pass:
        """One training iteration on a batch; returns everything it computed."""
        wl = self.workload
        p = self.net.forward(images)
        if not np.isfinite(p.y).all():
            raise DivergenceError(f"training diverged (non-finite outputs); lower training.lr (now {wl.training.lr})")
        e = signals.output_error(p.y, labels, wl.training.loss)
        signals.backward(self.net, p, e, labels, self._signals)
        self.net.update(p, self._update, wl.training.lr if lr is None else lr)
        self.net.relax(wl.device.retention_interval_s)
        return p

    def run_epoch(
        self,
        epoch: int,
        record: Iterable[int] = (),
        on_batch: Callable[[int, int], None] | None = None,
        on_trace: Callable[[Trace], None] | None = None,
    ) -> tuple[EpochStats, list[Trace]]:
        """Train one epoch (1-based index); record the iterations listed in `record`: each is handed to
        `on_trace` as soon as it is done (and not kept), or returned with the others."""
        t0, c0 = time.perf_counter(), time.process_time()
        bs = self.workload.training.batch_size
        record = set(record)
        order = self._shuffle.permutation(len(self.train_x))
        correct, seen, loss, pulses = 0, 0, 0.0, 0
        traces = []
        self.net.recalibrate()  # fixed ADC ranges are set anew on the epoch's first batch
        for i in range(self.batches_per_epoch):
            idx = order[i * bs : (i + 1) * bs]
            images, labels = self.train_x[idx], self.train_y[idx]
            before = [x.cells.conductance() for x in self.net.xbars] if i in record else None
            p = self.step(images, labels, self.learning_rate(epoch, i))
            correct += int((p.y.argmax(axis=1) == labels).sum())
            seen += len(labels)
            loss += batch_loss(p.y, labels, self.workload.training.loss)
            pulses += int(sum(np.abs(n).sum(dtype=np.int64) for n in p.pulses))
            if on_batch is not None:
                on_batch(i + 1, self.batches_per_epoch)
            if before is not None:
                trace = Trace(epoch, i, labels, before, p)
                if on_trace is None:
                    traces.append(trace)
                else:
                    on_trace(trace)
        if not np.isfinite(loss):
            raise DivergenceError(
                f"training diverged (non-finite loss) in epoch {epoch}; lower training.lr "
                f"(now {self.workload.training.lr})"
            )
        test_accuracy, layers = self.evaluate()
        stats = EpochStats(
            epoch=epoch,
            train_accuracy=correct / max(seen, 1),
            test_accuracy=test_accuracy,
            train_loss=loss / max(seen, 1),
            pulses=pulses,
            wall_s=time.perf_counter() - t0,
            cpu_s=time.process_time() - c0,
            layers=layers,
        )
        return stats, traces

    def trace_first_batch(self) -> Trace:
        """Run and record one iteration on the first training batch (for `epochs=0` runs)."""
        bs = self.workload.training.batch_size
        images, labels = self.train_x[:bs], self.train_y[:bs]
        before = [x.cells.conductance() for x in self.net.xbars]
        return Trace(0, 0, labels, before, self.step(images, labels, self.learning_rate(1, 0)))

    def learning_rate(self, epoch: int, iteration: int) -> float:
        """lr of an iteration: constant, or cosine-annealed over the whole run,
        lr_t = lr * (1 + cos(pi * t / T)) / 2 with t the iteration count and T the total."""
        tr = self.workload.training
        if tr.lr_schedule == "constant":
            return tr.lr
        total = max(tr.epochs * self.batches_per_epoch, 1)
        t = (epoch - 1) * self.batches_per_epoch + iteration
        return tr.lr * 0.5 * (1.0 + math.cos(math.pi * t / total))

    def evaluate(self) -> tuple[float, tuple]:
        """Test accuracy of the network as it is now (forward reads only, in batches) and each layer's
        `LayerStats`."""
        bs = self.workload.training.batch_size
        correct = 0
        n = len(self.net.sizes) - 1
        live = [0] * n
        ever_on = [np.zeros(u, dtype=bool) for u in self.net.sizes[1:]]
        ever_below = [np.zeros(u, dtype=bool) for u in self.net.sizes[1:]]
        reads = [(None, None)] * n
        for i in range(0, len(self.test_x), bs):
            p = self.net.forward(self.test_x[i : i + bs], testing=True)
            correct += int((p.y.argmax(axis=1) == self.test_y[i : i + bs]).sum())
            for l, a in enumerate(p.pre[:-1]):
                live[l] += int(np.count_nonzero(self.net.derivative(a)))
                ever_on[l] |= (a > 0).any(axis=0)
                ever_below[l] |= (a < 1).any(axis=0)
            if i == 0 and self.net.reads_through_adc:
                reads = [self._read_error(l, p) for l in range(n)]
        samples = max(len(self.test_x), 1)
        layers = tuple(
            LayerStats(
                live=live[l] / (samples * self.net.sizes[l + 1]) if l < n - 1 else None,
                dead=float(1.0 - ever_on[l].mean()) if l < n - 1 else None,
                saturated=float(1.0 - ever_below[l].mean()) if l < n - 1 else None,
                read_error=reads[l][0],
                read_offset=reads[l][1],
            )
            for l in range(n)
        )
        return correct / samples, layers

    def _read_error(self, layer: int, p: Pass) -> tuple[float, float]:
        """(RMS, mean) of a forward read's error against the exact product, both over RMS(exact). The exact
        product is formed in float64, where integer operands times float32 weights sum without rounding
        (below 2**53), so it is the same whatever order BLAS adds in."""
        xbar, x = self.net.xbars[layer], p.inputs[layer]
        w, q = xbar.cells.weights(), x.q.astype(np.float64)
        exact = np.empty((q.shape[0], w.shape[1]))
        for c in range(0, w.shape[1], EXACT_COLUMNS):  # a float64 copy of a slice of columns at a time
            exact[:, c : c + EXACT_COLUMNS] = q @ w[:, c : c + EXACT_COLUMNS].astype(np.float64)
        exact *= x.scale * xbar.scale
        err = self.net.stages[layer].rows_of(p.pre[layer]).astype(np.float64) - exact
        rms = float(np.sqrt(np.mean(exact**2)))
        if not rms > 0:
            return None, None
        return float(np.sqrt(np.mean(err**2)) / rms), float(err.mean() / rms)
