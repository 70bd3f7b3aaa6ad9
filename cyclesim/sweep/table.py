"""A sweep's summary table: one row per point, its configuration flattened beside its key figures.

The rows are built from the point records (`points/<key>.json`), so the table of an interrupted
sweep shows which points are still missing; `write_table` writes table.csv and table.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from cyclesim import config
from cyclesim.config import Workload
from cyclesim.errors import ConfigError
from cyclesim.report import files
from cyclesim.sweep.spec import Sweep

TABLE_RESULTS = (
    "seed",
    "final_test",
    "area_total_um2",
    "iteration_latency_s",
    "epoch_latency_s",
    "iteration_energy_j",
    "wall_s",
    "error",
)
"""Result columns of table.csv / table.json, after `key`, `status` and the flattened config."""


def read_point(path: Path) -> dict | None:
    """A point record, or None when it is missing or unreadable (then the point counts as not run)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def flatten_config(wl: Workload) -> dict:
    """Every scalar config field as `section.field` (top-level fields by name); tuples joined with "-",
    layers written as `Conv2d(out_channels=6 kernel=5 ...)` joined with "-"."""
    out = {}

    def walk(prefix: str, d: dict) -> None:
        for k, v in d.items():
            name = f"{prefix}{k}"
            if isinstance(v, dict):
                walk(name + ".", v)
            elif isinstance(v, list):
                out[name] = "-".join(_item(x) for x in v)
            else:
                out[name] = v

    walk("", config.to_dict(wl))
    return out


def _item(x) -> str:
    """One element of a list field: a layer ({"type": "Conv2d", ...}) as `Conv2d(out_channels=6 ...)`."""
    if isinstance(x, dict):
        fields = " ".join(f"{k}={v}" for k, v in x.items() if k != "type")
        return f"{x.get('type', '')}({fields})"
    return str(x)


def _get(doc, *path):
    for p in path:
        if not isinstance(doc, dict) or doc.get(p) is None:
            return None
        doc = doc[p]
    return doc


def table_rows(sweep: Sweep, out_dir: str | Path) -> list[dict]:
    """One row per point of `sweep`, from its point file (status "missing" if it has none)."""
    points_dir = Path(out_dir) / "points"
    rows = []
    for key, wl in sweep.points:
        rec = read_point(points_dir / f"{key}.json") or {"status": "missing"}
        res = rec.get("results") or {}
        row = {"key": key, "status": rec.get("status", "missing")}
        row.update(flatten_config(wl))
        row.update(
            {
                "seed": wl.training.seed,
                "final_test": _get(res, "accuracy", "final_test"),
                "area_total_um2": _get(res, "area", "total_um2"),
                "iteration_latency_s": _get(res, "latency", "iteration_s"),
                "epoch_latency_s": _get(res, "latency", "epoch_s"),
                "iteration_energy_j": _get(res, "energy", "iteration_j"),
                "wall_s": rec.get("wall_s"),
                "error": rec.get("error"),
            }
        )
        rows.append(row)
    return rows


def write_table(sweep: Sweep, out_dir: str | Path) -> list[dict]:
    """Write `<out>/table.csv` and `<out>/table.json` for every point of `sweep`; returns the rows."""
    out_dir = Path(out_dir)
    rows = table_rows(sweep, out_dir)
    # the union of every row's fields (points differ in theirs: an MLP has network.sizes, a convolutional
    # network network.layers), in order of first appearance, the result columns last
    fields = dict.fromkeys(["key", "status"] + [k for r in rows for k in r if k not in TABLE_RESULTS])
    columns = [*fields, *TABLE_RESULTS]
    files.write_table(out_dir, rows, columns)
    return rows


def load_table(out_dir: str | Path) -> list[dict]:
    """The rows of `<out>/table.json`."""
    path = Path(out_dir) / "table.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found; run the sweep first") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
