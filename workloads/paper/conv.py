"""Convolutional networks: which learning rules train them, and what they cost on the chip.

Beyond the paper (issue 14). The paper cites the best-known limit of DFA, that it fails on
convolutional networks (Launay et al. 2019); this experiment measures it. Points:
- every rule on the LeNet-5-like network of workloads/lenet_mnist.py in ideal mode (the rules' own
  accuracy, no hardware) on MNIST and Fashion-MNIST: BP, FA, DFA, DRTP, sign-symmetry, and BP through
  the convolutions with DFA for the dense layers (`conv:bp,dense:dfa`, Crafton et al. 2019);
- BP and DFA on an MLP of the same depth (five weight layers, 784-512-256-120-84-10) on both datasets:
  the BP-DFA gap on the convolutional network against the same gap on the MLP tells whether DFA fails
  on convolutions or on depth;
- FA on the same MLP, and FA and DFA on both networks at a fifth of the learning rate (MNIST): whether
  a rule's failure is the network's kind, its depth, or the step size;
- LeNet trained by BP on the chip (hardware mode, MNIST);
- VGG-8 (NeuroSim V2.0's default training workload, workloads/vgg8_cifar10.py) with BP and DFA as a
  hardware-only estimate (`training.epochs=0`, batch 16) on the synthetic CIFAR-shaped set, so it runs
  without the CIFAR-10 files: its map, area, one simulated iteration and its energy.
10 epochs (quick mode 1), one seed, lr 0.025 (the LeNet workload's) unless the point says otherwise.

Report (`report`, docs/CONV.md): accuracy per rule beside BioTorch's published LeNet errors, the
BP-DFA gaps and the verdict on "DFA fails on convolutional networks"; LeNet on the chip (ideal ->
hardware loss, latency, energy, area) and VGG-8's chip by category and phase.

Run: python -m cyclesim sweep workloads/paper/conv.py --workers 2
"""

import math
from pathlib import Path

import attrs

from cyclesim import Network
from cyclesim.report.findings import cfg, clause_reason, clause_verdict, final, pyplot_or_none, save_figure, section
from cyclesim.sweep import grid
from cyclesim.terms import PHASES
from cyclesim.workload import load

name = "conv"
seeds = 1
order = 14
document = "CONV.md"

RULES = ("bp", "fa", "dfa", "drtp", "sign_symmetry", "conv:bp,dense:dfa")
_DATASETS = ("mnist", "fashion-mnist")
_MLP = (784, 512, 256, 120, 84, 10)
_EPOCHS = grid.normal_or_quick(10, quick=1)
_LR = 0.025  # the LeNet workload's
_LOW_LR = 0.005  # the feedback rules again at a fifth of it: is their failure the rule or the step size?

_lenet = load(grid.WORKLOADS / "lenet_mnist.py")
_base = grid.evolve(_lenet, mode="ideal", training={"epochs": _EPOCHS})
_vgg8 = load(grid.WORKLOADS / "vgg8_cifar10.py")


def _slug(rule: str) -> str:
    return rule.replace(":", "").replace(",", "_")


points = (
    [
        attrs.evolve(_base, name=f"lenet_{dataset}_{_slug(rule)}", rule=rule, dataset=dataset)
        for dataset in _DATASETS
        for rule in RULES
    ]
    + [
        attrs.evolve(_base, name=f"mlp5_{dataset}_{rule}", rule=rule, dataset=dataset, network=Network(sizes=_MLP))
        for dataset in _DATASETS
        for rule in ("bp", "dfa")
    ]
    + [attrs.evolve(_base, name="lenet_mnist_hardware_bp", rule="bp", mode="hardware")]
    + [
        grid.evolve(_vgg8, name=f"vgg8_{rule}_estimate", rule=rule, dataset="synthetic", training={"epochs": 0})
        for rule in ("bp", "dfa")
    ]
    + [
        attrs.evolve(_base, name=f"mlp5_{dataset}_fa", rule="fa", dataset=dataset, network=Network(sizes=_MLP))
        for dataset in _DATASETS
    ]
    + [
        grid.evolve(_base, name=f"{net}_mnist_{rule}_lr{_LOW_LR}", rule=rule, network=network, training={"lr": _LOW_LR})
        for net, network in (("lenet", _base.network), ("mlp5", Network(sizes=_MLP)))
        for rule in ("fa", "dfa")
    ]
)

BIOTORCH = {"bp": (0.84, 8.88), "fa": (1.91, 12.77), "dfa": (1.71, 12.76), "sign_symmetry": (0.83, 9.22)}
"""BioTorch's LeNet test errors (%), MNIST / Fashion-MNIST (Sanfiz & Akrout 2021, BioTorch README;
sign-symmetry: their uSF)."""

LABELS = {
    "bp": "BP",
    "fa": "FA",
    "dfa": "DFA",
    "drtp": "DRTP",
    "sign_symmetry": "sign-symmetry",
    "conv:bp,dense:dfa": "conv BP + dense DFA",
}
_SETS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
_NAN = float("nan")
_MARGIN_PT = 1.0
"""How much further behind BP DFA must fall on LeNet than on the MLP to count as failing on convolutions:
a point, several times the seed-to-seed sd of these accuracies (0.1-0.3 pt over 3 seeds in RULES.md)."""
_VGG8_BUDGET_S = 60.0  # issue 14: map, price and simulate one VGG-8 iteration within a minute


def _net(doc: dict) -> str:
    """ "vgg8", "lenet" or "mlp5": which network a results document trained."""
    point = doc["config"]["name"]
    return point.split("_", 1)[0]


def report(docs: list[dict], figures: Path) -> str:
    """The two markdown sections of this experiment from the results documents of its complete points:
    the rules on LeNet (with figures/conv_rules.png) and the convolutional networks on the chip."""
    return _rules_section(docs, figures) + "\n" + _chip_section(docs)


# ---- rules ---------------------------------------------------------------------------------------


def _accuracy(docs: list[dict], lr: float = _LR) -> dict:
    """{(network, rule, dataset, mode): final test accuracy (%)} of the training points at learning rate
    `lr` (one seed)."""
    return {
        (_net(d), d["config"]["rule"], d["config"]["dataset"], d["config"]["mode"]): 100 * final(d)
        for d in docs
        if cfg(d, "training.epochs") > 0 and cfg(d, "training.lr") == lr
    }


def _pct(v: float | None) -> str:
    return "–" if v is None or math.isnan(v) else f"{v:.2f}"


def _gaps(acc: dict, low: dict | None = None) -> dict:
    """{(network, dataset): BP − DFA in points} in ideal mode, DFA at the better of its learning rates
    (`acc` at the protocol's, `low` at `_LOW_LR` where that point exists); nan when a point is missing."""

    def dfa(net: str, ds: str) -> float:
        tried = [a[(net, "dfa", ds, "ideal")] for a in (acc, low or {}) if (net, "dfa", ds, "ideal") in a]
        return max(tried, default=_NAN)

    return {
        (net, ds): acc.get((net, "bp", ds, "ideal"), _NAN) - dfa(net, ds)
        for net in ("lenet", "mlp5")
        for ds in _DATASETS
    }


def _clauses(gaps: dict) -> list[tuple[str, bool, str]]:
    """Per dataset: does DFA fall further behind BP on the convolutional network than on the MLP of the
    same depth, by more than `_MARGIN_PT`?"""
    out = []
    for ds in _DATASETS:
        conv, mlp = gaps[("lenet", ds)], gaps[("mlp5", ds)]
        out.append(
            (
                f"{_SETS[ds]}: BP − DFA more than {_MARGIN_PT:g} pt larger on LeNet than on the MLP",
                _holds(conv - mlp > _MARGIN_PT, conv, mlp),
                f"{_pct(conv)} pt on LeNet, {_pct(mlp)} pt on the MLP",
            )
        )
    return out


def _holds(ok: bool, *figures: float) -> bool | None:
    """`ok`, or None (pending) when a figure it compares is missing (nan)."""
    return None if any(math.isnan(f) for f in figures) else bool(ok)


def _rules_section(docs: list[dict], figures: Path) -> str:
    acc = _accuracy(docs)
    rows = [
        "| network | rule | MNIST (%) | BioTorch LeNet MNIST (%) | Fashion-MNIST (%) | BioTorch LeNet Fashion (%) |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        pub = BIOTORCH.get(rule)
        cells = []
        for i, ds in enumerate(_DATASETS):
            cells += [_pct(acc.get(("lenet", rule, ds, "ideal"))), "–" if pub is None else f"{100 - pub[i]:.2f}"]
        rows.append(f"| LeNet | {LABELS[rule]} | " + " | ".join(cells) + " |")
    for rule in ("bp", "fa", "dfa"):
        cells = [c for ds in _DATASETS for c in (_pct(acc.get(("mlp5", rule, ds, "ideal"))), "")]
        rows.append(f"| MLP 784-512-256-120-84-10 | {LABELS[rule]} | " + " | ".join(cells) + " |")
    low = _accuracy(docs, _LOW_LR)
    lr_rows = [
        f"| network | rule | lr {_LR:g} (%) | lr {_LOW_LR:g} (%) |",
        "|---|---|---|---|",
    ] + [
        f"| {'LeNet' if net == 'lenet' else 'MLP of equal depth'} | {LABELS[rule]} | "
        f"{_pct(acc.get((net, rule, 'mnist', 'ideal')))} | {_pct(low.get((net, rule, 'mnist', 'ideal')))} |"
        for net in ("lenet", "mlp5")
        for rule in ("bp", "fa", "dfa")
    ]
    protocol, gaps = _gaps(acc), _gaps(acc, low)
    gap_rows = [
        f"| dataset | LeNet, lr {_LR:g} | MLP, lr {_LR:g} | LeNet, DFA's better lr | MLP, DFA's better lr | "
        "BioTorch LeNet |",
        "|---|---|---|---|---|---|",
    ] + [
        f"| {_SETS[ds]} | {_pct(protocol[('lenet', ds)])} | {_pct(protocol[('mlp5', ds)])} | "
        f"{_pct(gaps[('lenet', ds)])} | {_pct(gaps[('mlp5', ds)])} | {BIOTORCH['dfa'][i] - BIOTORCH['bp'][i]:.2f} |"
        for i, ds in enumerate(_DATASETS)
    ]
    epochs = sorted({cfg(d, "training.epochs") for d in docs if cfg(d, "training.epochs") > 0})
    note = (
        f"Final test accuracy, ideal mode (float weights, no hardware), one seed, {'/'.join(map(str, epochs)) or '–'} "
        "epochs, lr 0.025, batch 200, SSE loss, cosine schedule. LeNet: conv 6@5x5 (pad 2), max pool, conv 16@5x5, "
        "max pool, dense 120, 84, 10, ReLU. BioTorch: 100 − its published LeNet test error."
    )
    clauses = _clauses(gaps)
    verdict = clause_verdict(clauses)
    live = _live(docs)
    why = _why(acc, gaps, live)
    return section(
        "1. Learning rules on a convolutional network (LeNet-5-like, ideal mode)",
        "Not in the paper, which cites the limit: DFA fails on convolutional networks (Launay et al. 2019). "
        "Published LeNet test errors (BioTorch, Sanfiz & Akrout 2021), MNIST / Fashion-MNIST: BP 0.84 / 8.88, "
        "FA 1.91 / 12.77, DFA 1.71 / 12.76, sign-symmetry (uSF) 0.83 / 9.22 %.",
        note
        + "\n\n"
        + "\n".join(rows)
        + f"\n\nBP − DFA (points); the verdict takes DFA at the better of the learning rates tried ({_LR:g} and "
        f"{_LOW_LR:g} on MNIST, {_LR:g} on Fashion-MNIST), so a step size DFA cannot take is not counted as "
        "DFA failing:\n\n"
        + "\n".join(gap_rows)
        + "\n\nThe feedback rules at a fifth of the learning rate (MNIST; BP only at the protocol's rate):\n\n"
        + "\n".join(lr_rows)
        + "\n\n"
        + _live_table(live),
        verdict,
        clause_reason(clauses),
        _figure(acc, figures),
        why,
    )


def _live(docs: list[dict]) -> dict:
    """{(network, rule, dataset): [share of units still in the linear range per hidden layer]} after the
    last epoch of the ideal points at the protocol's learning rate: a unit is out of it when it is dead
    (a <= 0 on every test sample) or saturated (a >= 1 on every one, the top of the chip's activation
    range); either way f'(a) = 0 and no rule can change what it computes."""
    out = {}
    for d in docs:
        if cfg(d, "training.epochs") > 0 and cfg(d, "training.lr") == _LR and d["config"]["mode"] == "ideal":
            layers = d["epochs"][-1]["layers"][:-1] if d.get("epochs") else []
            out[(_net(d), d["config"]["rule"], d["config"]["dataset"])] = [
                1.0 - (layer["dead"] or 0.0) - (layer["saturated"] or 0.0) for layer in layers
            ]
    return out


def _live_table(live: dict) -> str:
    rows = [
        "Units still in the linear range (0 < a < 1 on some test sample) after the last epoch, per hidden layer "
        "(LeNet: conv 6, conv 16, dense 120, dense 84; the MLP: 512, 256, 120, 84), MNIST:",
        "",
        "| network | rule | live units per hidden layer (%) |",
        "|---|---|---|",
    ]
    for net in ("lenet", "mlp5"):
        for rule in RULES:
            if (net, rule, "mnist") in live:
                shares = " / ".join(f"{100 * v:.0f}" for v in live[(net, rule, "mnist")])
                rows.append(f"| {'LeNet' if net == 'lenet' else 'MLP of equal depth'} | {LABELS[rule]} | {shares} |")
    return "\n".join(rows)


def _why(acc: dict, gaps: dict, live: dict) -> str | None:
    """What the numbers say about where a feedback rule fails, beside BioTorch's small gaps."""
    if not live:
        return None
    parts = []
    for rule in ("fa", "dfa", "drtp"):
        shares = live.get(("lenet", rule, "mnist"))
        if shares and acc.get(("lenet", rule, "mnist", "ideal"), 100.0) < 90.0:
            parts.append(f"{LABELS[rule]} {min(shares[2:], default=_NAN) * 100:.0f} %")
    if not parts:
        return None
    bp = live.get(("lenet", "bp", "mnist"))
    return (
        "Where a feedback rule falls far below BP on LeNet, its dense layers have collapsed: the fewest units of a "
        f"dense hidden layer still in the linear range are {', '.join(parts)}"
        + (f", against {min(bp[2:], default=_NAN) * 100:.0f} % under BP" if bp else "")
        + ". Every other unit is dead or pinned at the top of the chip's activation range [0, 1], where f'(a) = 0, so "
        "neither the error nor a fixed random projection of it can move it again. BioTorch trains with unbounded "
        "ReLUs and cross-entropy, which have no such trap; its gaps are the rule's alone, ours include how the rule "
        "copes with a bounded activation and the SSE error at this step size (see the table at a fifth of it)."
    )


def _figure(acc: dict, figures: Path) -> str | None:
    plt = pyplot_or_none()
    if plt is None or not acc:
        return None
    f, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=False)
    for ax, ds in zip(axes, _DATASETS, strict=True):
        ours = [acc.get(("lenet", r, ds, "ideal"), _NAN) for r in RULES]
        pub = [100 - BIOTORCH[r][_DATASETS.index(ds)] if r in BIOTORCH else _NAN for r in RULES]
        xs = range(len(RULES))
        ax.bar([x - 0.2 for x in xs], ours, 0.4, color="tab:blue", label="cyclesim LeNet")
        ax.bar([x + 0.2 for x in xs], pub, 0.4, color="tab:gray", label="BioTorch LeNet")
        for rule, colour in (("bp", "tab:green"), ("dfa", "tab:orange")):
            m = acc.get(("mlp5", rule, ds, "ideal"))
            if m is not None:
                ax.axhline(m, color=colour, ls="--", lw=1, label=f"MLP of equal depth, {LABELS[rule]}")
        ax.set_xticks(list(xs), [LABELS[r] for r in RULES], rotation=25, ha="right")
        finite = [v for v in ours + pub if not math.isnan(v)]
        ax.set_ylim(max(0.0, min(finite, default=0.0) - 5), 100)
        ax.set_title(_SETS[ds])
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("final test accuracy (%)")
    axes[1].legend(fontsize=8)
    return save_figure(plt, f, figures / "conv_rules.png", "Learning rules on LeNet")


# ---- the chip ------------------------------------------------------------------------------------


def _phases(values: dict, scale: float, fmt: str) -> str:
    return " / ".join(format(scale * values.get(p, 0.0), fmt) for p in PHASES)


def _chip_row(d: dict) -> list[str]:
    fp, area = d["floorplan"], d["area"]
    lat, energy = d.get("latency"), d.get("energy")
    return [
        f"{fp['tiles']}",
        f"{fp['subarrays']}",
        f"{100 * fp['utilization']:.1f}",
        f"{area['total_um2'] / 1e6:.2f}",
        "–" if lat is None else f"{1e3 * lat['iteration_s']:.3f} ({_phases(lat['per_phase_s'], 1e3, '.3f')})",
        "–" if energy is None else f"{1e3 * energy['iteration_j']:.3f} ({_phases(energy['per_phase_j'], 1e3, '.3f')})",
    ]


def _chip_section(docs: list[dict]) -> str:
    acc = _accuracy(docs)
    hw = {d["config"]["rule"]: d for d in docs if _net(d) == "lenet" and d["config"]["mode"] == "hardware"}
    vgg = {d["config"]["rule"]: d for d in docs if _net(d) == "vgg8"}
    head = (
        "| network | rule | tiles | subarrays | utilisation (%) | area (mm²) | iteration latency, ms "
        f"({' / '.join(PHASES)}) | iteration energy, mJ ({' / '.join(PHASES)}) |"
    )
    rows = [head, "|---|---|---|---|---|---|---|---|"]
    for label, group in (("LeNet, MNIST, batch 200", hw), ("VGG-8, CIFAR-10 shape, batch 16", vgg)):
        for rule in ("bp", "dfa"):
            if rule in group:
                rows.append(f"| {label} | {LABELS[rule]} | " + " | ".join(_chip_row(group[rule])) + " |")
    cats = sorted({c for d in vgg.values() for c in d["area"]["breakdown_um2"]})
    area_rows = []
    if vgg:
        area_rows = [
            "| VGG-8 | " + " | ".join(cats) + " |",
            "|---" * (len(cats) + 1) + "|",
        ] + [
            f"| {LABELS[r]} (mm²) | " + " | ".join(f"{d['area']['breakdown_um2'][c] / 1e6:.2f}" for c in cats) + " |"
            for r, d in vgg.items()
        ]
    loss_rows = [
        "| rule | LeNet MNIST ideal (%) | hardware (%) | loss (pt) |",
        "|---|---|---|---|",
    ] + [
        f"| {LABELS[r]} | {_pct(acc.get(('lenet', r, 'mnist', 'ideal')))} | "
        f"{_pct(acc.get(('lenet', r, 'mnist', 'hardware')))} | "
        f"{_pct(acc.get(('lenet', r, 'mnist', 'ideal'), _NAN) - acc.get(('lenet', r, 'mnist', 'hardware'), _NAN))} |"
        for r in ("bp",)
    ]
    clauses = []
    bp_loss = acc.get(("lenet", "bp", "mnist", "ideal"), _NAN) - acc.get(("lenet", "bp", "mnist", "hardware"), _NAN)
    clauses.append(
        ("LeNet trained by BP on the chip within 1 pt of ideal", _holds(bp_loss <= 1.0, bp_loss), f"{_pct(bp_loss)} pt")
    )
    for r, d in vgg.items():
        wall = d.get("wall_s") or _NAN
        clauses.append(
            (
                f"VGG-8 ({LABELS[r]}) mapped, priced and one iteration simulated in ≤ {_VGG8_BUDGET_S:g} s",
                _holds(wall <= _VGG8_BUDGET_S, wall),
                f"{wall:.1f} s wall",
            )
        )
    wg = {r: d["latency"]["per_phase_s"].get("wg", 0.0) / d["latency"]["iteration_s"] for r, d in vgg.items()}
    note = (
        "Hardware mode on the NeuroSim V2.0 default chip and RRAM of workloads/dfa_3layer.py (each rule on the chip "
        "it needs, `chip.provision` tailored). A convolution is mapped as its unrolled kernel (k·k·C_in rows × "
        "C_out columns) and read once per output position; its weight gradient is one outer product per position "
        "on the weight-gradient unit. VGG-8 runs `training.epochs=0` on the synthetic 3x32x32 set: one simulated "
        "iteration, no training."
    )
    if wg:
        note += " Share of VGG-8's iteration in the WG phase: " + ", ".join(
            f"{LABELS[r]} {100 * s:.0f} %" for r, s in wg.items()
        )
        note += " (one outer product per output position on the chip's WGU)."
    body = "\n".join(rows) + "\n\n" + "\n".join(loss_rows) + ("\n\n" + "\n".join(area_rows) if area_rows else "")
    return section(
        "2. Convolutional networks on the chip (LeNet trained on chip, VGG-8 estimated)",
        "Not in the paper. DNN+NeuroSim V2.0 benchmarks on-chip training with VGG-8 on CIFAR-10 (its C++ estimate of "
        "that network takes about 146 s).",
        note + "\n\n" + body,
        clause_verdict(clauses),
        clause_reason(clauses),
        None,
    )
