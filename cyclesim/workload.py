"""Workload files and `--set` overrides.

A workload file is plain Python that defines `workload = Workload(...)`. Overrides such as
`chip.adc_bits=3` or `network.sizes=784,512,10` are parsed against the declared type of the field
they name, and the edited workload is validated again, so a typo or a wrong type is reported as one
clear `ConfigError` before any work starts. `device.name=PRESET` loads that device preset and
`device.curve=FILE` a measured curve table into the device (in that order; then the other overrides
apply, whatever their order).
"""

from __future__ import annotations

import runpy
import types
import typing
from pathlib import Path

import attrs

from cyclesim.config import Device, Workload
from cyclesim.errors import ConfigError, UserError, one_line, shorten

DEVICE_NAME = "device.name"
"""The override that loads a device preset (see `override`)."""
DEVICE_CURVE = "device.curve"
"""The override that gives the device a measured curve table (see `override`)."""
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def run_file(path: str | Path, what: str) -> dict:
    """Execute a user's Python file (a `what` file: "workload" or "sweep") and return its namespace.

    Anything the file does wrong ends as one ConfigError line naming the file.
    """
    path = Path(path)
    try:
        found = path.is_file()
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte
        raise ConfigError(f"{what} file {shorten(str(path), 240)}: cannot be opened ({one_line(exc)})") from None
    if not found:
        example = "workloads/dfa_3layer.py" if what == "workload" else "workloads/sweeps/adc_bits.py"
        raise ConfigError(f"{what} file {shorten(str(path), 240)} not found; pass a path like {example}")
    try:
        return runpy.run_path(str(path), run_name=f"__{what}__")
    except SyntaxError as exc:
        where = exc.filename or str(path)
        raise ConfigError(f"{where}:{exc.lineno}: syntax error: {exc.msg}") from None
    except UserError:
        raise
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: invalid configuration: {shorten(one_line(exc), 300)}") from None
    except SystemExit as exc:
        raise ConfigError(f"{path}: the {what} file called sys.exit({exc.code!r})") from None
    except Exception as exc:  # the user's code raised: report it as theirs, in one line
        detail = shorten(one_line(exc), 300)
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
        for kind_ in args[:-1]:  # a union of scalars (chip.duplication: int | str): the first that parses
            try:
                return _convert(text, kind_, key)
            except ConfigError:
                continue
        return _convert(text, args[-1], key)
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
        raise ConfigError(f"--set {shorten(key)}={shorten(text)}: expected {kind.__name__}") from None
    return text


def _split(assignment: str) -> tuple[str, str]:
    if not isinstance(assignment, str) or "=" not in assignment:
        raise ConfigError(f"--set {shorten(assignment)}: expected KEY=VALUE, e.g. chip.adc_bits=3")
    key, text = assignment.split("=", 1)
    return key.strip(), text


def override(wl: Workload, assignment: str) -> Workload:
    """Apply one `a.b=value` assignment; returns the new, validated workload.

    `device.name=PRESET` loads that device preset (tech/devices/PRESET.toml) in place of the
    workload's device: a device's name and numbers come together, so a rename alone would label the
    old device's numbers with the preset's name. An unknown name is refused with the list of presets.
    `device.curve=FILE` gives the device the curve table FILE (`Device.with_curve`: the table fixes
    R_on, on/off, levels and the update, and names the device after the file); `device.curve=none`
    keeps a parametric device as it is and refuses to strip a table from one (pick a preset instead).
    """
    key, text = _split(assignment)
    if key == DEVICE_NAME:
        return _device_preset(wl, text)
    if key == DEVICE_CURVE:
        device = device_curve(wl.device, text)
        try:
            return attrs.evolve(wl, device=device)
        except (ValueError, TypeError) as exc:  # the workload with it, e.g. too few levels for its weights
            raise ConfigError(f"--set device.curve={shorten(text, 160)}: {one_line(exc)}") from None
    return _set(wl, key.split("."), text, key)


def device_curve(device: Device, text: str) -> Device:
    """`device` given the curve table named by `text` (`--set device.curve=FILE`), or as it is for
    `none` when it has no table."""
    shown = shorten(text, 160)
    if text.strip().lower() in ("none", "null"):
        if device.curve is None:
            return device
        raise ConfigError(
            f"--set device.curve={shown}: device {device.name} is its curve table's (R_on, on/off, levels and "
            f"update come from it); for a parametric device pick a preset, e.g. --set device.name=rram_neurosim"
        )
    if not text.strip():
        raise ConfigError("--set device.curve=: name a curve table (CSV), e.g. --set device.curve=my_device.csv")
    try:
        return device.with_curve(text)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"--set device.curve={shown}: {one_line(exc)}") from None


def _device_preset(wl: Workload, text: str) -> Workload:
    name = text.strip()
    presets = Device.presets()
    if name not in presets:
        listing = ", ".join(presets) if presets else "none"
        raise ConfigError(
            f"--set device.name={shorten(text)}: no device preset of that name (available: {listing}); "
            f"device.name picks a preset, whose numbers come with it: to describe another device, set its "
            f"fields (device.r_on_ohm, ...) or build a Device in the workload file"
        )
    try:
        return attrs.evolve(wl, device=Device.preset(name))
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"--set device.name={name}: {one_line(exc)}") from None


def _set(obj, parts: list[str], text: str, key: str):
    cls = type(obj)
    fields = attrs.fields_dict(attrs.resolve_types(cls))
    name = parts[0]
    if name not in fields:
        where = cls.__name__.lower() if cls is not Workload else "workload"
        raise ConfigError(
            f"--set {shorten(key)}: unknown key {shorten(repr(name))} in {where}; valid: {', '.join(fields)}"
        )
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
        raise ConfigError(f"--set {shorten(key)}: {one_line(exc)}") from None


def apply(wl: Workload, assignments: list[str]) -> Workload:
    """Apply `--set` assignments in order, except that a `device.name=PRESET` (the last, if several)
    is applied first and a `device.curve=FILE` (the last) next: the preset replaces the device, the
    table gives it its curve, then the other `device.*` overrides edit it, whatever their order on
    the command line. A `dataset` and a `network.sizes` (the last of each) are applied together, since
    the network's inputs must match the dataset's images (`--set dataset=cifar10 --set
    network.sizes=3072,256,10`)."""
    assignments = list(assignments)
    first = (DEVICE_NAME, DEVICE_CURVE)
    for key in first:
        chosen = [a for a in assignments if _split(a)[0] == key]
        if chosen:
            wl = override(wl, chosen[-1])
    paired = {key: [a for a in assignments if _split(a)[0] == key] for key in ("dataset", "network.sizes")}
    if all(paired.values()):
        dataset, sizes = (_split(paired[key][-1])[1] for key in ("dataset", "network.sizes"))
        fields = attrs.fields_dict(attrs.resolve_types(Workload))
        value = _convert(dataset, fields["dataset"].type, "dataset")
        network = _set(wl.network, ["sizes"], sizes, "network.sizes")
        try:
            wl = attrs.evolve(wl, dataset=value, network=network)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"--set dataset and network.sizes: {one_line(exc)}") from None
        first += ("dataset", "network.sizes")
    for a in assignments:
        if _split(a)[0] not in first:
            wl = override(wl, a)
    return wl


def apply_device(device: Device, assignments: list[str]) -> Device:
    """Apply `--set device.*` assignments to a device alone (ordered as `apply` orders them); any
    other key is refused. For commands that take a device without a workload (`device table`)."""
    wl = Workload(device=device, precision=attrs.evolve(Workload().precision, weight=1))
    for a in assignments:
        key = _split(a)[0]
        if not key.startswith("device."):
            raise ConfigError(f"--set {shorten(key)}: only device.* settings apply here, e.g. device.nl_ltp=2")
    return apply(wl, assignments).device
