"""The CRM's shape, read from its source: one Member and one WeeklyHours for every module, the
active appointment statuses written once (code and pages), and the settings a package by area whose modules hold
SQL and row mapping (turning a form's strings into values is the console's)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import receptionist
from receptionist.crm.models import ACTIVE_STATUSES, ACTIVE_STATUSES_SQL, COMPLETABLE_STATUSES, NO_SHOW_STATUSES

ROOT = Path(receptionist.__file__).parent


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _classes(name: str) -> list[str]:
    return [
        str(path.relative_to(ROOT))
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name == name
    ]


def test_one_member_and_one_weekly_hours() -> None:
    assert _classes("Member") == ["crm/models.py"]
    assert _classes("WeeklyHours") == ["crm/models.py"]


def test_the_active_statuses_are_written_once() -> None:
    """In the code and in the console's pages (which ask the appointment what staff may do)."""
    pair = re.compile(r"""["']pending["'],\s*["']confirmed["']""")
    sources = [*_modules(), *sorted(ROOT.rglob("*.html"))]
    assert [str(p.relative_to(ROOT)) for p in sources if pair.search(p.read_text())] == ["crm/models.py"]
    assert ACTIVE_STATUSES == ("pending", "confirmed") and ACTIVE_STATUSES_SQL == "('pending', 'confirmed')"
    assert (*ACTIVE_STATUSES, "no_show") == COMPLETABLE_STATUSES and (*ACTIVE_STATUSES, "completed") == NO_SHOW_STATUSES


def test_the_settings_are_a_package_by_area_without_form_parsing() -> None:
    package = ROOT / "crm" / "settings"
    assert not (ROOT / "crm" / "settings.py").exists()
    areas = {p.stem for p in package.glob("*.py")}
    assert {"persona", "retention", "catalogue", "staff", "notifications", "reminders", "connections"} <= areas
    functions = {
        node.name
        for path in package.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef)
    }
    assert sorted(f for f in functions if f.startswith("parse_")) == []
    imported = {
        node.module
        for path in package.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported and not any(module.startswith("receptionist.console") for module in imported)
