"""A set of tools: schemas for the model, and execution that always ends in a tool result.

Every call ends in a result, whatever happens: arguments the schema refuses, a ToolFailure the
customer can be told about, or any other exception (a database timeout, a bug) come back as short
texts the model can explain, so a failing tool never leaves an assistant message without its
results.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ValidationError

from receptionist.agent import tracing
from receptionist.agent.state import Booking

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "Error: la acción no se ha completado por un fallo interno."


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool tells the model, and what it learned about the booking in progress."""

    text: str
    ok: bool = True
    booking: Booking | None = None  # None: unchanged; {}: cleared; otherwise merged in


class ToolFailure(Exception):
    """A failure the customer can be told about (slot taken, not found...)."""


@dataclass(frozen=True)
class Tool:
    """One tool: the model sees its name, description and argument schema; `run` gets the
    validated arguments (anything else it needs comes from the turn's runtime context)."""

    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any], ToolOutcome]


@functools.lru_cache(maxsize=256)
def openai_schema(name: str, description: str, args: type[BaseModel]) -> dict[str, Any]:
    """A tool's schema as the model receives it. The conversion walks the pydantic schema (~6 ms
    a tool, ~50 ms a model call for the whole set, measured); tools are built per turn, but their
    names, descriptions and argument models repeat, so it is done once per process."""
    tool = StructuredTool.from_function(
        func=_never_called, name=name, description=description, args_schema=args, infer_schema=False
    )
    return convert_to_openai_tool(tool)


class Toolbox:
    def __init__(self, *tools: Tool) -> None:
        self._tools = {t.name: t for t in tools}

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    @property
    def tools(self) -> list[Tool]:
        return list(self._tools.values())

    @property
    def schemas(self) -> list[dict[str, Any]]:
        """The tools in OpenAI's format, for bind_tools (each converted once per process)."""
        return [copy.deepcopy(openai_schema(t.name, t.description, t.args)) for t in self._tools.values()]

    def execute(self, name: str, raw_args: dict[str, Any]) -> ToolOutcome:
        with tracing.observe(name, input=raw_args, tool=name) as traced:
            outcome = self._execute(name, raw_args)
            traced.set_output(outcome.text, ok=outcome.ok)
        return outcome

    def _execute(self, name: str, raw_args: dict[str, Any]) -> ToolOutcome:
        tool = self._tools.get(name)
        if tool is None:
            return ToolOutcome(f"Error: la herramienta {name} no existe.", ok=False)
        try:
            args = tool.args.model_validate(raw_args)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
            return ToolOutcome(f"Error: argumentos no válidos ({problems}).", ok=False)
        try:
            return tool.run(args)
        except ToolFailure as exc:
            return ToolOutcome(f"Error: {exc}", ok=False)
        except Exception as exc:
            # Only the tool and the error's type: its message may quote customer data.
            logger.warning("tool failed", extra={"tool": name, "error": type(exc).__name__})
            return ToolOutcome(INTERNAL_ERROR, ok=False)


def _never_called(**kwargs: Any) -> str:
    raise RuntimeError("tools are executed by the graph's tools node, not by LangChain")
