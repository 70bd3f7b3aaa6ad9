"""The package's dependency layers (docs/ARCHITECTURE.md, "Layers"), enforced on every import of every
module: top level or inside a function, absolute or relative. A module may import modules of its own
group (e.g. `learn.train` imports `learn.network`) and modules of lower layers, never a higher layer or
another group of its own layer; and the module graph has no circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "cyclesim"

LAYERS = (
    {"errors", "kernels", "layers", "terms", "version"},  # vocabulary and numerics, no cyclesim imports
    {"tech", "rules", "irdrop"},  # technology files -> SI records; learning rules as declarations; wire physics
    {"config"},  # the frozen workload description
    {"data", "device", "workload"},  # datasets, the cell model, workload files and overrides
    {"learn", "hw", "footprint"},  # functional training model; circuits, floorplan and area; memory estimate
    {"engine"},  # the discrete-event chip
    {"result"},  # what a run produced
    {"runner"},  # one run end to end
    {"report"},  # files, console, timeline, traces, plots, compare, findings
    {"sweep"},  # many runs: spec, grid, worker, executors, table
    {"api", "cli"},  # entry points: the Python API, the command line
    {"__main__", "__init__"},  # the package itself (lazy exports of the API)
)
"""Groups (the first part of a module's name below the package), lowest layer first."""

CORE = set().union(*LAYERS[:8])
"""Groups that never draw anything: they must not import rich or matplotlib."""

OPTIONAL = {"distributed": {"sweep.cluster"}, "dask": {"sweep.cluster"}}
"""Optional extras and the only modules that may import them."""


def layer_of(group: str) -> int:
    for i, groups in enumerate(LAYERS):
        if group in groups:
            return i
    raise AssertionError(f"cyclesim/{group} is in no layer of tests/test_layout.py; add it to LAYERS")


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name below the package (`sweep.cluster`, `__init__`, `engine`) -> file."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        out[".".join(parts)] = path
    return out


def resolve(name: str, known: dict[str, Path]) -> str:
    """The module a dotted name below the package refers to: the longest prefix that is a module
    (`engine.schedule.simulate` -> `engine.schedule`; `` -> `__init__`)."""
    parts = name.split(".") if name else []
    while parts:
        if ".".join(parts) in known:
            return ".".join(parts)
        parts.pop()
    return "__init__"


def imports(module: str, path: Path, known: dict[str, Path], pkg: str) -> list[tuple[int, str, str]]:
    """(line, imported top-level package or cyclesim module, as written) for every import in the file."""
    out = []
    package = module.split(".") if path.name == "__init__.py" and module != "__init__" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for a in node.names:
                root, _, rest = a.name.partition(".")
                out.append((node.lineno, resolve(rest, known) if root == pkg else root, a.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's package, `level - 1` packages up
                base = package[: len(package) - (node.level - 1)]
                full = ".".join(base + ([node.module] if node.module else []))
                written = "." * node.level + (node.module or "")
            else:
                root, _, full = (node.module or "").partition(".")
                written = node.module
                if root != pkg:
                    out.append((node.lineno, root, written))
                    continue
            for a in node.names:  # `from cyclesim import tech` names a module; `from x import f` an attribute
                target = f"{full}.{a.name}" if full else a.name
                out.append((node.lineno, resolve(target, known), f"{written} import {a.name}"))
    return out


def violations(root: Path, pkg: str = "cyclesim") -> list[str]:
    """Every import that breaks the layers, and every circle in the module graph."""
    known = modules(root)
    problems, graph = [], {m: set() for m in known}
    for module, path in known.items():
        group = module.split(".")[0]
        mine = layer_of(group)
        for line, target, written in imports(module, path, known, pkg):
            where = f"{path.relative_to(root.parent)}:{line}: {written}"
            if target in known:
                graph[module].add(target)
                other = target.split(".")[0]
                if other != group and (layer_of(other) > mine or (layer_of(other) == mine)):
                    problems.append(f"{where}: {group} (layer {mine}) may not import {other} (layer {layer_of(other)})")
            elif target in ("rich", "matplotlib") and group in CORE:
                problems.append(f"{where}: the core ({group}) never imports {target}; rendering lives in report")
            elif target in OPTIONAL and module not in OPTIONAL[target]:
                problems.append(f"{where}: only {sorted(OPTIONAL[target])} may import the optional {target}")
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if n == m:
                continue
            if state.get(n) == 1:
                problems.append("import circle: " + " -> ".join(stack[stack.index(n) :] + [n]))
            elif n not in state:
                visit(n, stack + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return problems


def test_every_module_is_in_a_layer():
    for module in modules(PKG):
        layer_of(module.split(".")[0])


def test_no_import_breaks_the_layers_and_no_circle():
    assert violations(PKG) == []


@pytest.mark.parametrize(
    "plant, expected",
    [
        # an upward import hidden inside a function
        ("def f():\n    from cyclesim import runner\n", "config (layer 2) may not import runner"),
        # a relative import of a higher layer
        ("def f():\n    from . import runner\n", "config (layer 2) may not import runner"),
        # rich in the core
        ("def f():\n    import rich.table\n", "never imports rich"),
        # an import across groups of one layer
        (None, "data (layer 3) may not import device"),
    ],
)
def test_a_planted_violation_is_found(tmp_path, plant, expected):
    pkg = tmp_path / "cyclesim"
    for name, text in (
        ("__init__.py", "from cyclesim import config\n"),
        ("config.py", plant or ""),
        ("runner.py", "from cyclesim import config\n"),
        ("device.py", ""),
        ("data.py", "from cyclesim.device import x\n" if plant is None else ""),
    ):
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text, encoding="utf-8")
    found = violations(pkg)
    assert any(expected in v for v in found), found


def test_a_planted_circle_is_found(tmp_path):
    pkg = tmp_path / "cyclesim"
    (pkg / "sweep").mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "sweep" / "__init__.py").write_text("def f():\n    from cyclesim.sweep import cluster\n", encoding="utf-8")
    (pkg / "sweep" / "cluster.py").write_text("from cyclesim.sweep import run_sweep\n", encoding="utf-8")
    assert any(v.startswith("import circle: sweep -> sweep.cluster -> sweep") for v in violations(pkg))


def test_the_engine_reads_the_chip_only_from_the_inventory():
    """The engine sizes and prices nothing (issue 13: the chip is built once): of `hw` it may use the
    inventory and the `Cost` record type, never the area roll-up, the floorplan's mapping functions or
    the circuit formulas."""
    known = modules(PKG)
    found = []
    ALLOWED = ("cyclesim.hw.circuits import Cost", "cyclesim.hw.circuits import to_cycles")
    for module, path in known.items():
        if module.split(".")[0] != "engine":
            continue
        for line, target, written in imports(module, path, known, "cyclesim"):
            if target.startswith("hw") and target != "hw.inventory" and written not in ALLOWED:
                found.append(f"{path.name}:{line}: {written}")
    assert found == []
