"""Memory utilisation vs hidden width: BP on 784-h-h-10 for h in 500..1000 (step 100), 1024, 1025, 1100.

Reproduces PAPER.md "What they found" item 7: utilisation drops sharply (and area jumps) when a
layer just exceeds a tile boundary (1024 -> 1025 hidden neurons adds nearly empty tiles).
training.epochs = 0: no training, the event-driven engine simulates one iteration in hardware
mode (area, utilisation, latency, energy). Built from the shipped workloads/bp_3layer.py.

Points: 9 widths, BP only, 1 seed (9 runs).
Quick mode (CYCLESIM_QUICK=1): unchanged (there are no epochs or extra seeds to cut).
Report (`report`, section 7 of docs/RESULTS.md): tiles, utilisation and area per width; reproduced
when utilisation falls at least twofold from 1024 to 1025 hidden.

Run: python -m cyclesim sweep workloads/paper/utilization.py --workers 4
"""

from pathlib import Path

from cyclesim.report.findings import cfg, pyplot_or_none, save_figure, section
from cyclesim.sweep import grid

name = "utilization"
seeds = 1
order = 10  # place in docs/RESULTS.md

_base = grid.evolve(grid.shipped("bp", epochs=0), mode="hardware")

points = [
    grid.evolve(_base, name=f"bp_h{h}", network={"sizes": (784, h, h, 10)})
    for h in (*range(500, 1001, 100), 1024, 1025, 1100)
]


def report(docs: list[dict], figures: Path) -> str:
    """The markdown section of this experiment from the results documents of its complete points;
    draws figures/utilization.png."""
    rows = ["| hidden | tiles | utilisation | area mm² |", "|---|---|---|---|"]
    pts = sorted(((cfg(d, "network.sizes")[1], d) for d in docs), key=lambda p: p[0])
    for h, d in pts:
        rows.append(
            f"| {h} | {d['floorplan']['tiles']} | {100 * d['floorplan']['utilization']:.1f} % | "
            f"{d['area']['total_um2'] / 1e6:.2f} |"
        )
    m = {h: d for h, d in pts}
    ok = 1024 in m and 1025 in m and m[1024]["floorplan"]["utilization"] / m[1025]["floorplan"]["utilization"] >= 2
    reason = (
        "1024 → 1025 hidden: utilisation ÷{:.2f}, area ×{:.2f}.".format(
            m[1024]["floorplan"]["utilization"] / m[1025]["floorplan"]["utilization"],
            m[1025]["area"]["total_um2"] / m[1024]["area"]["total_um2"],
        )
        if ok
        else "missing points"
    )
    fig = None
    plt = pyplot_or_none()
    if plt is not None and pts:
        f, ax = plt.subplots(figsize=(6.4, 4))
        hs = [h for h, _d in pts]
        ax.plot(hs, [100 * d["floorplan"]["utilization"] for _h, d in pts], "o-", label="utilisation (%)")
        ax2 = ax.twinx()
        ax2.plot(hs, [d["area"]["total_um2"] / 1e6 for _h, d in pts], "s--", color="tab:red", label="area (mm²)")
        ax.set_xlabel("hidden width (784-h-h-10)")
        ax.set_ylabel("memory utilisation (%)")
        ax2.set_ylabel("chip area (mm²)")
        ax.set_title("Tile-boundary sawtooth")
        fig = save_figure(plt, f, figures / "utilization.png", "Utilisation and area vs width")
    return section(
        "7. Memory utilisation at tile boundaries",
        "Utilisation drops sharply when a layer just exceeds a tile boundary (1024 → 1025 hidden).",
        "\n".join(rows),
        "reproduced" if ok else "not reproduced",
        reason,
        fig,
    )
