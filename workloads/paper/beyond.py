"""Beyond the paper: what DFA's latency advantage depends on (no training; one simulated iteration).

784-512x6-10 (7 layers): BP and DFA with 1, 2, 4 and 8 DRAM channels, each with DRAM interleaving
(the default, `chip.dram_interleave=True`: a transfer is striped over the channels, so every channel
added is bandwidth for every transfer, BP's one stream as much as DFA's parallel ones) and without it
(`chip.dram_interleave=False`: a transfer holds one channel, so more channels serve only transfers
that run at the same time, which DFA's per-layer weight-gradient units make and BP's one unit does
not); DFA with a shared WGU; and both rules with the pipelined dataflow. Built from the shipped
workloads/bp_3layer.py and workloads/dfa_3layer.py with training.epochs = 0.

Points: 19, 1 seed (19 runs): 2 rules x 4 channel counts x interleaving on and off, 2 pipelined,
DFA with a shared WGU.
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).
Report (`report`, section 10 of docs/RESULTS.md): BP and DFA iteration latency, their ratio and DFA's
mean DRAM wait per setting, interleaved and one channel per transfer side by side, no figure;
verdict "measured" (the paper makes no claim), its text computed from the table: how much 1 -> 8
channels shortens each rule in each mode, the BP/DFA ratio with a shared WGU, and what pipelining
shortens.

Run: python -m cyclesim sweep workloads/paper/beyond.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import section
from cyclesim.sweep import grid

name = "beyond"
seeds = 1
order = 12  # place in docs/RESULTS.md

CHANNELS = (1, 2, 4, 8)
MODES = {"": "interleaved", "_nointerleave": "one channel per transfer"}
"""Point-name suffix -> DRAM mode: the default (striped transfers) and `chip.dram_interleave=False`."""

points = []
for _rule, _base in grid.shipped_by_rule(epochs=0).items():
    _base = grid.evolve(_base, network={"sizes": (784,) + (512,) * 6 + (10,)})
    for _suffix in MODES:
        points += [
            grid.evolve(
                _base, name=f"{_rule}_dram{ch}{_suffix}", chip={"dram_channels": ch, "dram_interleave": not _suffix}
            )
            for ch in CHANNELS
        ]
    points.append(grid.evolve(_base, name=f"{_rule}_pipelined", sim={"dataflow": "pipelined"}))
    if _rule == "dfa":
        points.append(grid.evolve(_base, name="dfa_wgushared", chip={"wgu": "shared"}))


def _wait(d: dict) -> float:
    """Mean wait of a DRAM request (cycles)."""
    return next((r["wait_mean_cycles"] for r in d["contention"] if r["resource"] == "dram"), 0.0)


def _s(d: dict) -> float:
    return d["latency"]["iteration_s"]


def _channels_text(by: dict, suffix: str, mode: str) -> str | None:
    """What 1 -> 8 channels does to each rule in one DRAM mode."""
    names = [f"{r}_dram{ch}{suffix}" for r in ("bp", "dfa") for ch in (CHANNELS[0], CHANNELS[-1])]
    if not all(n in by for n in names):
        return None
    b1, b8, f1, f8 = (by[n] for n in names)
    return (
        f"{mode}: {CHANNELS[0]} → {CHANNELS[-1]} channels shortens BP ×{_s(b1) / _s(b8):.2f} and DFA "
        f"×{_s(f1) / _s(f8):.2f} (BP/DFA {_s(b1) / _s(f1):.2f} → {_s(b8) / _s(f8):.2f}; DFA's mean DRAM wait "
        f"{_wait(f1):,.0f} → {_wait(f8):,.0f} cycles)"
    )


def _phases_text(d: dict, p: dict) -> str:
    """The phases whose time the pipelined dataflow `p` changes by more than 1 % of `d`'s iteration."""
    a, b = d["latency"]["per_phase_s"], p["latency"]["per_phase_s"]
    moved = [
        f"{ph} {a.get(ph, 0.0) * 1e6:,.0f} → {b.get(ph, 0.0) * 1e6:,.0f} µs"
        for ph in ("fw", "ag", "wg", "wu", "idle")
        if abs(a.get(ph, 0.0) - b.get(ph, 0.0)) > 0.01 * _s(d)
    ]
    return f"{d['config']['rule'].upper()} " + (", ".join(moved) or "no phase by more than 1 %")


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points."""
    by = {d["config"]["name"]: d for d in docs}
    rows = [
        "| setting | DRAM | BP µs | DFA µs | BP/DFA | DFA DRAM wait (mean cycles) |",
        "|---|---|---|---|---|---|",
    ]
    settings = [
        (f"{ch} DRAM channel(s)", mode, f"bp_dram{ch}{suffix}", f"dfa_dram{ch}{suffix}")
        for suffix, mode in MODES.items()
        for ch in CHANNELS
    ]
    settings += [
        ("pipelined dataflow", MODES[""], "bp_pipelined", "dfa_pipelined"),
        ("DFA with a shared WGU", MODES[""], f"bp_dram{CHANNELS[-1]}", "dfa_wgushared"),
    ]
    for label, mode, b, f in settings:
        if b in by and f in by:
            tb, tf = _s(by[b]), _s(by[f])
            rows.append(
                f"| {label} | {mode} | {tb * 1e6:,.0f} | {tf * 1e6:,.0f} | {tb / tf:.2f} | {_wait(by[f]):,.0f} |"
            )
    parts = [t for suffix, mode in MODES.items() if (t := _channels_text(by, suffix, mode))]
    if parts:
        parts[0] = parts[0][0].upper() + parts[0][1:]
    base, shared = by.get(f"bp_dram{CHANNELS[-1]}"), by.get("dfa_wgushared")
    if base and shared:
        parts.append(f"one shared WGU: BP/DFA {_s(base) / _s(shared):.2f}")
    piped = [
        (by[f"{r}_dram{CHANNELS[-1]}"], by[f"{r}_pipelined"])
        for r in ("bp", "dfa")
        if f"{r}_dram{CHANNELS[-1]}" in by and f"{r}_pipelined" in by
    ]
    if piped:
        parts.append("pipelining changes " + "; ".join(_phases_text(d, p) for d, p in piped))
    return section(
        "10. Beyond the paper: what DFA's advantage depends on (784-512×6-10)",
        "Not in the paper: the simulator's own question — which shared resources limit the parallel updates.",
        "\n".join(rows),
        "measured",
        ("; ".join(parts) + ".") if parts else "missing points.",
        None,
    )
