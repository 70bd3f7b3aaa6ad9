"""What a learning rule is: how each hidden layer's learning signal is formed, declared once.

Every rule trains the output layer with the output error, delta_N = e (quantized), and forms the
signal of each hidden layer l as

    delta_l = quantize( via(source) * f'(a_l) )

where `source` is the output error e, the one-hot target y*, or the delta of another layer, and `via`
is the matrix the source goes through: W_{l+1}^T read from the transposable arrays (BP), sign(W_{l+1})^T
from a digital sign store (sign-symmetry), or a fixed random matrix B_l (DFA, FA, DRTP). These
declarations (`Signal`s) are all a rule says; the functional model (`learn.rules`) computes them and
the engine (`engine.schedule`) turns them into SimPy processes that wait for exactly what each signal
needs, so a rule's schedule, its hardware (transposable periphery, feedback storage, sign store) and
its arithmetic all follow from one declaration.
"""

from __future__ import annotations

import attrs
import numpy as np

SOURCES = ("error", "target")
"""Named sources: the output error e (= the output layer's delta) and the one-hot target y*. A
source may also be an int k: the delta of layer k."""

VIAS = ("transposed", "sign_transposed", "feedback")
"""What a source goes through: W_{l+1}^T, sign(W_{l+1})^T, or a fixed random matrix B_l."""

WGUS = ("shared", "per_layer")
FEEDBACK_STORES = ("sram", "rram")


@attrs.frozen
class Signal:
    """The learning signal of hidden layer `layer`: delta_layer = quantize(via(source) * f'(a_layer)).

    `source`: "error", "target", or the index k of the layer whose delta is projected; `via`: one of
    `VIAS` ("transposed" and "sign_transposed" read W_{layer+1}, so their source must be layer + 1).
    """

    layer: int
    source: str | int
    via: str

    @property
    def mirrors_next(self) -> bool:
        """Whether B_layer stands in for W_{layer+1} (a feedback signal from the next layer's delta, as
        FA's): it has the shape of W_{layer+1}^T and is read as the transposed weights are, at every
        output position of a convolution. Any other feedback projects its source directly onto every
        unit of the layer."""
        return self.via == "feedback" and self.source == self.layer + 1

    @property
    def reads_weights(self) -> int | None:
        """The weight layer this signal reads in the backward pass (W_{layer+1}), or None."""
        return self.layer + 1 if self.via in ("transposed", "sign_transposed") else None


class Rule:
    """A learning rule: subclasses set `name` and implement `signal`; the hardware they want is
    `default_wgu` ("shared" or "per_layer" weight-gradient units) and `default_feedback_store`
    ("sram": fixed matrices held digitally and multiplied by a digital MAC; "rram": programmed into
    crossbars read through ADCs). `feedback_matrix` draws a fixed random matrix (override it, e.g.
    for a sparse one)."""

    name: str = ""
    default_wgu: str = "per_layer"
    default_feedback_store: str = "sram"

    def signal(self, layer: int, layers: int) -> Signal:
        """The learning signal of hidden layer `layer` (0-based) of a network of `layers` weight layers."""
        raise NotImplementedError

    def declare(self, layer: int, kinds: tuple[str, ...]) -> Signal:
        """The signal of hidden layer `layer` in a network whose weight layers are of `kinds` ("conv" or
        "dense" each): `signal(layer, len(kinds))` unless the rule depends on the layers' kinds."""
        return self.signal(layer, len(kinds))

    def feedback_matrix(self, rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
        """A fixed random feedback matrix (rows = source entries, cols = the layer's units), entries
        in [-1, 1] (scaled by 1/sqrt(rows) where it is used): uniform, as Lillicrap et al. and
        Nokland draw theirs."""
        return rng.uniform(-1.0, 1.0, size=(rows, cols))

    def __repr__(self) -> str:
        return f"<rule {self.name}>"


def signals(rule: Rule, kinds: tuple[str, ...]) -> list[Signal]:
    """The rule's signals for a network whose weight layers are of `kinds` ("conv" or "dense"), checked:
    one per hidden layer, each well formed, and every delta reachable from the error or the target (no
    cycle). Raises ValueError naming the problem (the workload loader turns it into one `error:` line)."""
    who = f"rule {rule.name or type(rule).__name__!r}"
    layers = len(kinds)
    out = []
    for l in range(layers - 1):
        try:
            s = rule.declare(l, tuple(kinds))
        except NotImplementedError:
            raise ValueError(f"{who} defines no `signal(layer, layers)`; return a cyclesim.rules.Signal") from None
        if not isinstance(s, Signal):
            raise ValueError(f"{who}: signal({l}, {layers}) must return a cyclesim.rules.Signal, got {s!r}")
        if s.layer != l:
            raise ValueError(f"{who}: signal({l}, {layers}) is for layer {s.layer}, not {l}")
        if s.via not in VIAS:
            raise ValueError(f"{who}: layer {l}'s via must be one of {', '.join(VIAS)}; got {s.via!r}")
        if isinstance(s.source, bool) or not (s.source in SOURCES or isinstance(s.source, int)):
            raise ValueError(f"{who}: layer {l}'s source must be 'error', 'target' or a layer index; got {s.source!r}")
        if isinstance(s.source, int) and not (0 <= s.source < layers and s.source != l):
            raise ValueError(
                f"{who}: layer {l}'s source is the delta of layer {s.source}, which does not exist "
                f"(layers 0..{layers - 1}, not its own)"
            )
        if s.reads_weights is not None and s.source not in (l + 1, "error" if l + 1 == layers - 1 else None):
            raise ValueError(
                f"{who}: layer {l}'s via {s.via!r} reads W_{l + 1}, so its source must be the delta "
                f"of layer {l + 1}; got {s.source!r}"
            )
        out.append(s)
    order(out, layers, who)  # raises on a cycle
    return out


def source_layer(s: Signal, layers: int) -> int | None:
    """The layer whose delta `s` projects (the output layer for "error"), or None for the target."""
    if s.source == "target":
        return None
    return layers - 1 if s.source == "error" else s.source


def order(sigs: list[Signal], layers: int, who: str = "rule") -> list[Signal]:
    """The signals in an order in which every source exists before it is used (the output delta and
    the target exist from the start). ValueError when the deltas depend on each other in a circle."""
    done = {layers - 1}
    pending = list(sigs)
    out = []
    while pending:
        ready = [s for s in pending if source_layer(s, layers) is None or source_layer(s, layers) in done]
        if not ready:
            chain = ", ".join(f"layer {s.layer} <- delta {s.source}" for s in pending)
            raise ValueError(
                f"{who}: the learning signals wait for each other in a circle ({chain}); "
                f"every chain must start from 'error' or 'target'"
            )
        for s in ready:
            out.append(s)
            done.add(s.layer)
            pending.remove(s)
    return out


def chains(sigs: list[Signal], layers: int) -> list[list[Signal]]:
    """The signals grouped into chains, each computed one after another by one process: a chain starts
    at a signal whose source is the error or the target and continues with the (first) signal that
    projects the previous one's delta. A signal fed by a delta that already feeds a chain step starts
    its own chain. Chains are listed by their first layer, ascending; steps in dependency order."""
    by_source: dict = {}
    for s in sorted(sigs, key=lambda s: s.layer):
        by_source.setdefault(source_layer(s, layers), []).append(s)
    out = []
    starts = [s for s in sorted(sigs, key=lambda s: s.layer) if source_layer(s, layers) in (None, layers - 1)]
    followers = {k: v[1:] for k, v in by_source.items()}  # extra dependents start chains of their own
    queue = list(starts)
    while queue:
        head = queue.pop(0)
        chain = [head]
        while by_source.get(chain[-1].layer):
            chain.append(by_source[chain[-1].layer][0])
        for step in chain:
            queue += followers.get(step.layer, [])
        out.append(chain)
    return out


def needs_transposable(sigs: list[Signal]) -> bool:
    """Whether the weight arrays need BP's transposed-read periphery (any signal reads W^T)."""
    return any(s.via == "transposed" for s in sigs)


def feedback_shapes(sigs: list[Signal], geometry) -> dict[int, tuple[int, int]]:
    """Layer -> (rows, cols) of its fixed random matrix B_l on a network's `layers.Geometry`. A matrix
    standing in for W_{l+1} (`Signal.mirrors_next`) has W_{l+1}^T's shape: rows its columns, cols its
    rows (for a convolution, output channels x k*k*C_in). Any other has rows the source's entries (the
    classes for the error or the target, the units of layer k for delta_k) and cols the layer's units
    (for a convolution, every output unit C x H x W)."""
    stages = geometry.stages
    out = {}
    for s in sigs:
        if s.via != "feedback":
            continue
        if s.mirrors_next:
            nxt = stages[s.layer + 1]
            out[s.layer] = (nxt.cols, nxt.rows)
        else:
            src = source_layer(s, len(stages))
            out[s.layer] = (stages[-1].units if src is None else stages[src].units, stages[s.layer].units)
    return out


def sign_bits(sigs: list[Signal], geometry) -> int:
    """Bits of the digital sign store: one per weight of every W read as sign(W)^T."""
    stages = geometry.stages
    return sum(stages[s.layer + 1].rows * stages[s.layer + 1].cols for s in sigs if s.via == "sign_transposed")
