"""Two runs side by side: accuracy, area per category, latency per phase, energy per component,
throughput, TOPS/W and leakage power.

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

from cyclesim.errors import ConfigError, one_line, shorten
from cyclesim.terms import NEUROSIM_LABELS


def load_results(path: Path) -> dict:
    """A results.json document whose blocks have the shape `rows` reads, or one ConfigError naming the
    file and the key."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} not found; give a results.json file or a workload file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a results.json (not UTF-8 text); {_FIX}") from None
    except (OSError, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        detail = getattr(exc, "strerror", None) or one_line(exc) or type(exc).__name__
        raise ConfigError(f"{path} is not a readable results.json ({shorten(detail)}); {_FIX}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path} is not a cyclesim results.json (a JSON {_kind(doc)}, not an object); {_FIX}")
    if "config" not in doc:
        raise ConfigError(f"{path} is not a cyclesim results.json (no 'config' block); {_FIX}")
    _check(path, doc, "", _SHAPE)
    return doc


_FIX = "give a results.json that `python -m cyclesim run` wrote"

PERFORMANCE = (
    ("training_images_per_s", "throughput images/s", "training", 1.0),
    ("inference_images_per_s", "throughput images/s", "inference", 1.0),
    ("training_tops_per_w", "efficiency TOPS/W", "training", 1.0),
    ("inference_tops_per_w", "efficiency TOPS/W", "inference", 1.0),
    ("leakage_w", "power µW", "leakage", 1e6),
)
"""The `performance` figures compared: key, section, item and the factor to the section's unit."""

_NUMBER, _TEXT = "a finite number", "a string"
_LARGEST = 1e200  # no figure of a run comes near it; NaN and infinities fail the comparison too
_SHAPE = {  # key -> what it must be: a dict is an object (null allowed) with those required keys
    "config": dict,
    "status": _TEXT,
    "epochs": list,
    "accuracy": {"final_test": (_NUMBER, None)},
    "area": {"total_um2": _NUMBER, "breakdown_um2": {str: _NUMBER}},
    "latency": {"iteration_s": _NUMBER, "epoch_s": _NUMBER, "per_phase_s": {str: _NUMBER}},
    "energy": {"iteration_j": _NUMBER, "per_component_j": {str: _NUMBER}},
    "performance": {key: (_NUMBER, None) for key, *_ in PERFORMANCE},
}
"""The part of a results.json document `compare` reads (README, "results.json reference"); other
keys are not checked. Blocks of the whole document may be null (a run without them)."""


def _check(path: Path, value, where: str, shape) -> None:
    """Raise ConfigError naming `path` and the key `where` if `value` does not have `shape`."""
    name = where or "(top level)"
    if isinstance(shape, dict) and str in shape:  # a mapping of names to one shape
        if not isinstance(value, dict):
            raise ConfigError(
                f"{path}: key '{name}' must be an object, got {_kind(value)} {shorten(repr(value))}; {_FIX}"
            )
        for key, item in value.items():
            _check(path, item, f"{where}.{key}", shape[str])
        return
    if isinstance(shape, dict):  # an object with required keys (null: the block is absent)
        if value is None and where:
            return
        if not isinstance(value, dict):
            raise ConfigError(
                f"{path}: key '{name}' must be an object, got {_kind(value)} {shorten(repr(value))}; {_FIX}"
            )
        top = not where
        for key, item in shape.items():
            if key not in value:
                if top:
                    continue  # a document may lack a whole block
                raise ConfigError(f"{path}: key '{where}.{key}' is missing; {_FIX}")
            _check(path, value[key], f"{where}.{key}" if where else key, item)
        return
    if isinstance(shape, tuple):  # one of several
        if any(_fits(value, s) for s in shape):
            return
        shape = shape[0]
    if not _fits(value, shape):
        want = {dict: "an object", list: "a list"}.get(shape, shape)
        raise ConfigError(f"{path}: key '{name}' must be {want}, got {_kind(value)} {shorten(repr(value))}; {_FIX}")


def _fits(value, shape) -> bool:
    if shape is None:
        return value is None
    if shape == _NUMBER:  # finite and far from float's limits, so unit conversions stay finite
        return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= _LARGEST
    if shape == _TEXT:
        return isinstance(value, str)
    return isinstance(value, shape)


def _kind(value) -> str:
    """The JSON name of a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {dict: "object", list: "array", str: "string", int: "number", float: "number"}.get(type(value), "value")


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
    perf_a, perf_b = (d.get("performance") or {} for d in (a, b))
    if perf_a and perf_b:  # results.json files written before `performance` existed have none
        for key, section, item, unit in PERFORMANCE:
            va, vb = perf_a.get(key), perf_b.get(key)
            out.append((section, item, None if va is None else va * unit, None if vb is None else vb * unit))
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
