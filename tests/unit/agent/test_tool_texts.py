"""What tools return to the model is data or short facts; guidance for the model lives in the
prompt. A tool text that tells the model what to do ("ofrece...", "no inventes") is read as an
instruction by the model and, pasted as is, by the customer (issue 14)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import receptionist.agent.toolbox as toolbox_module
import receptionist.agent.tools as tools_module
import receptionist.crm.appointments as appointments_module

# Imperatives and the like addressed to the model, Spanish and English.
_INSTRUCTION = re.compile(
    r"(?i)\b((?<!se )ofrece|ofrezca|pide|pídele|pídeselo|usa|utiliza|vuelve a|díselo|dile|explica|explícale|responde|"
    r"contesta|no inventes|inventes|debes|tienes que|hace falta|propón|propon|recuerda|consulta de nuevo|"
    r"you must|you should|tell the customer|offer|ask the customer|do not invent)\b"
)


def _texts(module: object) -> list[str]:
    """Every string literal of a module (f-strings' literal parts included), docstrings aside."""
    tree = ast.parse(Path(str(getattr(module, "__file__", ""))).read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _tool_facing(module: object) -> list[str]:
    # Argument descriptions and tool descriptions are for the model by design (the schema): they
    # say what a field or tool is. Only returned texts are checked, i.e. the rest.
    schema = {t.description for t in tools_module.RECEPTIONIST_TOOLS.tools} | {
        str(field.get("description"))
        for t in tools_module.RECEPTIONIST_TOOLS.tools
        for field in t.args.model_json_schema().get("properties", {}).values()
    }
    return [t for t in _texts(module) if t not in schema]


def test_no_tool_result_tells_the_model_what_to_do() -> None:
    offending = [
        text
        for module in (tools_module, toolbox_module, appointments_module)
        for text in _tool_facing(module)
        if _INSTRUCTION.search(text) and " " in text  # sentences, not SQL fragments or names
    ]
    assert offending == []


def test_the_check_finds_an_instruction() -> None:
    assert _INSTRUCTION.search("Sin resultados. No inventes: ofrece pasar con una persona.")
    assert not _INSTRUCTION.search("Nada encontrado.") and not _INSTRUCTION.search("ese servicio ya no se ofrece")
    assert tools_module.NOTHING_FOUND == "Nada encontrado."
