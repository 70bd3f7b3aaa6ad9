"""Layer width: network 784-w-w-10 for w in 8, 32, 128, 512, 1024, BP and DFA (hardware), under two
learning-rate regimes.

Reproduces PAPER.md "What they found" item 1 / Table I (final test accuracy vs layer width):
DFA's gap to BP grows at small widths (at width 8 DFA collapses to ~8 % while BP reaches ~44 %).
Built from the shipped workloads/bp_3layer.py and workloads/dfa_3layer.py; only network.sizes,
the learning-rate regime and training.epochs change. Regimes:
- `annealed`: the shipped schedule (training.lr 0.025, cosine-annealed over the run);
- `constant`: a constant step of 0.1 (training.lr_schedule constant), as NeuroSim V2's trainer keeps
  its step constant until its first decay at epoch 200 (Training_pytorch/train.py, --decreasing_lr
  200,250), at the step size the issue-15 study found DFA to collapse with; widths 8, 32, 128.

Points: 5 widths x 2 rules annealed + 3 widths x 2 rules constant = 16, each at 3 epochs, 3 seeds
(48 runs). Quick mode (CYCLESIM_QUICK=1): 1 epoch, 1 seed (16 runs).
Report (`report`, section 1b of docs/RESULTS.md): accuracy vs width per regime, and the mechanism at
the narrowest width: per epoch, the fraction of dead (never above 0) and saturated (never below 1)
hidden units of each hidden layer on the test set. Reproduced when DFA is more than 10 points below
BP at the narrowest width under the shipped regime; the other regime is reported beside it.

Run: python -m cyclesim sweep workloads/paper/width.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import accuracy_by, cfg, figure_lines, md_accuracy_table, section, stats
from cyclesim.sweep import grid

name = "width"
seeds = grid.normal_or_quick(3, quick=1)
order = 2  # place in docs/RESULTS.md

REGIMES = {
    "annealed": ({}, (8, 32, 128, 512, 1024)),
    "constant": ({"lr": 0.1, "lr_schedule": "constant"}, (8, 32, 128)),
}
"""Each learning-rate regime's training settings and the widths it runs."""

points = [
    grid.evolve(
        base,
        name=f"{rule}_w{w}" + ("" if regime == "annealed" else f"_{regime}"),
        network={"sizes": (784, w, w, 10)},
        training=training,
    )
    for regime, (training, widths) in REGIMES.items()
    for rule, base in grid.shipped_by_rule(epochs=grid.normal_or_quick(3, quick=1)).items()
    for w in widths
]


def regime_of(doc: dict) -> str:
    """The REGIMES entry a results document was trained in."""
    return "constant" if cfg(doc, "training.lr_schedule") == "constant" else "annealed"


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/width.png (the shipped regime)."""
    by_regime = {}
    for regime in REGIMES:
        acc = accuracy_by(docs, "network.sizes", lambda d, r=regime: regime_of(d) == r)
        by_regime[regime] = {(r, v[1]): m for (r, v), m in acc.items()}
    acc = by_regime["annealed"]
    fig = figure_lines(acc, figures / "width.png", "hidden width", "Accuracy vs width (784-w-w-10)", logx=True)
    narrow = min(v for _r, v in acc)
    gaps = {
        regime: (a.get(("bp", narrow), (float("nan"),))[0], a.get(("dfa", narrow), (float("nan"),))[0])
        for regime, a in by_regime.items()
        if a
    }
    b, f = gaps["annealed"]
    verdict = "reproduced" if f < b - 10 else ("partly" if f < b else "not reproduced")
    widest = max(v for _r, v in acc)
    gap_wide = acc.get(("bp", widest), (float("nan"),))[0] - acc.get(("dfa", widest), (float("nan"),))[0]
    settings = {r: ", ".join(f"`training.{k}={v}`" for k, v in t.items()) for r, (t, _w) in REGIMES.items()}
    tables = "\n\n".join(
        f"**{regime}** ({settings[regime] or 'the shipped schedule'}):\n\n{md_accuracy_table(a, 'width')}"
        for regime, a in by_regime.items()
        if a
    )
    others = "; ".join(
        f"under the {regime} regime BP {bb:.1f} %, DFA {ff:.1f} % "
        f"({'DFA collapses' if ff < bb - 10 else 'no collapse'})"
        for regime, (bb, ff) in gaps.items()
        if regime != "annealed"
    )
    why = (
        f"Under the shipped annealed schedule DFA is {abs(b - f):.1f} points {'below' if f < b else 'above'} BP at "
        f"width {narrow} (BP − DFA at width {widest}: {gap_wide:.1f} points); {others or 'no other regime ran'}. "
        "The hidden-unit table above says what the units do at that width in each regime."
    )
    return section(
        "1b. Width (Table I)",
        "At width 8 DFA collapses (~8 %) while BP reaches ~44 %; the gap closes with width.",
        tables + "\n\n" + units_table(docs, narrow),
        verdict,
        f"At width {narrow} under the shipped schedule: BP {b:.1f} %, DFA {f:.1f} %.",
        fig,
        why,
    )


def units_table(docs: list[dict], width: int) -> str:
    """Per regime and rule at hidden width `width`: each epoch's dead and saturated fractions of the two
    hidden layers' units (`learn.train.LayerStats`, on the test set), mean over seeds."""
    groups: dict = {}
    for d in docs:
        if cfg(d, "network.sizes")[1] == width and d.get("epochs") and d["epochs"][-1].get("layers"):
            groups.setdefault((regime_of(d), d["config"]["rule"]), []).append(d["epochs"])
    if not groups:
        return ""
    lines = [
        f"Hidden units at width {width}, per epoch (mean over seeds): dead (≤ 0 on every test image) and "
        "saturated (≥ 1 on every one), hidden layer 1 / hidden layer 2, and the final accuracy.",
        "",
        "| regime | rule | epoch | dead | saturated | test accuracy (%) |",
        "|---|---|---|---|---|---|",
    ]
    for (regime, rule), runs in sorted(groups.items()):
        for e in range(min(len(r) for r in runs)):

            def mean(layer, field, e=e, runs=runs):
                return stats([r[e]["layers"][layer][field] for r in runs])[0]

            acc = stats([r[e]["test_accuracy"] for r in runs])[0]
            lines.append(
                f"| {regime} | {rule.upper()} | {e + 1} | {mean(0, 'dead'):.2f} / {mean(1, 'dead'):.2f} | "
                f"{mean(0, 'saturated'):.2f} / {mean(1, 'saturated'):.2f} | {100 * acc:.1f} |"
            )
    return "\n".join(lines)
