"""Direct Feedback Alignment: the output error goes to every hidden layer at once through a fixed
random matrix, delta_l = (B_l e) * f'(a_l) (Nokland, NeurIPS 2016).

No transposed read; once e exists every layer's signal, weight gradient and update can proceed in
parallel, which one weight-gradient unit per layer exploits. B_l is classes x units, so B_l e is
small: held in SRAM and multiplied digitally by default (or programmed into crossbars,
`chip.feedback_store=rram`).
"""

from cyclesim.rules.base import Rule, Signal


class DFA(Rule):
    name = "dfa"

    def signal(self, layer: int, layers: int) -> Signal:
        return Signal(layer, source="error", via="feedback")
