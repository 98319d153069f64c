"""A scripted stand-in for the chat model, for `make demo` / `make chat` without an API key.

It speaks the OpenAI protocol through FakeOpenAI and plays a receptionist by simple rules: it
reads the customer's words and the tool results in the conversation it is sent, calls the
receptionist's real tools (so every answer comes from the CRM), and phrases short Spanish
replies. It is not intelligent; it is enough to show the whole system working offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from devstack.fakes.openai import text_message, tool_call_message
from receptionist.folding import fold as _plain

_DAYS = {"lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6}
_SERVICES = ("limpieza", "blanqueamiento", "ortodoncia", "empaste", "implante")


def _today(messages: list[dict[str, Any]]) -> date:
    system = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
    found = re.search(r"(\d{4}-\d{2}-\d{2}) \d{2}:\d{2} en ", system)
    if found:
        return date.fromisoformat(found.group(1))
    return datetime.now(ZoneInfo("Europe/Madrid")).date()


def _day_in(text: str, today: date) -> date | None:
    plain = _plain(text)
    if "pasado manana" in plain:
        return today + timedelta(days=2)
    if "manana" in plain:
        return today + timedelta(days=1)
    for name, weekday in _DAYS.items():
        if re.search(rf"\b{name}\b", plain):
            ahead = (weekday - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    return None


def _last_tool_result(messages: list[dict[str, Any]], tool: str) -> str | None:
    names: dict[str, str] = {}
    found = None
    for m in messages:
        for call in m.get("tool_calls") or []:
            names[call["id"]] = call["function"]["name"]
        if m.get("role") == "tool" and names.get(m.get("tool_call_id", "")) == tool:
            found = str(m.get("content", ""))
    return found


def _slots(availability: str | None) -> list[tuple[str, str]]:
    """(start 'YYYY-MM-DD HH:MM', member) offered by check_availability."""
    return re.findall(r"- (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) con (.+)", availability or "")


def _service(text: str) -> str | None:
    plain = _plain(text)
    return next((s for s in _SERVICES if s in plain), None)


# A slot the customer tapped in a list / on a button, as the processor states it for the model
# (receptionist.processor.media): its ids and local start, ready for book_appointment. Only the
# bracketed mark is a tap, as the prompt says (the customer's own words never carry brackets).
_TAPPED_SLOT = re.compile(
    r"\[El cliente eligió el hueco: [^\[\]]*— servicio id ([\w-]+), profesional id ([\w-]+),"
    r" inicio (\d{4}-\d{2}-\d{2} \d{2}:\d{2})\]"
)


def _users(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("content") or "") for m in messages if m.get("role") == "user"]


def scripted_receptionist(body: dict[str, Any]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = body.get("messages", [])
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return _after_tool(messages)
    if not body.get("tools"):  # a summary request, or out of tool rounds
        return text_message("Resumen: conversación con un cliente sobre citas en la clínica.")
    return _on_customer(messages, str(last.get("content") or ""))


def _on_customer(messages: list[dict[str, Any]], said: str) -> dict[str, Any]:
    tapped = _TAPPED_SLOT.search(said)
    if tapped:  # a tap is the customer's explicit choice: book exactly that slot
        service, member, start = tapped.groups()
        return tool_call_message(("book_appointment", {"service": service, "start": start, "member": member}))
    plain = _plain(said)
    today = _today(messages)
    users = _users(messages)
    if any(w in plain for w in ("persona", "humano", "hablar con alguien", "encargado")):
        return tool_call_message(("escalate_to_human", {"reason": "El cliente pide hablar con una persona"}))
    if any(w in plain for w in ("cambiar", "pasar", "mover")) and _day_in(said, today):
        return tool_call_message(("list_appointments", {}))
    name = re.search(r"(?:[Mm]e llamo|[Ss]oy) ([A-ZÁÉÍÓÚÑ][\wáéíóúñ]+(?: [A-ZÁÉÍÓÚÑ][\wáéíóúñ]+)?)", said)
    if name:
        return tool_call_message(("resolve_contact", {"name": name.group(1)}))
    if re.search(r"\b(si|confirmo|vale|perfecto)\b", plain) and _slots(
        _last_tool_result(messages, "check_availability")
    ):
        chosen = _chosen_slot(messages)
        wanted = next((s for u in reversed(users) if (s := _service(u))), "limpieza")
        return tool_call_message(("book_appointment", {"service": wanted, "start": chosen[0], "member": chosen[1]}))
    catalogue = _catalogue(messages)
    if catalogue is not None and (answer := _from_catalogue(catalogue, plain)):
        return text_message(answer)
    if catalogue is None and any(w in plain for w in _GENERAL):
        return tool_call_message(("knowledge_search", {"query": said}))
    day = next((d for u in reversed(users[-3:]) if (d := _day_in(u, today))), None)
    service = next((s for u in reversed(users[-3:]) if (s := _service(u))), None)
    if ("cita" in plain or "reserv" in plain or service) and day and service:
        return tool_call_message(("check_availability", {"service": service, "day": day.isoformat()}))
    if "cita" in plain or "reserv" in plain:
        return text_message("¡Claro! ¿Para qué tratamiento y qué día te vendría bien?")
    return text_message("¡Hola! Soy Sofía, de la Clínica Dental Sonrisa. ¿En qué puedo ayudarte?")


# -- general questions, answered from the catalogue in the system prompt ---------------------------
_GENERAL = ("cuanto", "precio", "cuesta", "horario", "donde", "direccion", "pago", "seguro", "servicio", "tarifa")
_ALL_SERVICES = (
    "servicios", "que haceis", "que ofreceis", "lista de precios", "precios", "tarifas", "cuanto cuestan",
    "services", "prices", "price list", "what do you do", "what do you offer",
)  # fmt: skip


def _catalogue(messages: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]] | None:
    """The services and entries of the prompt's catalogue block, or None if there is none."""
    system = str(messages[0].get("content", "")) if messages else ""
    if "Servicios (duración, precio):" not in system:
        return None
    block = system.split("Servicios (duración, precio):", 1)[1]
    services_part, _, entries_part = block.partition("Información del negocio:")
    lines = re.compile(r"^- ([^:\n]+): (.+)$", re.MULTILINE)
    return {"services": lines.findall(services_part), "entries": lines.findall(entries_part)}


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z0-9ñ]+", _plain(text)) if len(w) >= 4}


_ABOUT_A_SERVICE = (*_GENERAL, "dura", "how much")
_ABOUT_THE_BUSINESS = (*_GENERAL, "abr", "cerr", "pagar", "tarjeta", "cancel", "where", "open")
# Words that point at an entry even when the question shares none with it.
_HINTS = {
    ("horario", "abr", "cerr", "hora", "open"): {"horar", "abrim", "atend"},
    ("donde", "direccion", "llegar", "where"): {"direc", "estam"},
    ("pago", "pagar", "tarjeta", "bizum", "efectivo", "yape"): {"forma", "acept"},
}


def _from_catalogue(catalogue: dict[str, list[tuple[str, str]]], plain: str) -> str | None:
    """A general question answered as a model would from the catalogue; None when it is not one."""
    services, entries = catalogue["services"], catalogue["entries"]
    asked = _words(plain)
    overlap, name, detail = max(((len(_words(n) & asked), n, d) for n, d in services), default=(0, "", ""))
    if overlap and any(w in plain for w in _ABOUT_A_SERVICE):  # the service the question names most
        return f"{name}: {detail} ¿Quieres que te busque un hueco?"
    if any(w in plain for w in _ALL_SERVICES) and services:
        listed = "\n".join(f"- {n}: {d.split('.')[0]}" for n, d in services)
        return f"Estos son nuestros servicios:\n{listed}\n¿Te interesa alguno?"
    if not any(w in plain for w in _ABOUT_THE_BUSINESS) and not any(c in plain for cue in _HINTS for c in cue):
        return None
    for cues, hints in _HINTS.items():
        if any(c in plain for c in cues):
            asked |= hints
    scored = [(len(_words(f"{t} {b}") & asked), t, b) for t, b in entries]
    score, title, body = max(scored, default=(0, "", ""))
    return f"{title}: {body}" if score else None


def _chosen_slot(messages: list[dict[str, Any]]) -> tuple[str, str]:
    offered = _slots(_last_tool_result(messages, "check_availability"))
    for said in reversed(_users(messages)):
        hour = re.search(r"\b(\d{1,2})(?::(\d{2}))?\b", said)
        if not hour:
            for word, value in (("diez y media", "10:30"), ("diez", "10:00"), ("once", "11:00"), ("doce", "12:00")):
                if word in _plain(said):
                    match = [s for s in offered if s[0].endswith(value)]
                    if match:
                        return match[0]
            continue
        wanted = f"{int(hour.group(1)):02d}:{hour.group(2) or '00'}"
        match = [s for s in offered if s[0].endswith(wanted)]
        if match:
            return match[0]
    return offered[0]


def _after_tool(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer to a tool result: an error is explained; otherwise each tool has its answer."""
    last = messages[-1]
    result = str(last.get("content", ""))
    if result.startswith("Error:"):
        return text_message(f"Vaya, {result.removeprefix('Error: ')}. ¿Probamos otra opción?")
    respond = _AFTER.get(_tool_of(messages, str(last.get("tool_call_id", ""))))
    return respond(messages, result) if respond else text_message("Hecho.")


def _tool_of(messages: list[dict[str, Any]], call_id: str) -> str:
    for m in messages:
        for call in m.get("tool_calls") or []:
            if call["id"] == call_id:
                return str(call["function"]["name"])
    return ""


def _after_search(messages: list[dict[str, Any]], result: str) -> dict[str, Any]:
    if not result.startswith("- "):  # nothing found
        return text_message("No tengo ese dato. ¿Quieres que te pase con una persona del equipo?")
    title, _, detail = result.splitlines()[0].removeprefix("- ").partition(": ")
    return text_message(f"{title}: {detail} ¿Quieres que te busque un hueco?")


def _after_availability(messages: list[dict[str, Any]], result: str) -> dict[str, Any]:
    offered = _slots(result)[:3]
    if not offered:
        return text_message("Ese día no me quedan huecos. ¿Te miro otro día?")
    options = ", ".join(f"a las {start[11:]} con {member}" for start, member in offered)
    return text_message(f"El {offered[0][0][:10]} tengo hueco {options}. ¿Cuál prefieres? Dime también tu nombre.")


def _after_contact(messages: list[dict[str, Any]], result: str) -> dict[str, Any]:
    start, member = _chosen_slot(messages)
    return text_message(
        f"Gracias. ¿Te reservo el {start[:10]} a las {start[11:]} con {member}? Responde sí para confirmar."
    )


def _after_list(messages: list[dict[str, Any]], result: str) -> dict[str, Any]:
    ids = re.findall(r"id ([0-9a-f-]{36}): .*?, \w+ (\d{4}-\d{2}-\d{2}) a las (\d{2}:\d{2})", result)
    users = _users(messages)
    target = _day_in(users[-1], _today(messages)) if users else None
    if ids and target:
        aid, _, hhmm = ids[0]
        return tool_call_message(("reschedule_appointment", {"appointment_id": aid, "new_start": f"{target} {hhmm}"}))
    return text_message("No veo citas a tu nombre. ¿Quieres reservar una?")


_AFTER: dict[str, Callable[[list[dict[str, Any]], str], dict[str, Any]]] = {
    "knowledge_search": _after_search,
    "check_availability": _after_availability,
    "resolve_contact": _after_contact,
    "book_appointment": lambda _messages, result: text_message(f"¡Listo! {result.split(' Id ')[0]} Te esperamos."),
    "list_appointments": _after_list,
    "reschedule_appointment": lambda _messages, result: text_message(f"Hecho. {result} ¡Hasta pronto!"),
    "escalate_to_human": lambda _messages, _result: text_message(
        "Te paso con una persona del equipo; te escribirán por aquí en breve."
    ),
}
