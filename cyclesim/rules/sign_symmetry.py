"""Sign-symmetry (uSF): backpropagation with the transposed weights replaced by their signs,
delta_l = (sign(W_{l+1})^T delta_{l+1}) * f'(a_l) (Liao, Leibo and Poggio, AAAI 2016; Xiao et al.
2018).

How the chip obtains sign(W)^T delta: a digital sign store of one bit per weight (SRAM), refreshed
after each update by reading every row of the array once and comparing each column with the reference
column (a 1-bit conversion: the cell's weight is positive when its conductance exceeds Gref); the
projection is then additions and subtractions of delta in the digital feedback unit. No transposed-read
periphery; the chain is as sequential as BP's.
"""

from cyclesim.rules.base import Rule, Signal


class SignSymmetry(Rule):
    name = "sign_symmetry"
    default_wgu = "shared"

    def signal(self, layer: int, layers: int) -> Signal:
        return Signal(layer, source=layer + 1, via="sign_transposed")
