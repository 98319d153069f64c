"""Tests that show what they test (README.md, "Tests"): a helper module the tests import
is a kit named `<area>_kit.py`, and no test module grows past 600 lines (split it by what it tests)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TESTS = ROOT / "tests"
LONGEST = 600


def _imported_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_every_helper_the_tests_import_is_a_kit() -> None:
    helpers = {
        path.stem: path
        for path in TESTS.rglob("*.py")
        if not path.name.startswith("test_") and path.name not in {"conftest.py", "__init__.py"}
    }
    imported = _imported_names() & set(helpers)
    misnamed = sorted(str(helpers[name].relative_to(ROOT)) for name in imported if not name.endswith("_kit"))
    assert misnamed == []


def test_no_two_helpers_share_a_name() -> None:
    """Kits are imported by their bare name: two of one name would be one module to Python."""
    stems: dict[str, list[str]] = {}
    for path in TESTS.rglob("*.py"):
        if not path.name.startswith("test_") and path.name not in {"conftest.py", "__init__.py", "app.py"}:
            stems.setdefault(path.stem, []).append(str(path.relative_to(ROOT)))
    assert {stem: paths for stem, paths in stems.items() if len(paths) > 1} == {}


def test_no_test_module_is_over_600_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in TESTS.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST
    }
    assert long == {}
