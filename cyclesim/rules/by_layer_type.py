"""One rule for the convolutions and another for the dense layers, e.g. BP through the convolutions
and DFA for the dense layers (Crafton et al., Frontiers in Neuroscience 2019, who found DFA fails to
train convolutions but trains the dense layers of a convolutional network well).

Each hidden layer takes the signal its kind's rule declares; the chains connect where they meet (the
last convolution's BP signal reads W^T of the first dense layer with that layer's DFA delta). Named
"conv:<rule>,dense:<rule>" (`rules.get` builds one from that name); the chip it wants is the dense
layers' rule's.
"""

from cyclesim.rules.base import Rule, Signal


class ByLayerType(Rule):
    def __init__(self, conv: Rule, dense: Rule):
        self.conv, self.dense = conv, dense
        self.name = f"conv:{conv.name},dense:{dense.name}"
        self.default_wgu = dense.default_wgu
        self.default_feedback_store = dense.default_feedback_store

    def declare(self, layer: int, kinds: tuple[str, ...]) -> Signal:
        rule = self.conv if kinds[layer] == "conv" else self.dense
        return rule.declare(layer, kinds)

    def __eq__(self, other) -> bool:
        return isinstance(other, ByLayerType) and (self.conv.name, self.dense.name) == (
            other.conv.name,
            other.dense.name,
        )

    def __hash__(self) -> int:
        return hash((ByLayerType, self.conv.name, self.dense.name))
