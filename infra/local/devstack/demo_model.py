"""The scripted stand-in for the chat model in `make demo`, `make chat` and the end-to-end tests:
the demo variant of devstack.scripted_receptionist (which also plays the evaluation's policies).

It plays the demo clinic's receptionist in short Spanish replies: it answers general questions
from the prompt's catalogue (or the knowledge search when the prompt has none), books the slot a
customer tapped, and walks a booking (availability, the customer's name, a confirmation), a move
and a hand-over to a person through the receptionist's real tools, so every answer comes from the
CRM. It is not intelligent; it is enough to show the whole system working offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from devstack.fakes.openai import text_message, tool_call_message
from devstack.scripted_receptionist import ScriptedReceptionist, View
from receptionist.folding import fold

_DAYS = {"lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6}
_SERVICES = ("limpieza", "blanqueamiento", "ortodoncia", "empaste", "implante")
# A slot the customer tapped in a list / on a button, as the processor states it for the model
# (receptionist.processor.media): its ids and local start, ready for book_appointment. Only the
# bracketed mark is a tap, as the prompt says (the customer's own words never carry brackets).
_TAPPED_SLOT = re.compile(
    r"\[El cliente eligió el hueco: [^\[\]]*— servicio id ([\w-]+), profesional id ([\w-]+),"
    r" inicio (\d{4}-\d{2}-\d{2} \d{2}:\d{2})\]"
)
# -- general questions, answered from the catalogue in the system prompt ---------------------------
_GENERAL = ("cuanto", "precio", "cuesta", "horario", "donde", "direccion", "pago", "seguro", "servicio", "tarifa")
_ALL_SERVICES = (
    "servicios", "que haceis", "que ofreceis", "lista de precios", "precios", "tarifas", "cuanto cuestan",
    "services", "prices", "price list", "what do you do", "what do you offer",
)  # fmt: skip
_ABOUT_A_SERVICE = (*_GENERAL, "dura", "how much")
_ABOUT_THE_BUSINESS = (*_GENERAL, "abr", "cerr", "pagar", "tarjeta", "cancel", "where", "open")
# Words that point at an entry even when the question shares none with it.
_HINTS = {
    ("horario", "abr", "cerr", "hora", "open"): {"horar", "abrim", "atend"},
    ("donde", "direccion", "llegar", "where"): {"direc", "estam"},
    ("pago", "pagar", "tarjeta", "bizum", "efectivo", "yape"): {"forma", "acept"},
}


def _day_in(text: str, today: date) -> date | None:
    plain = fold(text)
    if "pasado manana" in plain:
        return today + timedelta(days=2)
    if "manana" in plain:
        return today + timedelta(days=1)
    for name, weekday in _DAYS.items():
        if re.search(rf"\b{name}\b", plain):
            ahead = (weekday - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    return None


def _slots(availability: str | None) -> list[tuple[str, str]]:
    """(start 'YYYY-MM-DD HH:MM', member) offered by check_availability."""
    return re.findall(r"- (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) con (.+)", availability or "")


def _service(text: str) -> str | None:
    plain = fold(text)
    return next((s for s in _SERVICES if s in plain), None)


def _words(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z0-9ñ]+", fold(text)) if len(w) >= 4}


_SENTENCE_END = re.compile(r"[.](?:\s|$)")


def _from_catalogue(v: View, plain: str) -> str | None:
    """A general question answered as a model would from the prompt's catalogue; None when it is not one."""
    services, entries = v.services, v.entries
    asked = _words(plain)
    overlap, name, detail = max(((len(_words(n) & asked), n, d) for n, d in services), default=(0, "", ""))
    if overlap and any(w in plain for w in _ABOUT_A_SERVICE):  # the service the question names most
        return f"{name}: {detail} ¿Quieres que te busque un hueco?"
    if any(w in plain for w in _ALL_SERVICES) and services:
        # each line up to its first sentence's end (a price's "1.200,00 €" has a point inside)
        listed = "\n".join(f"- {n}: {_SENTENCE_END.split(d)[0]}" for n, d in services)
        return f"Estos son nuestros servicios:\n{listed}\n¿Te interesa alguno?"
    if not any(w in plain for w in _ABOUT_THE_BUSINESS) and not any(c in plain for cue in _HINTS for c in cue):
        return None
    for cues, hints in _HINTS.items():
        if any(c in plain for c in cues):
            asked |= hints
    scored = [(len(_words(f"{t} {b}") & asked), t, b) for t, b in entries]
    score, title, body = max(scored, default=(0, "", ""))
    return f"{title}: {body}" if score else None


@dataclass(frozen=True)
class DemoReceptionist(ScriptedReceptionist):
    """The demo clinic's receptionist: the scripted receptionist's reading of a request (`View`)
    with the demo's own steps and phrasing."""

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        v = View(body)
        last = v.messages[-1] if v.messages else {}
        if last.get("role") == "tool":
            return self.after_tool(v)
        if not v.has_tools:  # a summary request, or out of tool rounds
            return text_message("Resumen: conversación con un cliente sobre citas en la clínica.")
        return self.decide(v)

    def decide(self, v: View) -> dict[str, Any]:
        said = (
            v.said if v.messages and v.messages[-1].get("role") == "user" else str(v.messages[-1].get("content") or "")
        )
        tapped = _TAPPED_SLOT.search(said)
        if tapped:  # a tap is the customer's explicit choice: book exactly that slot
            service, member, start = tapped.groups()
            return tool_call_message(("book_appointment", {"service": service, "start": start, "member": member}))
        plain = fold(said)
        if any(w in plain for w in ("persona", "humano", "hablar con alguien", "encargado")):
            return tool_call_message(("escalate_to_human", {"reason": "El cliente pide hablar con una persona"}))
        if any(w in plain for w in ("cambiar", "pasar", "mover")) and _day_in(said, v.today):
            return tool_call_message(("list_appointments", {}))
        name = re.search(r"(?:[Mm]e llamo|[Ss]oy) ([A-ZÁÉÍÓÚÑ][\wáéíóúñ]+(?: [A-ZÁÉÍÓÚÑ][\wáéíóúñ]+)?)", said)
        if name:
            return tool_call_message(("resolve_contact", {"name": name.group(1)}))
        if re.search(r"\b(si|confirmo|vale|perfecto)\b", plain) and _slots(self._result(v, "check_availability")):
            chosen = self._chosen_slot(v)
            wanted = next((s for u in reversed(v.users) if (s := _service(u))), "limpieza")
            return tool_call_message(("book_appointment", {"service": wanted, "start": chosen[0], "member": chosen[1]}))
        if v.has_catalogue and (answer := _from_catalogue(v, plain)):
            return text_message(answer)
        if not v.has_catalogue and any(w in plain for w in _GENERAL):
            return tool_call_message(("knowledge_search", {"query": said}))
        day = next((d for u in reversed(v.users[-3:]) if (d := _day_in(u, v.today))), None)
        service = next((s for u in reversed(v.users[-3:]) if (s := _service(u))), None)
        if ("cita" in plain or "reserv" in plain or service) and day and service:
            return tool_call_message(("check_availability", {"service": service, "day": day.isoformat()}))
        if "cita" in plain or "reserv" in plain:
            return text_message("¡Claro! ¿Para qué tratamiento y qué día te vendría bien?")
        return text_message("¡Hola! Soy Sofía, de la Clínica Dental Sonrisa. ¿En qué puedo ayudarte?")

    @staticmethod
    def _result(v: View, tool: str) -> str | None:
        """The latest answered call of `tool` in the conversation: its result."""
        return next((c.result for c in reversed(v.calls) if c.name == tool and c.result is not None), None)

    def _chosen_slot(self, v: View) -> tuple[str, str]:
        offered = _slots(self._result(v, "check_availability"))
        for said in reversed(v.users):
            hour = re.search(r"\b(\d{1,2})(?::(\d{2}))?\b", said)
            if not hour:
                for word, value in (("diez y media", "10:30"), ("diez", "10:00"), ("once", "11:00"), ("doce", "12:00")):
                    if word in fold(said):
                        match = [s for s in offered if s[0].endswith(value)]
                        if match:
                            return match[0]
                continue
            wanted = f"{int(hour.group(1)):02d}:{hour.group(2) or '00'}"
            match = [s for s in offered if s[0].endswith(wanted)]
            if match:
                return match[0]
        return offered[0]

    # -- the answer to a tool result: an error is explained; otherwise each tool has its answer ------
    def after_tool(self, v: View) -> dict[str, Any]:
        last = v.messages[-1]
        result = str(last.get("content", ""))
        if result.startswith("Error:"):
            return text_message(f"Vaya, {result.removeprefix('Error: ')}. ¿Probamos otra opción?")
        call = next((c for c in v.calls if c.id == last.get("tool_call_id", "")), None)
        respond = _AFTER.get(call.name) if call else None
        return respond(self, v, result) if respond else text_message("Hecho.")

    def after_search(self, v: View, result: str) -> dict[str, Any]:
        if not result.startswith("- "):  # nothing found
            return text_message("No tengo ese dato. ¿Quieres que te pase con una persona del equipo?")
        title, _, detail = result.splitlines()[0].removeprefix("- ").partition(": ")
        return text_message(f"{title}: {detail} ¿Quieres que te busque un hueco?")

    def after_availability(self, v: View, result: str) -> dict[str, Any]:
        offered = _slots(result)[:3]
        if not offered:
            return text_message("Ese día no me quedan huecos. ¿Te miro otro día?")
        options = ", ".join(f"a las {start[11:]} con {member}" for start, member in offered)
        return text_message(f"El {offered[0][0][:10]} tengo hueco {options}. ¿Cuál prefieres? Dime también tu nombre.")

    def after_contact(self, v: View, result: str) -> dict[str, Any]:
        start, member = self._chosen_slot(v)
        return text_message(
            f"Gracias. ¿Te reservo el {start[:10]} a las {start[11:]} con {member}? Responde sí para confirmar."
        )

    def after_list(self, v: View, result: str) -> dict[str, Any]:
        ids = re.findall(r"id ([0-9a-f-]{36}): .*?, \w+ (\d{4}-\d{2}-\d{2}) a las (\d{2}:\d{2})", result)
        target = _day_in(v.users[-1], v.today) if v.users else None
        if ids and target:
            aid, _, hhmm = ids[0]
            return tool_call_message(
                ("reschedule_appointment", {"appointment_id": aid, "new_start": f"{target} {hhmm}"})
            )
        return text_message("No veo citas a tu nombre. ¿Quieres reservar una?")


_AFTER: dict[str, Callable[[DemoReceptionist, View, str], dict[str, Any]]] = {
    "knowledge_search": DemoReceptionist.after_search,
    "check_availability": DemoReceptionist.after_availability,
    "resolve_contact": DemoReceptionist.after_contact,
    "book_appointment": lambda _self, _v, result: text_message(f"¡Listo! {result.split(' Id ')[0]} Te esperamos."),
    "list_appointments": DemoReceptionist.after_list,
    "reschedule_appointment": lambda _self, _v, result: text_message(f"Hecho. {result} ¡Hasta pronto!"),
    # Outside the business's hours the system ends the reply with when (the prompt's rule): no "en breve".
    "escalate_to_human": lambda _self, _v, result: text_message(
        "Te paso con una persona del equipo."
        if "fuera de horario" in result
        else "Te paso con una persona del equipo; te escribirán por aquí en breve."
    ),
}

# What FakeOpenAI answers with (a responder): the demo variant.
scripted_receptionist = DemoReceptionist("demo")
