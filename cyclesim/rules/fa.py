"""Feedback Alignment: backpropagation's sequential chain, but through fixed random matrices instead
of the transposed weights, delta_l = (B_{l+1} delta_{l+1}) * f'(a_l) (Lillicrap et al., Nature
Communications 2016).

The chain is as sequential as BP's, yet needs no transposed read of W: each B_{l+1} has the shape of
W_{l+1}^T, so the natural chip programs it into its own crossbars (read through ADCs, never updated).
"""

from cyclesim.rules.base import Rule, Signal


class FA(Rule):
    name = "fa"
    default_wgu = "shared"
    default_feedback_store = "rram"

    def signal(self, layer: int, layers: int) -> Signal:
        return Signal(layer, source=layer + 1, via="feedback")
