"""PNG figures of a run: accuracy curves, chip area, latency/energy breakdowns and an iteration timeline;
and a device's measured curve table beside NeuroSim's parametric fit of it (`device_fit`).

Every function writes one PNG, closes its figure and returns the file's Path. matplotlib is an
optional extra (`pip install -e ".[plots]"`), imported only when a plot is drawn.
"""

from __future__ import annotations

from pathlib import Path

from cyclesim.errors import ConfigError
from cyclesim.report import files
from cyclesim.report.timeline import row_of
from cyclesim.terms import NEUROSIM_LABELS, PHASES

PHASE_COLOR = dict(zip(PHASES, ("tab:cyan", "tab:purple", "tab:olive", "tab:green"), strict=True))
FIGSIZE = (6.4, 4.0)
DPI = 120


def _pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend, or a one-line ConfigError."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError('PNG plots need matplotlib: pip install -e ".[plots]"') from None
    return plt


def _save(plt, fig, path) -> Path:
    """Write `fig` as a PNG atomically (no half-written file, whatever stops the write)."""
    path = Path(path)
    try:
        fig.tight_layout()
        files.write_atomic_with(path, lambda fh: fig.savefig(fh, format="png", dpi=DPI))
    finally:
        plt.close(fig)
    return path


def accuracy(docs: list[dict], labels: list[str], path) -> Path:
    """Test (solid) and train (dashed) accuracy per epoch of one or more runs, in %."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (doc, label) in enumerate(zip(docs, labels)):
        acc = doc.get("accuracy") or {}
        color = colors[i % len(colors)]
        for key, style in (("test", "-"), ("train", "--")):
            ys = [100.0 * v for v in acc.get(key) or []]
            if ys:
                ax.plot(range(1, len(ys) + 1), ys, style, color=color, marker="o", markersize=3, label=f"{label} {key}")
    ax.set_title("Accuracy per epoch")
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("accuracy (%)")
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend()
    return _save(plt, fig, path)


def area(doc: dict, path) -> Path:
    """Horizontal bars of the chip area per category (mm², NeuroSim's labels) with each category's share."""
    plt = _pyplot()
    breakdown = doc["area"]["breakdown_um2"]
    items = sorted(breakdown.items(), key=lambda kv: kv[1])
    names = [NEUROSIM_LABELS.get(k, k) for k, _ in items]
    mm2 = [v / 1e6 for _, v in items]
    total = sum(mm2) or 1.0
    fig, ax = plt.subplots(figsize=FIGSIZE)
    bars = ax.barh(names, mm2, color="tab:blue")
    for bar, v in zip(bars, mm2):
        ax.text(
            bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {100 * v / total:.1f}%", va="center", fontsize=8
        )
    ax.set_xlim(0, max(mm2, default=1.0) * 1.15 or 1.0)
    ax.set_title(f"Chip area by category (total {sum(mm2):.3g} mm²)")
    ax.set_xlabel("area (mm²)")
    return _save(plt, fig, path)


def phases(doc: dict, path) -> Path:
    """Latency per phase (µs) and energy per component (mJ, log scale) side by side."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=FIGSIZE)
    lat = (doc.get("latency") or {}).get("per_phase_s") or {}
    names = list(lat)
    ax1.bar(names, [lat[p] * 1e6 for p in names], color=[PHASE_COLOR.get(p, "tab:gray") for p in names])
    ax1.set_title("Latency per phase")
    ax1.set_xlabel("phase")
    ax1.set_ylabel("time per iteration (µs)")
    energy = (doc.get("energy") or {}).get("per_component_j") or {}
    comps = [k for k, v in energy.items() if v > 0]
    ax2.bar([NEUROSIM_LABELS.get(k, k) for k in comps], [energy[k] * 1e3 for k in comps], color="tab:orange")
    if comps:
        ax2.set_yscale("log")
    ax2.set_title("Energy per component")
    ax2.set_xlabel("component")
    ax2.set_ylabel("energy per iteration (mJ)")
    ax2.tick_params(axis="x", labelrotation=60, labelsize=8)
    return _save(plt, fig, path)


def timeline(result, path, window: tuple[int, int] | None = None) -> Path:
    """Busy intervals of one simulated iteration (an engine IterationResult), a row per resource.

    `window` is an optional ``(start, end)`` range in cycles; the x axis is in µs.
    """
    start, end = window if window is not None else (0, result.cycles)
    if not 0 <= start < end:
        raise ValueError(f"timeline window must satisfy 0 <= start < end, got {start}:{end}")
    plt = _pyplot()
    from matplotlib.patches import Patch

    us = 1e6 / result.clock_hz
    probe = result.probe
    rows: dict[str, dict[str, list]] = {}  # in display order (kind, then layer)
    for res in sorted(probe.resources(), key=probe.display_key):
        row = rows.setdefault(row_of(probe, res), {})
        for s, e, phase, _layer, _bits in probe.intervals(res):
            s, e = max(s, start), min(e, end)
            if e > s:
                row.setdefault(phase, []).append((s * us, (e - s) * us))
    names = list(rows)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    for y, name in enumerate(names):
        for phase, bars in rows[name].items():
            ax.broken_barh(bars, (y - 0.4, 0.8), facecolors=PHASE_COLOR.get(phase, "tab:gray"))
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(start * us, end * us)
    ax.set_xlabel("time (µs)")
    ax.set_title(f"Iteration timeline ({(end - start) * us:,.1f} µs)", loc="left")
    ax.legend(
        handles=[Patch(color=c, label=p) for p, c in PHASE_COLOR.items()],
        fontsize=7,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=4,
        frameon=False,
    )
    return _save(plt, fig, path)


def all_plots(doc: dict, result, out_dir) -> list[Path]:
    """Every plot the inputs allow, written into `out_dir`; missing blocks are skipped."""
    out = Path(out_dir)
    paths = []
    if (doc.get("accuracy") or {}).get("test") or (doc.get("accuracy") or {}).get("train"):
        label = str((doc.get("config") or {}).get("rule", "run")).upper()
        paths.append(accuracy([doc], [label], out / "accuracy.png"))
    if (doc.get("area") or {}).get("breakdown_um2"):
        paths.append(area(doc, out / "area.png"))
    if (doc.get("latency") or {}).get("per_phase_s"):
        paths.append(phases(doc, out / "phases.png"))
    if result is not None:
        paths.append(timeline(result, out / "timeline.png"))
    return paths


def device_fit(table, fit, path) -> Path:
    """A curve table's mean LTP then LTD sweep (µS against pulse, ± one standard deviation over cycles)
    beside NeuroSim's parametric curves of `fit` (`device.CurveFit`), each from the sweep's start with
    its fitted amplitude."""
    import numpy as np

    from cyclesim.device import ltp_curve

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    start = 0
    for name, sweeps, nl, scale, color in (
        ("LTP", table.ltp_s, fit.nl_ltp, fit.scale_ltp, "tab:blue"),
        ("LTD", table.ltd_s, fit.nl_ltd, fit.scale_ltd, "tab:red"),
    ):
        mean, std = sweeps.mean(axis=0) * 1e6, sweeps.std(axis=0) * 1e6
        pulses = np.arange(mean.size)
        x = start + pulses
        ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, linewidth=0)
        ax.plot(x, mean, ".", color=color, markersize=3, label=f"{name} measured (mean ± σ)")
        fitted = mean[0] + scale * (mean[-1] - mean[0]) * ltp_curve(pulses, nl, mean.size - 1)
        ax.plot(x, fitted, "-", color="black", linewidth=1, label=f"{name} fit, NL {nl:.3g}")
        start += mean.size - 1
    ax.set_title(f"{table.file}: measured and fitted")
    ax.set_xlabel("pulse (LTP, then LTD)")
    ax.set_ylabel("conductance (µS)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(plt, fig, path)
