"""The one-way import rule of the house (README, Architecture), read from the source files.

domain/ is the ground floor: it imports no outer package and no web framework. The adapters
(resolvers/, rest/, console/, workers/) reach the running process through domain.ports.Runtime,
never through the composition root atlas/, which is the only package that imports them all.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTER = {"atlas", "resolvers", "rest", "console", "workers"}
FORBIDDEN = {
    "domain": OUTER | {"strawberry", "starlette", "uvicorn", "arq", "jinja2", "jinja2_fragments"},
    "resolvers": {"atlas", "console", "workers"},
    "rest": {"atlas", "console", "workers", "resolvers"},
    "console": {"atlas", "workers", "rest"},
    "workers": {"atlas", "resolvers", "rest", "console", "strawberry", "starlette"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of every module a source file imports (under TYPE_CHECKING too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_downwards(package):
    broken = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        wrong = imported_packages(path) & FORBIDDEN[package]
        if wrong:
            broken[str(path.relative_to(ROOT))] = sorted(wrong)

    assert (ROOT / package).is_dir()
    assert broken == {}
