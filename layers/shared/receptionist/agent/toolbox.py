"""A set of tools for one turn: schemas for the model, execution bound to the conversation.

The tools are closures over the turn's organization, customer and CRM access; the model only
supplies the arguments its schema names. Every call ends in a tool result, whatever happens:
arguments the schema refuses, a ToolFailure the customer can be told about, or any other
exception (a database timeout, a bug) come back as short texts the model can explain, so a
failing tool never leaves an assistant message without its results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ValidationError

from receptionist.agent.state import Booking

logger = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "Error: esta acción no se ha podido completar ahora mismo (fallo interno). Díselo al cliente con"
    " sencillez y ofrece intentarlo más tarde o pasar con una persona del equipo."
)


@dataclass(frozen=True)
class ToolOutcome:
    text: str
    ok: bool = True
    booking: Booking | None = None  # None: unchanged; {}: cleared; otherwise merged in


class ToolFailure(Exception):
    """A failure the customer can be told about (slot taken, not found...)."""


ToolFn = Callable[[Any, Booking], ToolOutcome]


@dataclass
class Toolbox:
    _tools: dict[str, tuple[type[BaseModel], ToolFn, str]] = field(default_factory=dict)

    def add(self, name: str, description: str, args: type[BaseModel], fn: ToolFn) -> None:
        self._tools[name] = (args, fn, description)

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    @property
    def schemas(self) -> list[BaseTool]:
        """LangChain tool objects, used only for their JSON schemas (bind_tools)."""
        out: list[BaseTool] = []
        for name, (args, _fn, description) in self._tools.items():
            out.append(
                StructuredTool.from_function(
                    func=_never_called, name=name, description=description, args_schema=args, infer_schema=False
                )
            )
        return out

    def execute(self, name: str, raw_args: dict[str, Any], booking: Booking) -> ToolOutcome:
        if name not in self._tools:
            return ToolOutcome(f"Error: la herramienta {name} no existe.", ok=False)
        args_model, fn, _ = self._tools[name]
        try:
            args = args_model.model_validate(raw_args)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
            return ToolOutcome(f"Error: argumentos no válidos ({problems}).", ok=False)
        try:
            return fn(args, booking)
        except ToolFailure as exc:
            return ToolOutcome(f"Error: {exc}", ok=False)
        except Exception as exc:
            # Only the tool and the error's type: its message may quote customer data.
            logger.warning("tool failed", extra={"tool": name, "error": type(exc).__name__})
            return ToolOutcome(INTERNAL_ERROR, ok=False)


def _never_called(**kwargs: Any) -> str:
    raise RuntimeError("tools are executed by the graph's tools node, not by LangChain")
