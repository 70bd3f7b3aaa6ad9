"""A network whose weight matrices live in crossbar arrays.

Each weight layer (`layers.Stage`: a dense layer, or a convolution read at every output position with
its input patch, im2col) has its weights are the conductances of a `CellArray`, scaled by a fixed per-layer factor
(the digital gain after the ADCs); a forward read drives quantized activations bit-serially into
the arrays, a BP backward read drives quantized errors into the same arrays transposed, and DFA
reads its fixed random feedback matrices instead. Three modes share one code path: `ideal` (float32,
no hardware), `quantized` (fixed-point operands and weights on the device's level grid), and
`hardware` (ADC, nonlinear noisy device, variation, retention, each switchable).
"""

from __future__ import annotations

import math

import attrs
import numpy as np

from cyclesim import irdrop, kernels, tech
from cyclesim.device import CellArray
from cyclesim.learn import quant
from cyclesim.rules import base as rule_base

_F32 = np.float32

# Weights span +-WEIGHT_RANGE x the Glorot-uniform limit of the layer (WAGE initialises over the
# full range): a wider range leaves room to grow but coarsens the 2**bits-level weight grid.
WEIGHT_RANGE = 1.0


@attrs.define
class Operand:
    """An integer tensor on the chip and its scale: value = q * scale (float32 q in ideal mode)."""

    q: np.ndarray
    scale: float


@attrs.define
class Pass:
    """What one iteration computed: inputs of every layer, pre-activations, output, errors."""

    inputs: list  # Operand per layer: the activations it reads, as read rows (a convolution's patches)
    pre: list  # float32 pre-activations per layer (samples x units, feature maps channel-major)
    y: np.ndarray  # network output (float32, batch x classes)
    deltas: list = attrs.field(factory=list)  # Operand per layer: its error (delta)
    error: Operand | None = None  # output error e as driven into DFA's feedback arrays
    pulses: list = attrs.field(factory=list)  # int32 pulse counts per layer (hardware/quantized)
    memos: list = attrs.field(factory=list)  # per layer, what its pooling needs to run backward


def adc_spec(chip, bits: int) -> kernels.AdcSpec:
    """The ADC of a read with `bits` of resolution as `chip` configures it (`config.Chip`'s adc_* fields)."""
    if chip.adc_model == "neurosim":
        return kernels.AdcSpec(bits, differential=False, group_cols=0, midpoint=False, neurosim=True)
    groups = {"subarray": -1, "column_group": chip.cols_per_adc, "layer": 0}
    return kernels.AdcSpec(
        bits,
        differential=chip.readout == "differential",
        group_cols=groups[chip.adc_range],
        midpoint=chip.adc_rounding == "midpoint",
        fixed=chip.adc_calibration == "fixed",
    )


class Crossbar:
    """One weight matrix as the chip holds it: a `CellArray` plus how it is read.

    `adc` and `ag_adc` are the ADCs of the forward and the transposed read (`kernels.AdcSpec`; None: an
    exact read). With `test_only` they digitise only test-time reads (`read(..., testing=True)`). An ADC
    with fixed ranges (`AdcSpec.fixed`) sets them on the first read after `recalibrate()` and keeps them.
    """

    def __init__(
        self, cells: CellArray, scale: float, subarray: int, adc=None, ag_adc=None, test_only=False, circuit=None
    ):
        self.cells = cells
        self.circuit = circuit  # irdrop.ReadCircuit: ADC reads through resistive wires; None: ideal wires
        self.scale = scale  # real weight = scale * w, w in [-1, 1]
        self.subarray = subarray
        self.adc = adc
        self.ag_adc = ag_adc
        self.test_only = test_only
        self.spans = {}  # transposed -> the fixed ADC ranges of that read (kernels.span_shape)

    def exact(self, x: Operand, transposed: bool = False) -> np.ndarray:
        """The product an ideal read of the same operands and conductances gives (no ADC), real units."""
        w = self.cells.weights()
        raw = x.q.astype(_F32) @ (w.T if transposed else w)
        return raw * _F32(x.scale * self.scale)

    def recalibrate(self) -> None:
        """Forget fixed ADC ranges: the next read of each kind sets them from its batch."""
        self.spans.clear()

    def read(self, x: Operand, bits: int, signed: bool, transposed: bool = False, testing: bool = False):
        """Real-valued product x @ W (or x @ W^T): y = read(q) * x.scale * scale."""
        spec = self.ag_adc if transposed else self.adc
        if spec is None or (self.test_only and not testing):
            return self.exact(x, transposed)
        g = self.cells.conductance()
        if transposed:
            g = g.T
        spans = self.spans.get(transposed)
        if spans is None and spec.fixed:
            spec = spec._replace(fixed=False)  # the calibration read
            spans = self.spans[transposed] = np.zeros(
                kernels.span_shape(*g.shape, bits, signed, self.subarray, self.subarray, spec), dtype=_F32
            )
        sub = self.subarray
        if self.circuit is None:
            raw = kernels.mvm_bitserial(x.q, g, self.cells.g_ref, bits, signed, sub, sub, spec, spans=spans)
        else:
            g_ref, g_unused = self.cells.g_ref, self.cells.gmin
            raw = kernels.mvm_from_sums(
                irdrop.bitserial_sums_of(x.q, bits, signed, g, g_ref, g_unused, sub, sub, self.circuit),
                *g.shape, x.q.shape[0], bits, signed, sub, sub, spec, spans=spans,
            )  # fmt: skip
        raw *= _F32(self.cells.weight_per_conductance)
        return raw * _F32(x.scale * self.scale)


class NetworkState:
    """The trainable state of a network: one crossbar (or float matrix in ideal mode) per layer, plus the
    rule's fixed random matrices."""

    def __init__(self, workload, seeds: np.random.SeedSequence):
        self.workload = workload
        self.mode = workload.mode
        self.stages = workload.geometry.stages
        self.sizes = workload.geometry.units  # (inputs, units of every layer): an MLP's network.sizes
        init_seed, device_seed, feedback_seed, noise_seed = seeds.spawn(4)
        self._rng_c2c = np.random.default_rng(noise_seed)
        rng_init = np.random.default_rng(init_seed)
        rng_dev = np.random.default_rng(device_seed)
        rng_fb = np.random.default_rng(feedback_seed)
        prec, dev, fx = workload.precision, workload.device, workload.effects
        hw = self.mode == "hardware"
        self.levels = 1 << prec.weight
        chip = workload.chip
        self.circuit = irdrop.read_circuit(tech.node(chip.node, chip.flavor), dev) if hw and fx.ir_drop else None
        self.float_w: list[np.ndarray] = []
        self.xbars: list[Crossbar] = []
        self.velocity = []
        self.ranges = []  # real weight = range * w, w in [-1, 1]
        for stage in self.stages:
            limit = math.sqrt(6.0 / sum(stage.fans))
            w0 = rng_init.uniform(-limit, limit, size=(stage.rows, stage.cols)).astype(_F32)
            self.velocity.append(np.zeros((stage.rows, stage.cols), dtype=_F32))
            scale = WEIGHT_RANGE * limit
            self.ranges.append(scale)
            if self.mode == "ideal":
                self.float_w.append(w0)
                continue
            cells = CellArray(
                w0 / scale, self.levels, dev, rng_dev,
                nonlinear=hw and fx.nonlinearity, c2c=hw and fx.c2c, d2d=hw and fx.d2d,
                on_off=hw and fx.on_off,
            )  # fmt: skip
            adc, ag = (
                (adc_spec(chip, chip.adc_bits), adc_spec(chip, chip.ag_adc_bits)) if hw and fx.adc else (None, None)
            )
            test_only = chip.adc_where == "test"
            self.xbars.append(Crossbar(cells, scale, chip.subarray, adc, ag, test_only, self.circuit))
        self.feedback = self._make_feedback(rng_fb, rng_dev)
        # layers whose B stands in for W_{l+1} (`Signal.mirrors_next`), decided once, not per read
        self._mirrored = {s.layer for s in workload.signals if s.mirrors_next}

    def _make_feedback(self, rng_fb, rng_dev) -> dict:
        """The rule's fixed random matrices: layer l -> B_l (source entries x units of layer l), drawn by
        `Rule.feedback_matrix` in layer order and scaled by 1/sqrt(rows).

        `feedback_store` "rram": programmed into crossbars (read through ADCs, D2D applies, never
        updated); "sram": held digitally at weight precision and multiplied exactly.
        """
        out = {}
        hw = self.mode == "hardware"
        fx = self.workload.effects
        rule = self.workload.rule_object
        for layer, (rows, cols) in sorted(
            rule_base.feedback_shapes(self.workload.signals, self.workload.geometry).items()
        ):
            b = rule.feedback_matrix(rng_fb, rows, cols)
            scale = 1.0 / math.sqrt(rows)
            if self.mode == "ideal":
                out[layer] = (b * scale).astype(_F32)
                continue
            in_rram = self.workload.feedback_store == "rram"
            cells = CellArray(
                b, self.levels, self.workload.device, rng_dev,
                nonlinear=False, c2c=False, d2d=hw and in_rram and fx.d2d, on_off=hw and in_rram and fx.on_off,
            )  # fmt: skip
            chip = self.workload.chip
            adc = adc_spec(chip, chip.adc_bits) if hw and in_rram and fx.adc else None
            test_only = chip.adc_where == "test"
            out[layer] = Crossbar(cells, scale, chip.subarray, adc, test_only=test_only, circuit=self.circuit)
        return out

    # -- forward ---------------------------------------------------------------------------------

    @property
    def reads_through_adc(self) -> bool:
        """Whether the forward reads at test time go through ADCs (hardware mode with effects.adc)."""
        return bool(self.xbars) and self.xbars[0].adc is not None

    def recalibrate(self) -> None:
        """Forget every fixed ADC range (`chip.adc_calibration` fixed): the next reads set them anew."""
        for xbar in (*self.xbars, *self.feedback.values()):
            if isinstance(xbar, Crossbar):
                xbar.recalibrate()

    def forward(self, images_u8: np.ndarray, testing: bool = False) -> Pass:
        """h_0 = pixels / 255; a_l = read(patches_l(h_{l-1}), W_l); h_l = pool_l(min(max(a_l, 0), 1)) for
        hidden layers; y = a_N. A dense layer's patches are its inputs; a convolution's, the input patch
        of every output position (im2col), its read rows put back into feature maps.

        Hidden activations are ReLU outputs held in fixed point on [0, 1] (WAGE's activation range,
        as NeuroSim's wrapper quantizes them), so values above 1 saturate.
        """
        prec = self.workload.precision
        h = images_u8.astype(_F32) * _F32(1.0 / 255.0)
        inputs, pre, memos = [], [], []
        n = len(self.stages)
        for l, stage in enumerate(self.stages):
            if self.mode == "ideal":
                x = Operand(stage.patches(h), 1.0)
                a = x.q @ self.float_w[l]
            else:
                q, sc = quant.unsigned(h, prec.activation)
                x = Operand(stage.patches(q), sc)
                a = self.xbars[l].read(x, prec.activation, signed=False, testing=testing)
            a = stage.unrows(a)
            inputs.append(x)
            pre.append(a)
            if l == n - 1:
                h = a
            else:
                h, memo = stage.pool(np.clip(a, _F32(0.0), _F32(1.0)))
                memos.append(memo)
        return Pass(inputs=inputs, pre=pre, y=h, memos=memos)

    def unpool(self, layer: int, g: np.ndarray, p: Pass) -> np.ndarray:
        """A gradient on what layer `layer + 1` reads, back through layer `layer`'s pooling onto its
        units (identity without pooling)."""
        return self.stages[layer].unpool(g, p.memos[layer])

    def derivative(self, a: np.ndarray) -> np.ndarray:
        """f'(a) of the hidden activation: 1 where it passes a through (0 < a < 1), else 0."""
        return (a > 0) & (a < 1)

    # -- backward --------------------------------------------------------------------------------

    def error_operand(self, delta: np.ndarray) -> Operand:
        """An error tensor as the chip carries it (`error` bits, signed), or float in ideal mode."""
        if self.mode == "ideal":
            return Operand(delta.astype(_F32, copy=False), 1.0)
        q, sc = quant.signed(delta, self.workload.precision.error)
        return Operand(q, sc)

    def backward_read(self, layer: int, delta: Operand) -> np.ndarray:
        """BP's transposed read: W_layer^T delta (real units), through the same arrays, at every output
        position of a convolution, the patches added back onto its input (col2im)."""
        stage = self.stages[layer]
        rows = Operand(stage.rows_of(delta.q), delta.scale)
        if self.mode == "ideal":
            return stage.fold(rows.q @ self.float_w[layer].T)
        return stage.fold(self.xbars[layer].read(rows, self.workload.precision.error, signed=True, transposed=True))

    def feedback_read(self, layer: int, source: Operand) -> np.ndarray:
        """The projection B_layer s of a source (the error, the target or a delta) through the layer's
        fixed random matrix (real units). A matrix standing in for W_{layer+1} (`Signal.mirrors_next`:
        it has W_{layer+1}^T's shape) is read as that layer's transposed weights are, at every output
        position, and folded back onto its inputs; any other projects the source onto every unit."""
        stage = self.stages[layer + 1] if layer in self._mirrored else None
        if stage is not None:
            source = Operand(stage.rows_of(source.q), source.scale)
        if self.mode == "ideal":
            out = source.q @ self.feedback[layer]
        else:
            out = self.feedback[layer].read(source, self.workload.precision.error, signed=True)
        return out if stage is None else stage.fold(out)

    def sign_read(self, layer: int, delta: Operand, conductance: np.ndarray | None = None) -> np.ndarray:
        """Sign-symmetry's projection sign(W_layer)^T delta (real units), the signs applied to the
        integer delta exactly (at every output position of a convolution, then folded). On chip the sign
        store holds sign(G - Gref) of every cell, what a comparator against the reference column reads
        (of `conductance`, G/Gmax, when given: the engine passes the iteration's recorded conductances);
        in ideal mode the signs of the weights."""
        if self.mode == "ideal":
            signs = np.sign(self.float_w[layer])
        else:
            cells = self.xbars[layer].cells
            g = cells.conductance() if conductance is None else conductance
            signs = np.sign(g - _F32(cells.g_ref))
        stage = self.stages[layer]
        return stage.fold((stage.rows_of(delta.q).astype(_F32) @ signs.T) * _F32(delta.scale))

    def target_operand(self, labels: np.ndarray) -> Operand:
        """The one-hot target y* as an operand (integers 0/1, scale 1)."""
        t = np.zeros((len(labels), self.sizes[-1]), dtype=_F32 if self.mode == "ideal" else np.int32)
        t[np.arange(len(labels)), labels] = 1
        return Operand(t, 1.0)

    # -- weight gradient and update --------------------------------------------------------------

    def update(self, p: Pass, rng: np.random.Generator, lr: float) -> None:
        """SGD with momentum on shift-normalised gradients (WAGE, as NeuroSim V2 trains):

            g_l = X_l^T delta_l,   g^_l = g_l / 2^ceil(log2 max|g_l|),
            v_l <- mu v_l + g^_l,      w_l <- w_l - lr * range_l * v_l

        with X_l the layer's read rows (h_{l-1}; for a convolution the patches, so g_l is the sum over
        positions of patch (x) delta) and delta_l as rows alike;

        so `lr` is the largest step of one iteration as a fraction of the layer's weight range,
        whatever the size of the error. On chip g_l is formed exactly from the integer operands
        (the weight-gradient unit), g^_l is rounded stochastically to `gradient` bits, momentum is
        kept digitally, and the step becomes pulses: n = stochastic_round(-lr v_l (levels - 1) / 2).
        """
        momentum = _F32(self.workload.training.momentum)
        p.pulses = []
        for l, (x, d) in enumerate(zip(p.inputs, p.deltas)):
            v = self.velocity[l]
            d = Operand(self.stages[l].rows_of(d.q), d.scale)  # a convolution: sum over positions
            if self.mode == "ideal":
                g = x.q.T @ d.q
                g *= _F32(1.0 / quant.pow2_scale(max(float(g.max(initial=0.0)), -float(g.min(initial=0.0)))))
            else:
                g = kernels.outer_product_blas(x.q, d.q)
                g = quant.stochastic(g, self.workload.precision.gradient, rng.random(g.shape, dtype=_F32))
            v *= momentum
            v += g
            del g  # the step's arrays below need the room
            if self.mode == "ideal":
                self.float_w[l] -= _F32(lr * self.ranges[l]) * v
                continue
            want = v * _F32(-lr * (self.levels - 1) / 2.0)
            pulses = kernels.to_pulses(want, rng.random(want.shape, dtype=_F32), self.levels - 1)
            self.xbars[l].cells.program(pulses, self._rng_c2c)
            p.pulses.append(pulses)

    def relax(self, interval_s: float) -> None:
        """Retention drift of every weight array over `interval_s` (hardware mode, when enabled)."""
        dev = self.workload.device
        if self.mode != "hardware" or not self.workload.effects.retention or dev.retention_tau_s is None:
            return
        for xbar in self.xbars:
            xbar.cells.relax(interval_s, dev.retention_tau_s)

    def effective_weights(self) -> list[np.ndarray]:
        """Real-valued weights the network computes with now (for inspection and tests)."""
        if self.mode == "ideal":
            return [w.copy() for w in self.float_w]
        return [x.cells.weights() * _F32(x.scale) for x in self.xbars]
