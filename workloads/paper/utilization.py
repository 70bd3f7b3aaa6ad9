"""Memory utilisation vs hidden width: BP on 784-h-h-10 for h in 500, 512, 513, 600..1000 (step 100),
1024, 1025, 1100, on the fixed and on the network-sized floorplan.

Reproduces PAPER.md "What they found" item 7: utilisation drops sharply (and area jumps) when a
layer just exceeds a tile boundary (1024 -> 1025 hidden neurons adds nearly empty tiles).
training.epochs = 0: no training, the event-driven engine simulates one iteration in hardware
mode (area, utilisation, latency, energy). Built from the shipped workloads/bp_3layer.py, with
`chip.floorplan` "fixed" (the shipped tile of tile_size x pe_size) and "network" (NeuroSim V2's
utilisation-maximising tile search with per-layer duplication "fill", whose tile depends on the
network: it shows NeuroSim's own sawtooth, a drop at 512 -> 513 as well, which the fixed tile does
not have; 1024 -> 1025 drops on both).

Points: 11 widths x 2 floorplans, BP only, 1 seed (22 runs).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).
Report (`report`, section 7 of docs/RESULTS.md): tiles, utilisation and area per width on both
floorplans; reproduced when utilisation falls at least twofold from 1024 to 1025 hidden on the fixed
floorplan and, on the network floorplan, at least twofold with the area up from 512 to 513 and from
1024 to 1025.

Run: python -m cyclesim sweep workloads/paper/utilization.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import cfg, pyplot_or_none, save_figure, section
from cyclesim.sweep import grid

name = "utilization"
seeds = 1
order = 10  # place in docs/RESULTS.md

WIDTHS = (500, 512, 513, *range(600, 1001, 100), 1024, 1025, 1100)
FLOORPLANS = ("fixed", "network")

_base = grid.evolve(grid.shipped("bp", epochs=0), mode="hardware")

points = [
    grid.evolve(
        _base,
        name=f"bp_h{h}" + ("" if fp == "fixed" else f"_{fp}"),
        network={"sizes": (784, h, h, 10)},
        chip={"floorplan": fp},
    )
    for fp in FLOORPLANS
    for h in WIDTHS
]

DROPS = (("fixed", 1024), ("network", 512), ("network", 1024))
"""The tile boundaries the verdict checks: (floorplan, h), a drop from h to h + 1 hidden."""


def _floorplan(d: dict) -> str:
    return d["config"]["chip"].get("floorplan", "fixed")


def _util(d: dict) -> float:
    return d["floorplan"]["utilization"]


def _area(d: dict) -> float:
    return d["area"]["total_um2"]


def _cells(d: dict | None) -> str:
    if d is None:
        return "– | – | –"
    fp = d["floorplan"]
    return f"{fp['tiles']} ({fp['tile_size']}, {fp['pe_size']}) | {100 * _util(d):.1f} % | {_area(d) / 1e6:.2f}"


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/utilization.png."""
    by = {(_floorplan(d), cfg(d, "network.sizes")[1]): d for d in docs}
    widths = sorted({h for _fp, h in by})
    rows = [
        "| hidden | fixed: tiles (tile_size, pe_size) | utilisation | area mm² "
        "| network: tiles (tile_size, pe_size) | utilisation | area mm² |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [f"| {h} | {_cells(by.get(('fixed', h)))} | {_cells(by.get(('network', h)))} |" for h in widths]
    checks, found = [], True
    for fp, h in DROPS:
        a, b = by.get((fp, h)), by.get((fp, h + 1))
        if a is None or b is None:
            found = False
            checks.append(f"✗ {fp} {h} → {h + 1}: missing points")
            continue
        drop, grow = _util(a) / _util(b), _area(b) / _area(a)
        ok = drop >= 2 and (fp == "fixed" or grow > 1)  # the fixed check as before: utilisation alone
        checks.append(f"{'✓' if ok else '✗'} {fp} {h} → {h + 1}: utilisation ÷{drop:.2f}, area ×{grow:.2f}")
    a, b = by.get(("fixed", 512)), by.get(("fixed", 513))
    if a and b:
        checks.append(
            f"(not checked: fixed 512 → 513: utilisation ÷{_util(a) / _util(b):.2f}, area ×{_area(b) / _area(a):.2f})"
        )
    ok = found and all(c.startswith("✓") for c in checks if not c.startswith("("))
    fig = None
    plt = pyplot_or_none()
    if plt is not None and by:
        f, ax = plt.subplots(figsize=(6.8, 4))
        ax2 = ax.twinx()
        for fp, color in zip(FLOORPLANS, ("tab:blue", "tab:green"), strict=True):
            pts = [(h, by[(fp, h)]) for h in widths if (fp, h) in by]
            if pts:
                hs = [h for h, _d in pts]
                ax.plot(hs, [100 * _util(d) for _h, d in pts], "o-", color=color, label=f"utilisation, {fp}")
                ax2.plot(hs, [_area(d) / 1e6 for _h, d in pts], "s--", color=color, alpha=0.6, label=f"area, {fp}")
        ax.set_xlabel("hidden width (784-h-h-10)")
        ax.set_ylabel("memory utilisation (%), solid")
        ax2.set_ylabel("chip area (mm²), dashed")
        ax.legend(fontsize=8, loc="upper left")
        ax.set_title("Tile-boundary sawtooth: fixed and network floorplans")
        fig = save_figure(plt, f, figures / "utilization.png", "Utilisation and area vs width")
    return section(
        "7. Memory utilisation at tile boundaries",
        "Utilisation drops sharply when a layer just exceeds a tile boundary (1024 → 1025 hidden).",
        "\n".join(rows),
        "reproduced" if ok else "not reproduced",
        "; ".join(checks) + ".",
        fig,
    )
