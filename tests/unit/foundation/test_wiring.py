"""One wiring pattern (docs/architecture.md, "Package layout"): every function's
`receptionist/<function>/wiring.py` has `build(settings: <Function>Settings, ...) ->
<Function>Parts`, a frozen dataclass of what its handler needs; and every handler is the same thin
module: Powertools at module level, settings at cold start, `parts = build(settings)`, the
decorators in one order, its failures reported through its own `describe` (never an Event made
by hand)."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import typing
from pathlib import Path

import pytest

from receptionist import config

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
# The console's parts (ConsoleParts: its FastAPI dependencies) are shaped with the console's own
# layout (receptionist/console/); the others are held to the pattern here.
SHAPED = [f for f in FUNCTIONS if f != "console"]
DECORATORS = ["logger.inject_lambda_context", "tracer.capture_lambda_handler", "metrics.log_metrics"]
# The webhook runs without the X-Ray SDK (a third of its cold start: functions/webhook/app.py).
NO_TRACER = {"webhook", "calendar_push"}


def test_every_function_is_covered() -> None:
    assert FUNCTIONS == [
        "calendar",
        "calendar_push",
        "console",
        "notifier",
        "processor",
        "reminders",
        "retention",
        "sweeper",
        "webhook",
    ]


def _camel(function: str) -> str:
    """functions/calendar_push -> CalendarPush (its Settings and Parts classes)."""
    return "".join(part.title() for part in function.split("_"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_its_wiring_builds_its_parts_from_its_settings(function: str) -> None:
    wiring = importlib.import_module(f"receptionist.{function}.wiring")
    hints = typing.get_type_hints(wiring.build)
    first = next(iter(hints))
    settings, parts = getattr(config, f"{_camel(function)}Settings"), getattr(wiring, f"{_camel(function)}Parts")
    assert (first, hints[first], hints["return"]) == ("settings", settings, parts)
    assert dataclasses.is_dataclass(parts) and parts.__dataclass_params__.frozen  # type: ignore[attr-defined]
    fields = {f.name for f in dataclasses.fields(parts)}
    if function in SHAPED:  # a unit of work per event: one service, described one way, its round trips counted
        assert {"service", "describe", "counters"} <= fields


def _assigned(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: ast.unparse(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


@pytest.mark.parametrize("function", SHAPED)
def test_its_handler_is_thin_and_shaped_like_the_others(function: str) -> None:
    tree = ast.parse((ROOT / "functions" / function / "app.py").read_text())
    assigned = _assigned(tree)
    assert assigned["settings"] == f"{_camel(function)}Settings.from_env()"
    assert assigned["parts"] == "build(settings)"
    assert assigned["logger"] == "Logger()" and assigned["metrics"] == "Metrics()"
    assert assigned["telemetry"] == "PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)"
    (handler,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "handler"]
    wanted = [d for d in DECORATORS if not (function in NO_TRACER and d.startswith("tracer"))]
    assert [ast.unparse(d).split("(")[0] for d in handler.decorator_list] == wanted
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert f"receptionist.{function}.wiring" in imported
    assert not {m for m in imported if m.startswith("receptionist.adapters")}  # the wiring assembles them
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert "telemetry.emit" not in calls  # a failure goes through describe, as a Failure


def test_the_probe_would_notice() -> None:
    """Against a vacuous pass: a handler that assembles its service itself is told apart."""
    tree = ast.parse("settings = SweeperSettings.from_env()\nservice = SweepService(index=DynamoOpenConversations())\n")
    assert "parts" not in _assigned(tree)
