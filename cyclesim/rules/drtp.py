"""Direct Random Target Projection: each hidden layer learns from the one-hot target projected through
a fixed random matrix, delta_l = (B_l y*) * f'(a_l) (Frenkel, Lefebvre and Bol, Frontiers in
Neuroscience 2021); the output layer learns from its error as usual.

The signal of layer l exists as soon as layer l's own forward output does, so its weight gradient and
update overlap the forward pass of the layers above. B_l y* selects one row of B_l: a row read from
SRAM, no multiplication.
"""

from cyclesim.rules.base import Rule, Signal


class DRTP(Rule):
    name = "drtp"

    def signal(self, layer: int, layers: int) -> Signal:
        return Signal(layer, source="target", via="feedback")
