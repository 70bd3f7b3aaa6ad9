"""Workload files and `--set` overrides.

A workload file is plain Python that defines `workload = Workload(...)`. Overrides such as
`chip.adc_bits=3` or `network.sizes=784,512,10` are parsed against the declared type of the field
they name, and the edited workload is validated again, so a typo or a wrong type is reported as one
clear `ConfigError` before any work starts.
"""

from __future__ import annotations

import runpy
import types
import typing
from pathlib import Path

import attrs

from cyclesim.config import Workload
from cyclesim.errors import ConfigError, UserError, one_line

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def run_file(path: str | Path, what: str) -> dict:
    """Execute a user's Python file (a `what` file: "workload" or "sweep") and return its namespace.

    Anything the file does wrong ends as one ConfigError line naming the file.
    """
    path = Path(path)
    if not path.is_file():
        example = "workloads/dfa_3layer.py" if what == "workload" else "workloads/sweeps/adc_bits.py"
        raise ConfigError(f"{what} file {path} not found; pass a path like {example}")
    try:
        return runpy.run_path(str(path), run_name=f"__{what}__")
    except SyntaxError as exc:
        where = exc.filename or str(path)
        raise ConfigError(f"{where}:{exc.lineno}: syntax error: {exc.msg}") from None
    except UserError:
        raise
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: invalid configuration: {one_line(exc)}") from None
    except SystemExit as exc:
        raise ConfigError(f"{path}: the {what} file called sys.exit({exc.code!r})") from None
    except Exception as exc:  # the user's code raised: report it as theirs, in one line
        detail = one_line(exc)
        raise ConfigError(f"{path}: the {what} file raised {type(exc).__name__}: {detail}") from None


def load(path: str | Path) -> Workload:
    """Run a workload file and return its `workload` object."""
    path = Path(path)
    namespace = run_file(path, "workload")
    if "workload" not in namespace:
        raise ConfigError(f"{path} does not define `workload`; add `workload = Workload(...)`")
    wl = namespace["workload"]
    if not isinstance(wl, Workload):
        raise ConfigError(f"{path}: `workload` must be a cyclesim.Workload, got {type(wl).__name__}")
    return wl


def _convert(text: str, kind, key: str):
    """Parse override text as the field type `kind` (int, float, bool, str, Optional, tuple[int])."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if text.strip().lower() in ("none", "null"):
            return None
        return _convert(text, args[0], key)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_convert(part, item, key) for part in text.split(",") if part.strip())
    try:
        if kind is bool:
            low = text.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise ConfigError(f"--set {key}={text}: expected {kind.__name__}") from None
    return text


def override(wl: Workload, assignment: str) -> Workload:
    """Apply one `a.b=value` assignment; returns the new, validated workload."""
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment}: expected KEY=VALUE, e.g. chip.adc_bits=3")
    key, text = assignment.split("=", 1)
    parts = key.strip().split(".")
    return _set(wl, parts, text, key.strip())


def _set(obj, parts: list[str], text: str, key: str):
    cls = type(obj)
    fields = attrs.fields_dict(attrs.resolve_types(cls))
    name = parts[0]
    if name not in fields:
        where = cls.__name__.lower() if cls is not Workload else "workload"
        raise ConfigError(f"--set {key}: unknown key {name!r} in {where}; valid: {', '.join(fields)}")
    current = getattr(obj, name)
    if attrs.has(type(current)):
        if len(parts) == 1:
            raise ConfigError(f"--set {key}: {name} is a section; set one of its fields, e.g. {name}.<field>")
        value = _set(current, parts[1:], text, key)
    else:
        if len(parts) > 1:
            raise ConfigError(f"--set {key}: {name} has no fields")
        value = _convert(text, fields[name].type, key)
    try:
        return attrs.evolve(obj, **{name: value})
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"--set {key}: {exc}") from None


def apply(wl: Workload, assignments: list[str]) -> Workload:
    """Apply `--set` assignments in order."""
    for a in assignments:
        wl = override(wl, a)
    return wl
