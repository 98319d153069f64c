"""One name per concept (issue 26): "catalogue" is spelt one way in code names and module names,
and the Langfuse recorder is not a second `Tracer` beside Powertools' (agent/tracing.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CODE = ("layers/shared/receptionist", "functions", "eval", "infra/local/devstack", "bench", "tests")
# "catalog" not followed by "ue"; PostgreSQL's own pg_catalog schema is its name, not ours.
_AMERICAN_SPELLING = re.compile(r"catalog(?!ue)", re.IGNORECASE)
# Babel's module and class are its names too (receptionist/i18n reads and writes gettext catalogues with them).
_THIRD_PARTY = {"babel.messages.catalog", "Catalog"}


def _files() -> list[Path]:
    return [p for place in CODE for p in sorted((ROOT / place).rglob("*.py"))]


def _names(tree: ast.AST) -> set[str]:
    """Every name the code gives: modules imported, classes, functions, arguments, variables, attributes."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.update([node.module, *(a.name for a in node.names)])
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
    return found


def _misspelt(names: set[str]) -> list[str]:
    return sorted(n for n in names - _THIRD_PARTY if _AMERICAN_SPELLING.search(n.replace("pg_catalog", "")))


def test_catalogue_is_spelt_one_way() -> None:
    found = {
        str(path.relative_to(ROOT)): bad
        for path in _files()
        if (bad := _misspelt(_names(ast.parse(path.read_text())) | {path.stem}))
    }
    assert found == {}


def test_no_class_of_ours_is_called_tracer() -> None:
    """`Tracer` is Powertools' (X-Ray); the Langfuse one is `LangfuseRecorder`."""
    found = [
        str(path.relative_to(ROOT))
        for path in _files()
        if any(isinstance(n, ast.ClassDef) and n.name == "Tracer" for n in ast.walk(ast.parse(path.read_text())))
    ]
    assert found == []


def test_the_probe_would_notice() -> None:
    """Against a vacuous pass: the names this repository used before."""
    tree = ast.parse("from receptionist.crm.catalog import knowledge_search\ndef f(catalogue, pg_catalog): ...\n")
    assert _misspelt(_names(tree)) == ["receptionist.crm.catalog"]
