"""Backpropagation: the output error goes down through the transposed weight arrays, one layer after
another, delta_l = (W_{l+1}^T delta_{l+1}) * f'(a_l) (Rumelhart et al. 1986).

On the chip each weight array gets NeuroSim's transposed-read periphery (a second set of ADCs and
shift-adders on the rows), and layer l's signal waits for layer l + 1's: a sequential chain. One
weight-gradient unit, sized for the largest layer, is the natural chip (the layers finish one after
another anyway).
"""

from cyclesim.rules.base import Rule, Signal


class BP(Rule):
    name = "bp"
    default_wgu = "shared"

    def signal(self, layer: int, layers: int) -> Signal:
        return Signal(layer, source=layer + 1, via="transposed")
