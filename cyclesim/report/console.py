"""Console report: progress while training, then a summary a researcher reads at a glance.

Progress bars are shown only on a terminal (and never with --quiet); per-epoch lines are printed
as epochs complete, so a log file of a long run shows its progress too.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from cyclesim.config import Workload
from cyclesim.report.timeline import row_of
from cyclesim.terms import NEUROSIM_LABELS, PHASES

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """Values as a row of block characters scaled between their min and max."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    return "".join(SPARK[min(int((v - lo) / span * (len(SPARK) - 1) + 0.5), len(SPARK) - 1)] for v in values)


def header(wl: Workload) -> Panel:
    sizes = wl.network.describe()
    d, c, p = wl.device, wl.chip, wl.precision
    text = (
        f"[bold]{wl.name}[/]  {wl.rule_object.name.upper()}  {sizes}  {wl.dataset}  mode={wl.mode}  "
        f"seed={wl.training.seed}\n"
        f"chip {c.node} {c.clock_hz / 1e9:g} GHz, subarray {c.subarray}x{c.subarray}, "
        f"ADC {c.adc_bits} b ({c.cols_per_adc} cols/ADC)  |  device {d.name}: "
        f"{d.levels} levels, on/off {d.on_off_ratio:g}, {_update_model(d)}\n"
        f"precision W{p.weight}/G{p.gradient}/A{p.activation}/E{p.error}  |  "
        f"{wl.training.epochs} epochs, batch {wl.training.batch_size}, lr {wl.training.lr:g}, "
        f"momentum {wl.training.momentum:g}, loss {wl.training.loss}"
    )
    return Panel(text, title="cyclesim", expand=False)


def _update_model(d) -> str:
    """How a device updates: its NL labels and C2C, or the curve table it follows."""
    if d.curve is not None:
        return f"measured curve {Path(d.curve).name}"
    return f"NL {d.nl_ltp:g}/{d.nl_ltd:g}, C2C {d.c2c:g}"


def curve_fit_table(fit, file: str) -> Table:
    """NeuroSim's parametric model fitted to a curve table (`device.CurveFit`): the device fields it
    gives and the RMS error of each direction's normalised mean curve."""
    t = Table(title=f"parametric fit of {file}", show_edge=False)
    t.add_column("quantity")
    t.add_column("fit", justify="right")
    t.add_column("from")
    t.add_row("R_on", f"{fit.r_on_ohm / 1e3:.4g} kΩ", "1 / Gmax of the mean curves")
    t.add_row("on/off ratio", f"{fit.on_off_ratio:.4g}", "Gmax / Gmin of the mean curves")
    t.add_row("levels", f"{fit.levels}", f"LTP pulses + 1 (LTD: {fit.levels_ltd})")
    for name, nl, scale, rms in (
        ("LTP", fit.nl_ltp, fit.scale_ltp, fit.rms_ltp),
        ("LTD", fit.nl_ltd, fit.scale_ltd, fit.rms_ltd),
    ):
        t.add_row(
            f"NL {name}", f"{nl:.3g}", f"A_norm table, amplitude {scale:.3f}; RMS error {100 * rms:.2f} % of the range"
        )
    cycles = f"{fit.cycles_ltp} LTP / {fit.cycles_ltd} LTD cycles"
    t.add_row("C2C", f"{fit.c2c:.3g}", f"step spread over {cycles}, fraction of Gmax - Gmin")
    return t


def epoch_line(s) -> str:
    return (
        f"epoch {s.epoch:3d}  train {100 * s.train_accuracy:6.2f} %  test {100 * s.test_accuracy:6.2f} %  "
        f"loss {s.train_loss:.4f}  pulses {s.pulses:,}  {s.wall_s:.1f} s"
    )


def summary_table(result) -> Table:
    acc = result.accuracy()
    t = Table(title="accuracy per epoch", show_edge=False)
    t.add_column("epoch", justify="right")
    t.add_column("train %", justify="right")
    t.add_column("test %", justify="right")
    for s in result.epochs:
        t.add_row(str(s.epoch), f"{100 * s.train_accuracy:.2f}", f"{100 * s.test_accuracy:.2f}")
    if acc["test"]:
        t.caption = f"test {sparkline(acc['test'])}  final {100 * acc['final_test']:.2f} %"
    return t


def bar(fraction: float, width: int = 24) -> str:
    """A horizontal bar of `width` cells filled to `fraction` (eighth-cell resolution)."""
    eighths = round(max(0.0, min(fraction, 1.0)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")).ljust(width)


def floorplan_table(fp) -> Table:
    title = f"floorplan ({fp.floorplan}): {fp.tiles} tiles, utilisation {100 * fp.utilization:.1f} %"
    t = Table(title=title, show_edge=False)
    copies = any(a.copies > 1 for a in fp.arrays)
    cols = ("array", "shape", *(("copies",) if copies else ()), "subarrays", "PEs", "tiles", "utilisation")
    for col in cols:
        t.add_column(col, justify="left" if col in ("array", "shape") else "right")
    for a in fp.arrays:
        t.add_row(
            a.name,
            f"{a.rows}x{a.cols}",
            *((str(a.copies),) if copies else ()),
            str(a.subarrays),
            str(a.pes),
            str(a.tiles),
            f"{100 * a.utilization:.1f} %",
        )
    side = fp.tile_side_cells
    extra = f"tiles of {side}x{side} cells; {fp.pes} PEs, {fp.subarrays} subarrays; WGU {fp.wgu}: " + ", ".join(
        f"{r}x{c}" for r, c in fp.wgu_shapes
    )
    if fp.feedback_store != "none":
        extra += f"; feedback in {fp.feedback_store}"
    elif fp.feedback_sram_bits:  # sign-symmetry's sign store
        extra += f"; sign store {fp.feedback_sram_bits:,} bits in SRAM"
    t.caption = extra
    return t


def area_table(area) -> Table:
    """Area per component category (NeuroSim's labels), in mm² and as a share of the total."""
    t = Table(title=f"area: {area.total_um2 / 1e6:.2f} mm²", show_edge=False)
    t.add_column("category")
    t.add_column("mm²", justify="right")
    t.add_column("share", justify="right")
    t.add_column("")
    for cat, um2 in area.breakdown_um2.items():
        share = um2 / area.total_um2
        t.add_row(NEUROSIM_LABELS[cat], f"{um2 / 1e6:.3f}", f"{100 * share:.1f} %", bar(share))
    return t


def latency_table(lat: dict, energy: dict) -> Table:
    t = Table(
        title=f"iteration: {lat['iteration_s'] * 1e6:,.1f} µs ({lat['iteration_cycles']:,.0f} cycles), "
        f"{energy['iteration_j'] * 1e3:.3f} mJ; epoch {lat['epoch_s']:.3f} s, {energy['epoch_j']:.2f} J",
        show_edge=False,
    )
    t.add_column("phase")
    t.add_column("µs", justify="right")
    t.add_column("share", justify="right")
    t.add_column("")
    t.add_column("energy mJ", justify="right")
    total = sum(lat["per_phase_s"].values()) or 1.0
    for phase, sec in lat["per_phase_s"].items():
        e = energy["per_phase_j"].get(phase)
        t.add_row(
            phase,
            f"{sec * 1e6:,.1f}",
            f"{100 * sec / total:.1f} %",
            bar(sec / total, 16),
            "" if e is None else f"{e * 1e3:.4f}",
        )
    return t


def energy_table(energy: dict) -> Table:
    """Energy per component category (NeuroSim's labels), largest first."""
    t = Table(title="energy per component (one iteration)", show_edge=False)
    t.add_column("component")
    t.add_column("mJ", justify="right")
    t.add_column("share", justify="right")
    t.add_column("")
    total = sum(energy["per_component_j"].values()) or 1.0
    for comp, j in sorted(energy["per_component_j"].items(), key=lambda kv: -kv[1]):
        t.add_row(NEUROSIM_LABELS[comp], f"{j * 1e3:.5f}", f"{100 * j / total:.2f} %", bar(j / total, 16))
    t.caption = f"leakage {energy['leakage_j'] * 1e3:.5f} mJ"
    return t


def contention_table(rows: list, top: int = 8) -> Table:
    t = Table(title="most contended resources", show_edge=False)
    for col in ("resource", "util.", "requests", "wait mean", "wait p95", "wait max"):
        t.add_column(col, justify="left" if col == "resource" else "right")
    for r in rows[:top]:
        t.add_row(*_contention_cells(r))
    return t


def _contention_cells(row: dict) -> list[str]:
    """A contention row's resource, utilisation, requests and mean / p95 / max wait as table cells."""
    return [
        row["resource"],
        f"{100 * row['utilization']:.1f} %",
        str(row["requests"]),
        *(f"{row[f'wait_{s}_cycles']:,.0f}" for s in ("mean", "p95", "max")),
    ]


def render_result(result) -> Group:
    """Every table of a run's report, in reading order (what `Result.__rich__` shows)."""
    parts = []
    if result.floorplan is not None:
        parts.append(floorplan_table(result.floorplan))
    if result.area is not None:
        parts.append(area_table(result.area))
    lat, energy = result.latency(), result.energy()
    if lat is not None:
        parts += [latency_table(lat, energy), energy_table(energy), contention_table(result.contention())]
    elif result.engine_note:
        parts.append(result.engine_note)
    parts.append(summary_table(result) if result.epochs else "no training epochs (training.epochs=0)")
    return Group(*parts)


def headline(result) -> Panel:
    """The run's key figures in one panel, printed last so they stay on screen."""
    wl = result.workload
    acc = result.accuracy()
    parts = [
        f"[bold]{wl.name}[/] {wl.rule_object.name.upper()} {wl.network.describe()} {wl.dataset} "
        f"mode={wl.mode} seed={wl.training.seed} status={result.status}"
    ]
    if acc["final_test"] is not None:
        parts.append(
            f"accuracy: test {100 * acc['final_test']:.2f} % after {len(result.epochs)} epochs "
            f"(train {100 * acc['train'][-1]:.2f} %)"
        )
    if result.area is not None:
        s = result.area.shares
        top = max(s, key=s.get)
        parts.append(
            f"area: {result.area.total_um2 / 1e6:.2f} mm², {result.floorplan.tiles} tiles, "
            f"utilisation {100 * result.floorplan.utilization:.1f} %, "
            f"largest {NEUROSIM_LABELS[top]} {100 * s[top]:.1f} %"
        )
    lat, en = result.latency(), result.energy()
    if lat is not None:
        ph = lat["per_phase_s"]
        total = sum(ph.values()) or 1.0
        split = " / ".join(f"{p} {100 * ph[p] / total:.0f}" for p in PHASES)
        parts.append(
            f"latency: {lat['iteration_s'] * 1e6:,.1f} µs per iteration, {lat['epoch_s']:.3f} s per epoch ({split} %)"
        )
        comp = en["per_component_j"]
        big = max(comp, key=comp.get)
        parts.append(
            f"energy: {en['iteration_j'] * 1e3:.3f} mJ per iteration, {en['epoch_j']:.2f} J per epoch "
            f"({NEUROSIM_LABELS[big]} {100 * comp[big] / (sum(comp.values()) or 1.0):.1f} %)"
        )
        parts.append(performance_line(result.performance()))
    if result.area is not None:  # a valid chip nobody could build (hw.area.chip_warnings)
        parts += [f"[yellow]warning:[/] {w}" for w in result.area.warnings]
    return Panel("\n".join(parts), title="summary", expand=False)


def performance_line(perf: dict) -> str:
    """Throughput, TOPS/W and leakage of `Result.performance` as one line of the summary panel."""

    def rate(v):
        return "–" if v is None else f"{v:,.0f}"

    def tops(v):
        return "–" if v is None else f"{v:.3g}" if v < 1000 else f"{v:,.0f}"

    return (
        f"throughput: {rate(perf['training_images_per_s'])} training images/s, "
        f"{rate(perf['inference_images_per_s'])} inference images/s; "
        f"{tops(perf['training_tops_per_w'])} / {tops(perf['inference_tops_per_w'])} TOPS/W "
        f"(training / inference); leakage {power(perf['leakage_w'])}"
    )


def power(watts: float) -> str:
    """Watts with three significant digits in W, mW, µW or nW."""
    watts = float(f"{watts:.3g}")  # 999.96 µW is 1 mW
    for scale, unit in ((1.0, "W"), (1e-3, "mW"), (1e-6, "µW")):
        if abs(watts) >= scale:
            return f"{watts / scale:.3g} {unit}"
    return f"{watts / 1e-9:.3g} nW"


def critical_path(result) -> list[tuple]:
    """The chain of operations that set the iteration's length, found backwards from its end:
    the operation that finished last, then, repeatedly, the operation that finished latest at or
    before the current one started. Returns (resource, start, end, phase, layer) in time order."""
    import bisect

    ops = sorted(
        (
            (s, e, ph, ly, res)
            for res in result.probe.resources()
            for s, e, ph, ly, _b in result.probe.intervals(res)
            if e > s
        ),
        key=lambda o: (o[1], o[0]),
    )
    if not ops:
        return []
    ends = [o[1] for o in ops]
    path = [ops[-1]]
    while path[-1][0] > 0:
        i = bisect.bisect_right(ends, path[-1][0]) - 1
        if i < 0:
            break
        path.append(ops[i])
    return [(res, s, e, ph, ly) for s, e, ph, ly, res in reversed(path)]


def critical_path_table(result, top: int = 10) -> Table:
    """Critical path summarised by (timeline row, phase, layer): cycles on the path and share; a
    layer's subarrays count as one row, as in the timeline."""
    path = critical_path(result)
    groups: dict = {}
    for res, s, e, ph, ly in path:
        key = (row_of(result.probe, res), ph, "" if ly is None else str(ly + 1))
        groups[key] = groups.get(key, 0) + (e - s)
    t = Table(
        title=f"critical path: {len(path)} operations, {sum(groups.values()):,} of {result.cycles:,} cycles",
        show_edge=False,
    )
    for col in ("resource", "phase", "layer", "cycles", "share"):
        t.add_column(col, justify="right" if col in ("cycles", "share") else "left")
    for (kind, ph, ly), cyc in sorted(groups.items(), key=lambda kv: -kv[1])[:top]:
        t.add_row(kind, ph, ly, f"{cyc:,}", f"{100 * cyc / result.cycles:.1f} %")
    return t


def queue_sparkline(series: list, end: int, width: int = 24) -> str:
    """Queue length over [0, end] as block characters (maximum depth per slice)."""
    if not series or end <= 0:
        return " " * width
    buckets = [0] * width
    points = series + [(end, 0)]
    for (t, depth), (t_next, _) in zip(points, points[1:]):
        first = min(int(t / end * width), width - 1)
        last = min(int(max(t_next - 1, t) / end * width), width - 1)
        for b in range(first, last + 1):
            buckets[b] = max(buckets[b], depth)
    top = max(buckets) or 1
    return "".join(" " if d == 0 else SPARK[min(int(d / top * (len(SPARK) - 1)), len(SPARK) - 1)] for d in buckets)


def contention_view(result, top: int = 12) -> Table:
    """Per resource: utilisation, requests, waits (mean/p95/max cycles) and the queue over time."""
    rows = sorted(result.probe.contention(result.cycles), key=lambda r: (-r["wait_mean_cycles"], -r["utilization"]))
    t = Table(title="contention (most waiting first)", show_edge=False)
    for col in ("resource", "util.", "requests", "wait mean", "p95", "max", "queue over time"):
        t.add_column(col, justify="left" if col in ("resource", "queue over time") else "right")
    for r in rows[:top]:
        t.add_row(*_contention_cells(r), queue_sparkline(result.probe.queue_series(r["resource"]), result.cycles))
    return t
