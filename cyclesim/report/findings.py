"""Findings of the paper reproduction: tables, figures and report sections from sweep results.

Each experiment in workloads/paper/ reduces the results documents (results.json) of its complete
points to one markdown section: the paper's claim, our table (mean ± sd of final test accuracy over
seeds), a figure and a verdict computed from the numbers. matplotlib is an optional extra: it is
imported only when a figure is drawn, and without it the figure helpers return None.
"""

from __future__ import annotations

import statistics
from pathlib import Path

RULE_COLOURS = (("bp", "tab:blue"), ("dfa", "tab:orange"))
"""Each learning rule's colour in the figures, BP first."""


def cfg(doc: dict, dotted: str):
    """The config field `dotted` (e.g. "chip.adc_bits") of a results document; a list becomes a tuple."""
    v = doc["config"]
    for part in dotted.split("."):
        v = v[part]
    return tuple(v) if isinstance(v, list) else v


def final(doc: dict) -> float | None:
    """Final test accuracy (a fraction) of a results document."""
    return doc["accuracy"]["final_test"]


def stats(values: list[float]) -> tuple[float, float]:
    """(mean, sample sd) of the values that are not None; sd 0 for one value, (nan, nan) for none."""
    values = [v for v in values if v is not None]
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def accuracy_by(docs: list[dict], field: str, keep=lambda d: True) -> dict:
    """{(rule, value of `field`): (mean %, sd %)} of final test accuracy over seeds, for the docs `keep` accepts."""
    groups: dict = {}
    for d in docs:
        if keep(d):
            groups.setdefault((d["config"]["rule"], cfg(d, field)), []).append(final(d))
    return {k: tuple(100 * x for x in stats(v)) for k, v in groups.items()}


def md_accuracy_table(acc: dict, field_label: str) -> str:
    """Markdown table of an `accuracy_by` result: one row per value (None last), BP and DFA columns."""
    values = sorted({v for _r, v in acc}, key=lambda v: (v is None, v if v is not None else 0))
    lines = [f"| {field_label} | BP (%) | DFA (%) |", "|---|---|---|"]
    for v in values:
        cells = []
        for rule in ("bp", "dfa"):
            m = acc.get((rule, v))
            cells.append("–" if m is None else f"{m[0]:.2f} ± {m[1]:.2f}")
        lines.append(f"| {v} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def figure_lines(acc: dict, path: Path, xlabel: str, title: str, logx: bool = False) -> str | None:
    """Accuracy vs a setting, one line per rule, saved as PNG at `path`; returns the markdown image link,
    or None without matplotlib."""
    plt = pyplot_or_none()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for rule, colour in RULE_COLOURS:
        pts = sorted((v, m) for (r, v), m in acc.items() if r == rule and v is not None)
        if pts:
            xs = [p[0] for p in pts]
            ax.errorbar(
                xs,
                [p[1][0] for p in pts],
                yerr=[p[1][1] for p in pts],
                marker="o",
                capsize=3,
                color=colour,
                label=rule.upper(),
            )
    if logx:
        ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("final test accuracy (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(plt, fig, path, title)


def pyplot_or_none():
    """matplotlib.pyplot (Agg backend, see `cyclesim.report.plots`), or None when it cannot be used."""
    try:
        from cyclesim.report.plots import _pyplot

        return _pyplot()
    except Exception:
        return None


def save_figure(plt, fig, path: Path, title: str) -> str:
    """Save `fig` as a PNG at `path` (120 dpi) and close it; returns its markdown image link, relative to
    the report (`figures/<name>`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return f"![{title}](figures/{path.name})"


def clause_verdict(clauses: list[tuple[str, bool | None, str]]) -> str:
    """The verdict of (clause, holds, measured) checks: "reproduced" when every decided clause holds,
    "not reproduced" when none does, else "partly"; a clause whose points are missing (holds None) is not
    decided, and with none decided the verdict is pending."""
    decided = [ok for _c, ok, _m in clauses if ok is not None]
    if not decided:
        return "pending (points missing)"
    held = sum(decided)
    return "reproduced" if held == len(decided) else ("not reproduced" if held == 0 else "partly")


def clause_reason(clauses: list[tuple[str, bool | None, str]]) -> str:
    """The checks behind a `clause_verdict`, one line: "✓ clause: measured; ✗ ...; … (pending) ..."."""
    mark = {True: "✓", False: "✗", None: "… (pending)"}
    return "; ".join(f"{mark[None if ok is None else bool(ok)]} {c}: {m}" for c, ok, m in clauses) + "."


def section(
    title: str, paper: str, body: str, verdict: str, reason: str, figure: str | None, why: str | None = None
) -> str:
    """One finding as markdown: the paper's claim, our table(s) `body` and figure, the computed verdict
    with its `reason`, and (where the verdict is not "reproduced") `why` the simulator differs."""
    parts = [f"## {title}", "", f"**Paper:** {paper}", "", body, ""]
    if figure:
        parts += [figure, ""]
    parts += [f"**Verdict: {verdict}.** {reason}", ""]
    if why:
        parts += [f"**Why:** {why}", ""]
    return "\n".join(parts)
