"""A set of tools for one turn: schemas for the model, execution bound to the conversation.

The tools are closures over the turn's organization, customer and CRM access; the model only
supplies the arguments its schema names. Errors come back as short texts the model can explain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ValidationError

from receptionist.agent.state import Booking


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


def _never_called(**kwargs: Any) -> str:
    raise RuntimeError("tools are executed by the graph's tools node, not by LangChain")
