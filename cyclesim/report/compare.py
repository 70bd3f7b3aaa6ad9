"""Two runs side by side: accuracy, area per category, latency per phase, energy per component.

Each side is a results.json file or a workload file (which is run first, with the same `--set`
overrides applied to both). Every figure is read from the results.json documents, so the table
shows exactly the numbers the two runs wrote, with the difference B − A and the ratio A/B. Area and
energy categories (`terms.COMPONENTS`) are printed with NeuroSim's labels; a category only one side
has shows "–" on the other.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from cyclesim.errors import ConfigError
from cyclesim.terms import NEUROSIM_LABELS


def load_results(path: Path) -> dict:
    """A results.json document, or one clear error."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found; give a results.json file or a workload file") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not a readable results.json ({exc})") from None
    if not isinstance(doc, dict) or "config" not in doc:
        raise ConfigError(f"{path} is not a cyclesim results.json (no 'config' block)")
    return doc


def rows(a: dict, b: dict) -> list[tuple[str, str, float | None, float | None]]:
    """(section, item, value A, value B) for every figure both documents can be compared on."""
    out = []
    acc_a, acc_b = (d.get("accuracy") or {} for d in (a, b))
    out.append(("accuracy", "final test", acc_a.get("final_test"), acc_b.get("final_test")))
    area_a, area_b = (d.get("area") or {} for d in (a, b))
    if area_a and area_b:
        out.append(("area mm²", "total", area_a["total_um2"] / 1e6, area_b["total_um2"] / 1e6))
        out += _breakdown("area mm²", area_a["breakdown_um2"], area_b["breakdown_um2"], lambda um2: um2 / 1e6)
    lat_a, lat_b = (d.get("latency") or {} for d in (a, b))
    if lat_a and lat_b:
        out.append(("latency µs", "iteration", lat_a["iteration_s"] * 1e6, lat_b["iteration_s"] * 1e6))
        out += _breakdown("latency µs", lat_a["per_phase_s"], lat_b["per_phase_s"], lambda s: s * 1e6)
        out.append(("latency s", "epoch", lat_a["epoch_s"], lat_b["epoch_s"]))
    en_a, en_b = (d.get("energy") or {} for d in (a, b))
    if en_a and en_b:
        out.append(("energy mJ", "iteration", en_a["iteration_j"] * 1e3, en_b["iteration_j"] * 1e3))
        out += _breakdown("energy mJ", en_a["per_component_j"], en_b["per_component_j"], lambda j: j * 1e3)
    return out


def _breakdown(section: str, a: dict, b: dict, unit) -> list[tuple[str, str, float | None, float | None]]:
    """One row per key of either breakdown (A's keys first), values converted by `unit`; None where
    a side lacks the key. Component categories are labelled as NeuroSim names them."""
    keys = list(a) + [k for k in b if k not in a]
    return [
        (section, NEUROSIM_LABELS.get(k, k), None if k not in a else unit(a[k]), None if k not in b else unit(b[k]))
        for k in keys
    ]


def ratio(va, vb) -> float | None:
    """A / B, or None when either is missing or B is zero."""
    if va is None or vb is None or vb == 0:
        return None
    return va / vb


def table(a: dict, b: dict, name_a: str, name_b: str) -> Table:
    t = Table(title=f"A = {name_a}   B = {name_b}", show_edge=False)
    for col in ("", "", "A", "B", "B − A", "A / B"):
        t.add_column(col, justify="left" if col == "" else "right")
    last = None
    for section, item, va, vb in rows(a, b):
        r = ratio(va, vb)
        diff = None if va is None or vb is None else vb - va
        t.add_row(
            section if section != last else "", item, _fmt(va), _fmt(vb), _fmt(diff), "–" if r is None else f"{r:.3f}"
        )
        last = section
    return t


def _fmt(v) -> str:
    if v is None:
        return "–"
    return f"{v:,.4g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
