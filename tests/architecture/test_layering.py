"""The folder tree is the architecture: every import runs down the layers, the two HTTP faces
never import each other, and no modules import each other in a circle.

The layer order is data (`LAYERS`); each module's imports are read with `ast`, including
imports inside functions and under `TYPE_CHECKING` (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Lowest first. A module may import its own package, any package of a lower layer, and another
# package of its own layer unless the pair is in SIBLINGS_APART.
LAYERS: list[tuple[str, frozenset[str]]] = [
    ("foundation", frozenset({"__init__", "text", "refusal"})),
    ("pure", frozenset({"tlog", "ledger", "sign", "xmldoc"})),
    ("store", frozenset({"store"})),
    ("journal", frozenset({"journal"})),
    ("domain", frozenset({"policy", "auth", "approvals", "budget", "contracts", "numscript", "invoices",
                          "payments", "disclosure", "supply", "mining"})),
    ("readers", frozenset({"audit", "client"})),  # offline verification; the signed HTTP client
    ("service", frozenset({"service"})),
    ("faces", frozenset({"api", "web"})),
    ("roots", frozenset({"server", "cli", "demo", "bench"})),  # composition roots and commands
]
SIBLINGS_APART: frozenset[frozenset[str]] = frozenset({frozenset({"api", "web"})})


def _layer_of(package: str) -> int:
    for n, (_name, packages) in enumerate(LAYERS):
        if package in packages:
            return n
    raise AssertionError(f"ramp.{package} is in no layer: add it to LAYERS in {__file__}")


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, src: Path = SRC) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every `import ramp...` / `from ramp... import` in the file;
    a `from ramp.pkg import name` names ramp.pkg.name when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "ramp" or alias.name.startswith("ramp."):
                    yield node.lineno, alias.name
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None
              and (node.module == "ramp" or node.module.startswith("ramp."))):  # fmt: skip
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                is_module = (src / Path(*sub.split("."))).with_suffix(".py").exists() or (
                    src / Path(*sub.split(".")) / "__init__.py").exists()  # fmt: skip
                yield node.lineno, sub if is_module else node.module


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def violations(src: Path = SRC) -> list[str]:
    """Every import that runs up a layer or between siblings kept apart."""
    out = []
    for path in sorted((src / "ramp").rglob("*.py")):
        here = module_name(path, src)
        mine = _package(here)
        for line, target in imports_of(path, src):
            theirs = _package(target)
            if theirs == mine:
                continue
            if frozenset({mine, theirs}) in SIBLINGS_APART:
                out.append(f"{path.relative_to(src)}:{line}: {here} imports its sibling {target}")
            elif _layer_of(theirs) > _layer_of(mine):
                out.append(f"{path.relative_to(src)}:{line}: {here} ({LAYERS[_layer_of(mine)][0]}) imports "
                           f"{target} ({LAYERS[_layer_of(theirs)][0]}), a higher layer")  # fmt: skip
    return out


def cycles(src: Path = SRC) -> list[list[str]]:
    """Import circles between modules (strongly connected components of more than one module)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((src / "ramp").rglob("*.py")):
        graph[module_name(path, src)] = {t for _line, t in imports_of(path, src)}
    for targets in graph.values():
        targets.intersection_update(graph)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm; the module graph is small, recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_package_has_a_layer():
    packages = {p.name for p in (SRC / "ramp").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    packages |= {p.stem for p in (SRC / "ramp").glob("*.py")}
    for package in sorted(packages):
        _layer_of(package)


def test_imports_run_down_the_layers_and_never_between_api_and_web():
    assert violations() == []


def test_no_import_circles():
    assert cycles() == []


# --- the test of the test: a forbidden import is caught ------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "ramp" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in [p for p in (tmp_path / "ramp").rglob("*") if p.is_dir()] + [tmp_path / "ramp"]:
        (folder / "__init__.py").touch()
    return tmp_path


@pytest.mark.parametrize(("files", "expected"), [
    ({"ledger/engine.py": "from ramp.journal import writer\n", "journal/writer.py": ""}, "a higher layer"),
    ({"web/app.py": "def f():\n    from ramp.api.http import x\n", "api/http.py": ""}, "its sibling"),
    ({"api/app.py": "import ramp.web.app\n", "web/app.py": ""}, "its sibling"),
    ({"store/base.py": "from ramp.service import Service\n", "service/__init__.py": ""}, "a higher layer"),
])  # fmt: skip
def test_a_forbidden_import_is_caught(tmp_path, files, expected):
    src = _tree(tmp_path, files)
    found = violations(src)
    assert len(found) == 1 and expected in found[0], found


def test_allowed_imports_pass(tmp_path):
    src = _tree(tmp_path, {"journal/writer.py": "from ramp.ledger import engine\n", "ledger/engine.py": "",
                           "server/__init__.py": "from ramp.api import app\nfrom ramp.web import app as w\n",
                           "api/app.py": "", "web/app.py": ""})  # fmt: skip
    assert violations(src) == []


def test_a_circle_is_caught(tmp_path):
    src = _tree(tmp_path, {"ledger/a.py": "from ramp.ledger import b\n", "ledger/b.py": "def f():\n    import ramp.ledger.a\n"})
    assert cycles(src) == [["ramp.ledger.a", "ramp.ledger.b"]]
