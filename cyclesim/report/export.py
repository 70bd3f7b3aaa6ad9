"""Export one simulated iteration for outside tools: a Chrome trace and a per-layer CSV.

`chrome_trace` turns the probe's busy intervals and queue-depth samples into a Chrome trace event
document (open it in ui.perfetto.dev or chrome://tracing), one track per resource server;
`report.files` writes it (and `layers_csv`, the busy cycles of every layer and phase).
"""

from __future__ import annotations

PID = 1
"""The single trace process: the chip."""


def lanes(intervals: list[tuple]) -> tuple[list[tuple[int, tuple]], int]:
    """Assign every interval to a lane (greedy: the first lane free at its start) so that no two
    intervals of a lane overlap; returns ``[(lane, interval), ...]`` and the number of lanes."""
    free_at: list[int] = []  # per lane: the end of its last interval
    out = []
    for iv in sorted(intervals, key=lambda iv: (iv[0], iv[1])):
        start = iv[0]
        for lane, end in enumerate(free_at):  # noqa: B007 (the lane found is used after the loop)
            if end <= start:
                break
        else:
            lane = len(free_at)
            free_at.append(start)
        free_at[lane] = max(free_at[lane], iv[1])
        out.append((lane, iv))
    return out, len(free_at)


def _clip(start: int, end: int, window: tuple[int, int] | None) -> tuple[int, int] | None:
    """The part of [start, end) inside the window, or None if the interval lies outside it."""
    if window is None:
        return start, end
    lo, hi = window
    if start == end:  # zero-length: keep it if its instant lies in the window
        return (start, end) if lo <= start < hi else None
    s, e = max(start, lo), min(end, hi)
    return (s, e) if s < e else None


def chrome_trace(result, window: tuple[int, int] | None = None) -> dict:
    """A Chrome trace event document of `result` (an IterationResult).

    One process (the chip) with one thread per resource server, in display order (`Probe.display_key`:
    by kind, then layer): a resource with capacity > 1 gets one thread per lane ("dram[0]",
    "dram[1]", ...) so that slices on a thread never overlap.
    Busy intervals become complete ("X") events named after their phase, queue-depth samples
    become counter ("C") events; times are microseconds. With ``window=(start, end)`` (cycles),
    only intervals overlapping the window are kept, clipped to it, and only samples inside it
    (plus the depth in force at the window's start).
    """
    if window is not None:
        lo, hi = int(window[0]), int(window[1])
        if hi < lo:
            raise ValueError(f"window ends before it starts: {window!r}")
        window = (lo, hi)
    probe = result.probe
    clock = float(result.clock_hz)
    us = 1e6 / clock

    meta = [{"ph": "M", "pid": PID, "tid": 0, "name": "process_name", "args": {"name": "chip"}}]
    slices, counters = [], []
    resources = sorted(probe.resources(), key=probe.display_key)
    tid = 0
    for res in resources:
        assigned, n_lanes = lanes(probe.intervals(res))
        n_lanes = max(n_lanes, 1)
        split = n_lanes > 1 or probe.capacity.get(res, 1) > 1
        first_tid = tid + 1
        for lane in range(n_lanes):
            tid += 1
            name = f"{res}[{lane}]" if split else res
            meta.append({"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": name}})
            meta.append({"ph": "M", "pid": PID, "tid": tid, "name": "thread_sort_index", "args": {"sort_index": tid}})
        for lane, (start, end, phase, layer, bits) in assigned:
            clipped = _clip(start, end, window)
            if clipped is None:
                continue
            s, e = clipped
            slices.append(
                {
                    "ph": "X",
                    "pid": PID,
                    "tid": first_tid + lane,
                    "name": phase,
                    "cat": phase,
                    "ts": s * us,
                    "dur": (e - s) * us,
                    "args": {"layer": None if layer is None else layer + 1, "bits": bits, "phase": phase},
                }
            )
        series = probe.queue_series(res)
        if window is not None:
            lo, hi = window
            before = [(t, d) for t, d in series if t < lo]
            series = ([(lo, before[-1][1])] if before else []) + [(t, d) for t, d in series if lo <= t < hi]
        for t, depth in series:
            counters.append(
                {
                    "ph": "C",
                    "pid": PID,
                    "tid": first_tid,
                    "name": f"queue {res}",
                    "ts": t * us,
                    "args": {"depth": depth},
                }
            )

    return {
        "traceEvents": meta + slices + counters,
        "displayTimeUnit": "ns",
        "otherData": {
            "clock_hz": clock,
            "cycles": int(result.cycles),
            "window": list(window) if window is not None else None,
        },
    }
