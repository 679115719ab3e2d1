"""The package's layering rules, checked on its source (the design brief's "Layering").

Imports point down (cli → report / io → training → engines → network →
activations / costs / initializers), no import cycle, no import of another
module's ``_private`` name, no module over 300 lines, no function over 60, and
one shared ``Array`` alias.

Two exceptions, each named here: ``sgd`` is longer than 60 lines because the
article's loop is written out in it, on one screen, with the checks of its
arguments; and ``sgd(checkpoint=PATH)``, part of the public contract, imports
the checkpoint file format inside the call (the loop itself sees only an
``on_epoch`` callback).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "perceptron"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
LONG_FUNCTIONS = {"perceptron.training.sgd": 120}
UPWARD_IMPORTS = {("perceptron.training", "perceptron.io.checkpoint")}

# Lower rank = lower layer; a module may import only modules of a lower or equal rank
# (equal: within one layer, e.g. io.checkpoint → io.npz). The first matching prefix wins.
RANKS = (
    ("perceptron.types", 0),
    ("perceptron.version", 0),
    ("perceptron.errors", 0),
    ("perceptron.checks", 0),
    ("perceptron.interrupts", 0),
    ("perceptron.display", 0),  # reads public fields only; network and history call it
    ("perceptron.activations", 1),
    ("perceptron.costs", 2),
    ("perceptron.initializers", 1),
    ("perceptron.structs", 3),
    ("perceptron.optimizers", 4),
    ("perceptron.metrics", 5),
    ("perceptron.engines", 6),
    ("perceptron.epochs", 6),
    ("perceptron.threads", 6),
    ("perceptron.labels", 6),  # classify; the check of integer labels
    ("perceptron.progress", 6),  # an on_epoch callback; sgd may use it
    ("perceptron.training", 7),
    ("perceptron.gradcheck", 8),
    ("perceptron.datasets", 9),
    ("perceptron.io", 8),
    ("perceptron.interop", 9),
    ("perceptron.backprop_check", 9),
    ("perceptron.diagnosis", 9),
    ("perceptron.reports", 10),
    ("perceptron.sklearn", 10),
    ("perceptron.cli", 11),
    ("perceptron.__main__", 12),
    ("perceptron", 12),  # the package's __init__ re-exports everything
)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _rank(module: str) -> int:
    for prefix, rank in RANKS:
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"{module}: no layer assigned in tests/test_layering.py RANKS")


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for every import of a perceptron module."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "perceptron":
                names = [alias.name for alias in node.names]
                # ``from . import x`` imports the submodule x
                if not node.module and node.level:
                    for alias in names:
                        found.append((f"{target}.{alias}", [], node.lineno))
                    continue
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "perceptron":
                    found.append((alias.name, [], node.lineno))
    return found


MODULES = _modules()


def _resolve(target: str) -> str:
    """The module an import names (a name imported from a package resolves to the package)."""
    while target not in MODULES and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        _rank(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down_and_take_no_private_name(name: str) -> None:
    for target, names, line in _imports(name, MODULES[name]):
        module = _resolve(target)
        assert _rank(module) <= _rank(name) or (name, module) in UPWARD_IMPORTS, (
            f"{name}:{line} imports {module}, a higher layer; imports must point down"
        )
        if module != name:
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{name}:{line} imports private names {private} of {module}"


def test_no_import_cycle() -> None:
    graph = {
        name: {_resolve(t) for t, _, _ in _imports(name, path)} for name, path in MODULES.items()
    }
    for name in graph:
        graph[name].discard(name)
        # A package's __init__ importing its own submodules is not a cycle of layers.
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_functions_stay_small(name: str) -> None:
    path = MODULES[name]
    lines = path.read_text().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines, more than {MAX_MODULE_LINES}"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            limit = LONG_FUNCTIONS.get(f"{name}.{node.name}", MAX_FUNCTION_LINES)
            assert length <= limit, (
                f"{name}.{node.name}: {length} lines, more than {MAX_FUNCTION_LINES}"
            )


def test_one_shared_array_alias() -> None:
    defining = [
        name
        for name, path in MODULES.items()
        for node in ast.parse(path.read_text()).body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        and any(
            isinstance(t, ast.Name) and t.id == "Array"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]
    assert defining == ["perceptron.types"], defining


def test_every_folder_of_modules_is_a_package() -> None:
    """A folder of modules without __init__.py works in a checkout but is left out of a wheel."""
    for folder in {path.parent for path in PACKAGE.rglob("*.py")}:
        assert (folder / "__init__.py").is_file(), f"{folder}: add an __init__.py"


def test_no_module_shadows_a_name_a_reader_would_call() -> None:
    """``pc.fit(...)`` is the article's fit, never "'module' object is not callable"."""
    import types

    import perceptron

    modules = {n for n in dir(perceptron) if isinstance(getattr(perceptron, n), types.ModuleType)}
    verbs = {"fit", "train", "report", "history", "predict", "classify", "network", "summary"}
    assert not modules & (verbs | set(perceptron.__all__)), modules & (
        verbs | set(perceptron.__all__)
    )
    assert callable(perceptron.fit) and callable(perceptron.network)
