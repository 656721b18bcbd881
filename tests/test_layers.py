"""The layering docs/architecture.md promises, checked on the source (an import linter).

A front-end library imported by the workflow would break Studio and Temporal workers; a module
global or a borrowed ``_private`` name is the coupling that makes a refactor unsafe.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("app", "graph", "agents", "prompts", "store", "video")
FRONT_END_LIBRARIES = {"typer", "click", "rich", "starlette", "uvicorn", "IPython", "fastapi"}
MAX_LINES = 400


def modules(layer: str | None = None) -> Iterator[tuple[Path, ast.Module]]:
    for name in [layer] if layer else LAYERS:
        for path in sorted((ROOT / name).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported(tree: ast.Module) -> Iterator[tuple[str, list[str]]]:
    """Every ``(module, names)`` a file imports, at any depth (lazy imports count too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [alias.name for alias in node.names]


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "lessonreel" and len(parts) > 1 else None


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("graph", {"app"}),
        ("agents", {"app", "graph"}),
        ("video", {"app", "graph", "agents"}),
        ("store", {"app", "graph", "agents"}),
        ("prompts", {"app", "graph", "agents", "store", "video"}),
    ],
)
def test_dependencies_point_one_way(layer: str, forbidden: set[str]) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, tree in modules(layer)
        for module, _ in imported(tree)
        if layer_of(module) in forbidden
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", ["graph", "agents", "video", "store", "prompts"])
def test_only_app_imports_terminal_web_or_notebook_libraries(layer: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, tree in modules(layer)
        for module, _ in imported(tree)
        if module.split(".")[0] in FRONT_END_LIBRARIES
        and not (layer == "video" and module.split(".")[0] in {"starlette", "uvicorn"})
    ]
    assert wrong == []


def test_no_module_keeps_state_in_a_global() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Global)
    ]
    assert wrong == []


def test_no_module_imports_another_modules_private_name() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} takes {name} from {module}"
        for path, tree in modules()
        for module, names in imported(tree)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert wrong == []


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path, _ in modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_test_patches_a_private_module_table() -> None:
    wrong = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and str(node.args[1].value).startswith("_")
                and str(node.args[1].value).lstrip("_").isupper()
            ):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} patches {node.args[1].value}")
    assert wrong == []
