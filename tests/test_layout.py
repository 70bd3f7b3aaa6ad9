"""The module dependency direction of DESIGN.md section 2, enforced on top-level imports."""

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "cyclesim"

# module -> cyclesim modules it may import at top level
ALLOWED = {
    "kernels": set(),
    "config": set(),
    "errors": set(),
    "tech": {"errors"},
    "data": {"errors"},
    "device": {"kernels", "tech"},
    "learn": {"device", "kernels", "learn", "errors", "config"},
    "workload": {"config", "errors"},
    "run": {"learn", "data", "config", "errors", "hw", "engine", "device", "kernels"},
    "sweep": {"config", "errors", "run", "workload", "kernels", "data", "learn", "sweep"},
    "hw": {"tech", "config", "errors", "hw"},
    "engine": {"engine", "hw", "kernels", "tech", "errors", "learn"},
}
NEVER_IN_CORE = {"rich", "matplotlib"}


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in tree.body:  # top level only: lazy imports inside functions are allowed
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_dependency_direction():
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        top = rel.parts[0].removesuffix(".py")
        if top not in ALLOWED:
            continue
        for name in _imports(path):
            root = name.split(".")[0]
            assert root not in NEVER_IN_CORE, f"{rel} imports {name}: the core never imports rich/matplotlib"
            if root == "cyclesim" and name != "cyclesim":
                mod = name.split(".")[1]
                assert mod in ALLOWED[top], f"{rel} imports {name}, outside {top}'s allowed {sorted(ALLOWED[top])}"
