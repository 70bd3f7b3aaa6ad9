"""Layer types, and the geometry of a network on its input shape.

A network is a sequence of layers. The layers with weights (`Dense`, `Conv2d`) each become one weight
matrix in crossbars; the others (`MaxPool2d`, `AvgPool2d`, `Flatten`) run in the digital periphery
after the activation of the weight layer before them. A convolution is computed as the chip computes
it and as DNN+NeuroSim maps it: its kernel unrolled into a (k*k*C_in) x C_out matrix, read once per
output position with that position's input patch as the input vector (im2col), so one forward read
of a batch drives batch x positions input vectors through the same subarrays and ADCs as a dense
layer. BP's transposed read drives the error at every output position through the same arrays
transposed and adds the patch-shaped results back onto the input map (col2im); the weight gradient
is the sum over positions of patch (x) delta.

Tensors are kept as the datasets keep images: flattened, channel-major, one row per sample, so a
dense layer's vector and a feature map (C, H, W) share one layout and `Flatten` moves nothing. The
read operand of a layer is its `patches` (rows = samples x positions); its output rows are put back
into the layout by `unrows`.

`geometry(layers, in_shape)` checks a network against its input (every impossible shape one
ValueError naming the layer) and returns each weight layer as a `Stage`.
"""

from __future__ import annotations

import functools
import math

import attrs
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MAX_KERNEL = 64
MAX_CHANNELS = 1 << 16


def _int_in(lo: int, hi: int):
    """Validator: an int (not a bool) in [lo, hi]."""

    def check(inst, attribute, value):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(
                f"{type(inst).__name__}.{attribute.name} must be an integer from {lo} to {hi:,}, got {value!r}"
            )

    return check


def _spatial(shape: tuple, layer) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ValueError(
            f"{layer.name} needs (channels, height, width) inputs, but its input is flat ({shape[0]} values): "
            "convolutions and pooling must come before Flatten"
        )
    return shape


def _window(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output positions along one side: floor((size + 2 * padding - kernel) / stride) + 1 (0 if none)."""
    span = size + 2 * padding - kernel
    return span // stride + 1 if span >= 0 else 0


@attrs.frozen
class Dense:
    """A fully connected layer of `units` outputs: a = x W, W of (inputs x units), on flat inputs."""

    units: int = attrs.field(validator=_int_in(1, 1 << 16))
    name = "Dense"
    has_weights = True

    def out_shape(self, shape: tuple) -> tuple:
        if len(shape) != 1:
            c, h, w = shape
            raise ValueError(f"Dense needs flat inputs but gets a {c}x{h}x{w} feature map: put Flatten() before it")
        return (self.units,)

    def matrix(self, shape: tuple) -> tuple[int, int]:
        """(rows, columns) of the weight matrix: (inputs, units)."""
        return shape[0], self.units

    def positions(self, shape: tuple) -> int:
        return 1

    def patches(self, x: np.ndarray, shape: tuple) -> np.ndarray:
        """The read operand: the input vectors themselves."""
        return x

    def fold(self, cols: np.ndarray, shape: tuple) -> np.ndarray:
        """A transposed read's rows back onto the input layout: themselves."""
        return cols

    def rows(self, y: np.ndarray, shape: tuple) -> np.ndarray:
        """A tensor in this layer's output layout as read rows (samples x units): itself."""
        return y

    def unrows(self, y: np.ndarray, shape: tuple) -> np.ndarray:
        """Read rows back into the output layout: themselves."""
        return y

    def describe(self) -> str:
        return f"Dense({self.units})"


@attrs.frozen
class Conv2d:
    """A 2-D convolution: `out_channels` kernels of `kernel` x `kernel` x C_in, moved by `stride`
    over the input padded with `padding` zeros on every side:

        a[c, i, j] = sum_{c', u, v} W[(c', u, v), c] x[c', s*i + u - p, s*j + v - p]

    with output sides H_out = floor((H + 2p - k) / s) + 1. The weight matrix has rows (c', u, v),
    channel-major, and one column per output channel."""

    out_channels: int = attrs.field(validator=_int_in(1, MAX_CHANNELS))
    kernel: int = attrs.field(default=3, validator=_int_in(1, MAX_KERNEL))
    stride: int = attrs.field(default=1, validator=_int_in(1, MAX_KERNEL))
    padding: int = attrs.field(default=0, validator=_int_in(0, MAX_KERNEL))
    name = "Conv2d"
    has_weights = True

    def out_shape(self, shape: tuple) -> tuple:
        c, h, w = _spatial(shape, self)
        ho, wo = (_window(n, self.kernel, self.stride, self.padding) for n in (h, w))
        if not ho or not wo:
            raise ValueError(
                f"Conv2d's {self.kernel}x{self.kernel} kernel is larger than its {h}x{w} input"
                + (f" padded by {self.padding}" if self.padding else "")
                + ": use a smaller kernel, more padding, or fewer pooling layers before it"
            )
        return (self.out_channels, ho, wo)

    def matrix(self, shape: tuple) -> tuple[int, int]:
        """(rows, columns) of the unrolled kernel: (k * k * C_in, C_out)."""
        return self.kernel * self.kernel * shape[0], self.out_channels

    def positions(self, shape: tuple) -> int:
        _c, ho, wo = self.out_shape(shape)
        return ho * wo

    def _padded(self, x: np.ndarray, shape: tuple) -> np.ndarray:
        c, h, w = shape
        maps = x.reshape(len(x), c, h, w)
        p = self.padding
        return np.pad(maps, ((0, 0), (0, 0), (p, p), (p, p))) if p else maps

    def patches(self, x: np.ndarray, shape: tuple) -> np.ndarray:
        """im2col: every output position's input patch as a row, (samples * H_out * W_out) x (k*k*C_in),
        rows sample-major then position row-major, columns (c', u, v) channel-major."""
        c, _h, _w = shape
        _co, ho, wo = self.out_shape(shape)
        k, s = self.kernel, self.stride
        win = sliding_window_view(self._padded(x, shape), (k, k), axis=(2, 3))[:, :, : s * ho : s, : s * wo : s]
        return np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(len(x) * ho * wo, c * k * k)

    def fold(self, cols: np.ndarray, shape: tuple) -> np.ndarray:
        """col2im, the transpose of `patches`: every row's (c', u, v) entries added onto the input
        position they were read from, x[c', s*i + u - p, s*j + v - p] += cols[(i, j), (c', u, v)]."""
        c, h, w = shape
        _co, ho, wo = self.out_shape(shape)
        k, s, p = self.kernel, self.stride, self.padding
        samples = len(cols) // (ho * wo)
        parts = cols.reshape(samples, ho, wo, c, k, k)
        out = np.zeros((samples, c, h + 2 * p, w + 2 * p), dtype=cols.dtype)
        for u in range(k):
            for v in range(k):
                out[:, :, u : u + s * ho : s, v : v + s * wo : s] += parts[:, :, :, :, u, v].transpose(0, 3, 1, 2)
        return out[:, :, p : p + h, p : p + w].reshape(samples, c * h * w)

    def rows(self, y: np.ndarray, shape: tuple) -> np.ndarray:
        """A (samples, C_out*H_out*W_out) tensor as read rows: (samples * positions) x C_out."""
        co, ho, wo = self.out_shape(shape)
        return np.ascontiguousarray(y.reshape(len(y), co, ho * wo).transpose(0, 2, 1)).reshape(-1, co)

    def unrows(self, y: np.ndarray, shape: tuple) -> np.ndarray:
        """Read rows (samples * positions) x C_out back into the layout (samples, C_out*H_out*W_out)."""
        co, ho, wo = self.out_shape(shape)
        return np.ascontiguousarray(y.reshape(-1, ho * wo, co).transpose(0, 2, 1)).reshape(-1, co * ho * wo)

    def describe(self) -> str:
        extra = (f", stride={self.stride}" if self.stride != 1 else "") + (
            f", padding={self.padding}" if self.padding else ""
        )
        return f"Conv2d({self.out_channels}, {self.kernel}{extra})"


@attrs.frozen
class _Pool:
    kernel: int = attrs.field(default=2, validator=_int_in(1, MAX_KERNEL))
    stride: int | None = attrs.field(default=None, validator=attrs.validators.optional(_int_in(1, MAX_KERNEL)))
    has_weights = False

    @property
    def step(self) -> int:
        return self.kernel if self.stride is None else self.stride

    def out_shape(self, shape: tuple) -> tuple:
        c, h, w = _spatial(shape, self)
        ho, wo = (_window(n, self.kernel, self.step, 0) for n in (h, w))
        if not ho or not wo:
            raise ValueError(
                f"{self.name}'s {self.kernel}x{self.kernel} window is larger than its {h}x{w} input: "
                "use a smaller window or fewer pooling layers"
            )
        return (c, ho, wo)

    def _windows(self, x: np.ndarray, shape: tuple) -> np.ndarray:
        """(samples, C, H_out, W_out, k*k): every output's window."""
        c, h, w = shape
        _c, ho, wo = self.out_shape(shape)
        k, s = self.kernel, self.step
        win = sliding_window_view(x.reshape(len(x), c, h, w), (k, k), axis=(2, 3))[:, :, : s * ho : s, : s * wo : s]
        return win.reshape(len(x), c, ho, wo, k * k)

    def _spread(self, parts, shape: tuple) -> np.ndarray:
        """sum over the window offsets (u, v) of parts(u, v) (samples, C, H_out, W_out) added onto the
        input positions they came from."""
        c, h, w = shape
        _c, ho, wo = self.out_shape(shape)
        k, s = self.kernel, self.step
        out = None
        for u in range(k):
            for v in range(k):
                part = parts(u * k + v)
                if out is None:
                    out = np.zeros((len(part), c, h, w), dtype=part.dtype)
                out[:, :, u : u + s * ho : s, v : v + s * wo : s] += part
        return out.reshape(len(out), c * h * w)

    def describe(self) -> str:
        return f"{self.name}({self.kernel}" + (f", stride={self.stride}" if self.stride is not None else "") + ")"


@attrs.frozen
class MaxPool2d(_Pool):
    """Max pooling over `kernel` x `kernel` windows moved by `stride` (default: the kernel),
    out[c, i, j] = max_{u, v} x[c, s*i + u, s*j + v]; in the digital periphery after the activation.
    Its backward pass routes each output's gradient to the first position holding the maximum."""

    name = "MaxPool2d"

    def forward(self, x: np.ndarray, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(pooled output, the argmax of every window) for `backward`."""
        win = self._windows(x, shape)
        arg = win.argmax(axis=4)
        out = np.take_along_axis(win, arg[..., None], axis=4)[..., 0]
        return out.reshape(len(x), -1), arg

    def backward(self, g: np.ndarray, memo: np.ndarray, shape: tuple) -> np.ndarray:
        """dL/dx: g of each window added at its argmax position."""
        g = g.reshape(memo.shape)
        zero = np.zeros((), dtype=g.dtype)
        return self._spread(lambda offset: np.where(memo == offset, g, zero), shape)


@attrs.frozen
class AvgPool2d(_Pool):
    """Average pooling, out[c, i, j] = (1 / k^2) sum_{u, v} x[c, s*i + u, s*j + v]; its backward pass
    spreads each output's gradient evenly, g / k^2 to every position of the window."""

    name = "AvgPool2d"

    def forward(self, x: np.ndarray, shape: tuple) -> tuple[np.ndarray, None]:
        win = self._windows(x, shape)
        out = win.sum(axis=4, dtype=x.dtype) * x.dtype.type(1.0 / (self.kernel * self.kernel))
        return out.reshape(len(x), -1), None

    def backward(self, g: np.ndarray, memo, shape: tuple) -> np.ndarray:
        _c, ho, wo = self.out_shape(shape)
        share = g.reshape(len(g), -1, ho, wo) * g.dtype.type(1.0 / (self.kernel * self.kernel))
        return self._spread(lambda offset: share, shape)


@attrs.frozen
class Flatten:
    """A feature map (C, H, W) seen as a vector of C*H*W values (channel-major): it moves nothing,
    since tensors are kept flattened."""

    name = "Flatten"
    has_weights = False

    def out_shape(self, shape: tuple) -> tuple:
        return (math.prod(shape),)

    def forward(self, x: np.ndarray, shape: tuple):
        return x, None

    def backward(self, g: np.ndarray, memo, shape: tuple) -> np.ndarray:
        return g

    def describe(self) -> str:
        return "Flatten()"


LAYER_TYPES = (Dense, Conv2d, MaxPool2d, AvgPool2d, Flatten)


@attrs.frozen
class Stage:
    """One weight layer and the digital operations after its activation, on known shapes.

    `in_shape` is what the layer reads, `out_shape` its pre-activations (the units a hidden layer's
    learning signal has), `post` the pooling and flattening after the activation as (layer, in_shape)
    pairs, `next_shape` what the next weight layer reads; `rows` x `cols` its weight matrix, read at
    `positions` output positions per sample."""

    index: int
    layer: Dense | Conv2d
    number: int  # 1-based position in network.layers, for messages
    in_shape: tuple
    out_shape: tuple
    post: tuple = ()
    next_shape: tuple = ()

    @property
    def rows(self) -> int:
        return self.layer.matrix(self.in_shape)[0]

    @property
    def cols(self) -> int:
        return self.layer.matrix(self.in_shape)[1]

    @property
    def positions(self) -> int:
        return self.layer.positions(self.in_shape)

    @property
    def inputs(self) -> int:
        """Values of the tensor the layer reads, per sample."""
        return math.prod(self.in_shape)

    @property
    def units(self) -> int:
        """Pre-activation values per sample (C_out * H_out * W_out for a convolution)."""
        return math.prod(self.out_shape)

    @property
    def outputs(self) -> int:
        """Values per sample after pooling: what the next layer reads."""
        return math.prod(self.next_shape)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one sample's forward read: positions * rows * cols."""
        return self.positions * self.rows * self.cols

    @property
    def fans(self) -> tuple[int, int]:
        """(fan-in, fan-out) for Glorot's initialisation: the inputs of one output, and the outputs one
        input feeds at a position (rows, columns; a kernel's k*k*C_out)."""
        k = self.layer.kernel if self.is_conv else 1
        return self.rows, self.cols * k * k

    @property
    def is_conv(self) -> bool:
        return isinstance(self.layer, Conv2d)

    def patches(self, x: np.ndarray) -> np.ndarray:
        return self.layer.patches(x, self.in_shape)

    def fold(self, cols: np.ndarray) -> np.ndarray:
        return self.layer.fold(cols, self.in_shape)

    def rows_of(self, y: np.ndarray) -> np.ndarray:
        return self.layer.rows(y, self.in_shape)

    def unrows(self, y: np.ndarray) -> np.ndarray:
        return self.layer.unrows(y, self.in_shape)

    def pool(self, h: np.ndarray) -> tuple[np.ndarray, list]:
        """The activation h through the operations after it: (what the next layer reads, memos)."""
        memos = []
        for op, shape in self.post:
            h, memo = op.forward(h, shape)
            memos.append(memo)
        return h, memos

    def unpool(self, g: np.ndarray, memos: list) -> np.ndarray:
        """A gradient on the next layer's input back through the operations after the activation."""
        for (op, shape), memo in reversed(list(zip(self.post, memos))):
            g = op.backward(g, memo, shape)
        return g

    def describe(self) -> str:
        return " ".join([self.layer.describe(), *(op.describe() for op, _s in self.post)])


@attrs.frozen
class Geometry:
    """A network on its input shape: its weight layers as `Stage`s."""

    in_shape: tuple
    stages: tuple

    @property
    def units(self) -> tuple[int, ...]:
        """(input values, units of every weight layer): an MLP's `network.sizes`."""
        return (math.prod(self.in_shape), *(s.units for s in self.stages))

    @property
    def layers(self) -> int:
        return len(self.stages)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Each weight layer's kind, "conv" or "dense" (what a rule may choose its signal by)."""
        return tuple("conv" if s.is_conv else "dense" for s in self.stages)

    @property
    def has_conv(self) -> bool:
        return any(s.is_conv for s in self.stages)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of one sample's forward pass."""
        return sum(s.macs for s in self.stages)

    def describe(self) -> str:
        return " ".join(s.describe() for s in self.stages)


def dense(sizes: tuple[int, ...]) -> tuple:
    """An MLP's layers from `network.sizes` (inputs, hidden..., outputs)."""
    return tuple(Dense(n) for n in sizes[1:])


@functools.lru_cache(maxsize=64)
def geometry(layers: tuple, in_shape: tuple) -> Geometry:
    """Every layer's shapes on `in_shape`, checked: ValueError "layer N (Type): ..." for a shape that
    cannot work; the last layer must be a weight layer (the outputs)."""
    if not layers:
        raise ValueError("network.layers is empty: give at least one Dense layer (the outputs)")
    shape, stages, post, current = tuple(in_shape), [], [], None
    for number, layer in enumerate(layers, 1):
        if not isinstance(layer, LAYER_TYPES):
            names = ", ".join(t.__name__ for t in LAYER_TYPES)
            raise ValueError(f"network.layers: entry {number} is {layer!r}, not a layer ({names})")
        try:
            out = layer.out_shape(shape)
        except ValueError as exc:
            raise ValueError(f"network.layers: layer {number} ({layer.describe()}): {exc}") from None
        if layer.has_weights:
            if current is not None:
                stages.append(attrs.evolve(current, post=tuple(post), next_shape=shape))
            current, post = Stage(len(stages), layer, number, shape, out), []
        elif current is not None:
            post.append((layer, shape))
        elif not isinstance(layer, Flatten):  # a leading Flatten only renames the input's shape
            raise ValueError(
                f"network.layers: layer {number} ({layer.describe()}) comes before any layer with weights: "
                "pooling follows a Conv2d or Dense layer"
            )
        shape = out
    if post:
        raise ValueError(
            f"network.layers: the last layer ({layers[-1].describe()}) has no weights: end with Dense(classes)"
        )
    if not isinstance(current.layer, Dense):
        raise ValueError(
            f"network.layers: the last layer ({current.layer.describe()}) must be Dense(classes): the outputs"
        )
    stages.append(attrs.evolve(current, next_shape=shape))
    return Geometry(tuple(in_shape), tuple(stages))
