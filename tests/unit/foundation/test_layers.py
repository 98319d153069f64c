"""The layers the shared package is built in (docs/architecture.md, "Package layout"): handler ->
service -> ports -> adapters. An adapter talks to AWS, HTTP or the database for some function's
ports, and imports nothing of a function's package: the values it shares with a service (a turn's
record, a buffered message, an open conversation) live below both (receptionist/turns.py)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "layers" / "shared" / "receptionist"
FUNCTION_PACKAGES = ("webhook", "processor", "notifier", "sweeper", "reminders", "retention", "console", "ops")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top, under TYPE_CHECKING or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _upward(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[:2] in (["receptionist", p] for p in FUNCTION_PACKAGES))


def test_no_adapter_imports_a_function_s_package() -> None:
    found = {
        path.name: upward for path in sorted((PACKAGE / "adapters").glob("*.py")) if (upward := _upward(_imports(path)))
    }
    assert found == {}


def test_the_function_packages_hold_no_adapter_module() -> None:
    """What talks to an edge for one function lives in adapters/, named for what it adapts."""
    misplaced = [
        str(path.relative_to(PACKAGE))
        for package in FUNCTION_PACKAGES
        for path in sorted((PACKAGE / package).glob("*.py"))
        if path.stem in ("adapters", "store", "idempotency")
    ]
    assert misplaced == []


def test_the_probe_would_notice(tmp_path: Path) -> None:
    """Against a vacuous pass: an import of the processor's types, even a lazy one, is seen."""
    module = tmp_path / "ledger.py"
    module.write_text("def f():\n    from receptionist.processor.turns import TurnRecord\n")
    assert _upward(_imports(module)) == ["receptionist.processor.turns", "receptionist.processor.turns.TurnRecord"]
