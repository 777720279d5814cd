"""Imports point down the flow (schemas, then contract and evals, then extract)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> top-level modules it must never import
FORBIDDEN = {
    "schemas": {"extract", "contract", "evals", "anthropic", "openai"},
    "contract": {"extract", "evals", "anthropic", "openai"},
    "evals": {"extract", "anthropic", "openai"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_down(package: str) -> None:
    offending = []
    for path in sources(package):
        for name in imported_modules(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offending, "\n".join(offending)


def test_only_the_claude_backend_imports_the_sdk() -> None:
    offending = [
        str(path.relative_to(ROOT))
        for package in ("extract", "schemas", "contract", "evals")
        for path in sources(package)
        if any(n.split(".")[0] == "anthropic" for n in imported_modules(path))
        and not path.name.startswith("anthropic")
        and "anthropic" not in path.parent.name
    ]
    assert not offending


def test_only_the_openai_backend_imports_its_sdk() -> None:
    importers = {
        str(path.relative_to(ROOT))
        for package in ("extract", "schemas", "contract", "evals")
        for path in sources(package)
        if any(n.split(".")[0] == "openai" for n in imported_modules(path))
    }
    assert importers == {"extract/backends/openai.py"}
