"""Learning rules, one per file, each a `Rule` declaring how every hidden layer's learning signal is
formed (`base`); the functional model and the engine both execute that declaration.

`get(name_or_rule)` returns the rule a workload names; `NAMES` lists the built-in ones. A workload
file may pass its own `Rule` subclass instance as `Workload(rule=...)`.
"""

from cyclesim.rules.base import Rule, Signal
from cyclesim.rules.bp import BP
from cyclesim.rules.by_layer_type import ByLayerType
from cyclesim.rules.dfa import DFA
from cyclesim.rules.drtp import DRTP
from cyclesim.rules.fa import FA
from cyclesim.rules.sign_symmetry import SignSymmetry

BUILT_IN = {r.name: r for r in (BP(), DFA(), FA(), DRTP(), SignSymmetry())}
NAMES = tuple(BUILT_IN)
"""The built-in rules' names, as `--set rule=NAME` takes them."""

__all__ = ["BUILT_IN", "NAMES", "ByLayerType", "Rule", "Signal", "get"]


def get(rule: str | Rule) -> Rule:
    """The rule named `rule` (a built-in name, or "conv:<name>,dense:<name>" for a `ByLayerType` of
    two built-in rules), or `rule` itself when it is a Rule."""
    if isinstance(rule, Rule):
        return rule
    try:
        if isinstance(rule, str) and rule.startswith("conv:"):
            parts = dict(part.split(":", 1) for part in rule.split(","))
            if set(parts) == {"conv", "dense"}:
                return ByLayerType(BUILT_IN[parts["conv"]], BUILT_IN[parts["dense"]])
            raise KeyError(rule)
        return BUILT_IN[rule]
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            f"unknown rule {rule!r}; use one of {', '.join(NAMES)}, conv:<rule>,dense:<rule> (e.g. conv:bp,dense:dfa) "
            "or a cyclesim.rules.Rule"
        ) from None
