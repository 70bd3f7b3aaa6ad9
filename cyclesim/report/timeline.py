"""Timeline of one simulated iteration: a row per resource, time across, phases in colour.

Each character cell covers an equal slice of cycles; it shows the phase that kept the resource busy
longest in that slice (a full block when busy the whole slice, a lighter one when partly busy), and
a dotted cell where requests were queueing for the resource but it was idle or busy elsewhere.
Subarrays are grouped per layer (busy when any of the layer's subarrays is); DRAM channels get a row
each (transfers assigned to the first free channel). Rows follow the probe's registered kinds and
layers (`Probe.display_key`).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from cyclesim.terms import PHASES

PHASE_STYLE = dict(zip(PHASES, ("cyan", "magenta", "yellow", "green"), strict=True))
FULL, PART, WAIT, IDLE = "█", "▄", "·", " "


def row_of(probe, resource: str) -> str:
    """Row a resource is drawn in: a layer's subarrays share one row ("layer1 subarrays", layers
    counted from 1), every other resource has its own."""
    if probe.kind(resource) == "subarray":
        return f"layer{probe.layer(resource) + 1} subarrays"
    return resource


def render(result, width: int = 80, window: tuple[int, int] | None = None) -> Table:
    """A rich Table drawing `result` (an engine IterationResult) in about `width` columns."""
    probe = result.probe
    start, end = window if window is not None else (0, result.cycles)
    if not 0 <= start < end:
        raise ValueError(f"timeline window must satisfy 0 <= start < end, got {start}:{end}")
    # Rows: subarrays grouped per layer; a multi-server resource (DRAM channels) one row per lane.
    from cyclesim.report.export import lanes

    row_intervals: dict = {}
    row_servers: dict = {}
    row_keys: dict = {}  # row -> (display key of a resource in it, lane)
    queue_rows: dict = {}
    for res in probe.resources():
        ivs = probe.intervals(res)
        if probe.capacity.get(res, 1) > 1:
            assigned, n = lanes(ivs)
            for lane in range(max(n, 1)):
                row_intervals.setdefault(f"{res}[{lane}]", [])
                row_servers[f"{res}[{lane}]"] = 1
                row_keys[f"{res}[{lane}]"] = (probe.display_key(res), lane)
            for lane, iv in assigned:
                row_intervals[f"{res}[{lane}]"].append(iv)
            queue_rows[res] = f"{res}[0]"
        else:
            row = row_of(probe, res)
            row_intervals.setdefault(row, []).extend(ivs)
            row_servers[row] = 1 if probe.kind(res) == "subarray" else row_servers.get(row, 0) + 1
            row_keys.setdefault(row, (probe.display_key(res), 0))
            queue_rows[res] = row
    names = sorted(row_intervals, key=row_keys.get)
    label_w = max(len(n) for n in names) if names else 8
    cols = max(width - label_w - 3, 10)
    span = (end - start) / cols
    busy = {n: [{} for _ in range(cols)] for n in names}
    for row, ivs in row_intervals.items():
        for s, e, phase, _layer, _bits in ivs:
            s, e = max(s, start), min(e, end)
            if e <= s:
                continue
            c0, c1 = int((s - start) / span), min(int((e - start) / span), cols - 1)
            for c in range(c0, c1 + 1):
                lo, hi = start + c * span, start + (c + 1) * span
                overlap = min(e, hi) - max(s, lo)
                if overlap > 0:
                    busy[row][c][phase] = busy[row][c].get(phase, 0.0) + overlap
    waiting = {n: [False] * cols for n in names}
    for res in probe.resources():
        g = queue_rows[res]
        series = probe.queue_series(res)
        for (t, depth), nxt in zip(series, series[1:] + [(end, 0)]):
            if depth > 0:
                a, b = max(t, start), min(nxt[0], end)
                for c in range(max(int((a - start) / span), 0), min(int((b - start) / span), cols - 1) + 1):
                    waiting[g][c] = True
    table = Table(show_header=False, show_edge=False, box=None, pad_edge=False, padding=(0, 1))
    table.add_column(width=label_w, no_wrap=True)
    table.add_column(no_wrap=True)
    for n in names:
        line = Text()
        cap = max(row_servers[n], 1)
        for c in range(cols):
            cell = busy[n][c]
            if cell:
                phase = max(cell, key=cell.get)
                fill = sum(cell.values()) / (span * cap)
                line.append(FULL if fill >= 0.75 else PART, style=PHASE_STYLE[phase])
            elif waiting[n][c]:
                line.append(WAIT, style="red")
            else:
                line.append(IDLE)
        table.add_row(n, line)
    scale = Text(f"{start:,}".ljust(cols // 2) + f"{end:,} cycles".rjust(cols - cols // 2))
    table.add_row("", scale)
    legend = Text()
    for phase, style in PHASE_STYLE.items():
        legend.append(FULL, style=style)
        legend.append(f" {phase}  ")
    legend.append(f"{PART} partly busy  ")
    legend.append(WAIT, style="red")
    legend.append(" queueing")
    table.add_row("", legend)
    table.title = f"timeline: cycles {start:,}–{end:,} ({(end - start) / result.clock_hz * 1e6:,.1f} µs)"
    return table
