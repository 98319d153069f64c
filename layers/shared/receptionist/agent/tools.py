"""The receptionist's tools: one function per tool, its argument model beside it.

The organization, the customer's number and their contact come from the turn's conversation in
LangGraph's runtime context (agent/context.py); no tool takes them as arguments, so whatever the
model asks, a tool touches only its own organization and customer. Every string argument is
bounded, so a model that writes without limit gets a validation error back, never a huge query
or row; dates are checked against the booking window.

Tools that offer items (check_availability's slots, list_appointments' appointments, the
services when a name is not found) also leave them on the conversation as choices the reply
carries for the customer to tap (agent/choices.py); a tool that acts on an offer clears it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from langgraph.runtime import get_runtime
from pydantic import BaseModel, Field

from receptionist.agent import handoff_wording as wording
from receptionist.agent import noshow_refusal
from receptionist.agent.choices import appointment_choice, bounded, service_choice, slot_choice
from receptionist.agent.context import Conversation, TurnContext
from receptionist.agent.state import Booking
from receptionist.agent.toolbox import Tool, Toolbox, ToolFailure, ToolOutcome
from receptionist.agent.wording import appointment_line, day_of, plain_reason, price, slot_line, when
from receptionist.crm import appointments, catalogue, chats, consent, contacts, handoff, waitlist
from receptionist.crm import handoff_rules as rules
from receptionist.crm.appointments import CALENDAR_BROKEN, CALENDAR_TAKEN
from receptionist.crm.availability import available_slots
from receptionist.crm.models import Appointment, BookingResult, Service, Slot
from receptionist.crm.settings.waitlist import waitlist_settings
from receptionist.folding import fold

MAX_SLOTS_SHOWN = 6
SEARCH_AHEAD_DAYS = 7

_FAILURE_TEXT = {
    "slot_taken": "otra persona acaba de reservar ese hueco",
    "not_available": "ese hueco no está disponible",
    "not_found": "no encuentro esa cita entre las del cliente",
    "not_bookable": "ese servicio no se reserva por WhatsApp",
    "not_active": "esa cita ya no está activa",
    "invalid": "datos no válidos",
}


# -- what every tool needs ---------------------------------------------------------------------
def _conversation() -> Conversation:
    """The turn's conversation, from the runtime context the host invoked the graph with."""
    conv = get_runtime(TurnContext).context.conversation
    if conv is None:
        raise RuntimeError("the receptionist's tools need the turn's conversation in the runtime context")
    return conv


def _in_window(conv: Conversation, day: date) -> date:
    """Refuse days before today or past the booking horizon (never an exception later)."""
    today = conv.now().astimezone(conv.tz).date()
    last = today + timedelta(days=conv.organization.settings.booking_horizon_days)
    if day < today:
        raise ToolFailure(f"el {day.isoformat()} ya ha pasado; hoy es {today.isoformat()}")
    if day > last:
        raise ToolFailure(f"solo se puede reservar hasta el {last.isoformat()}")
    return day


def _parse_day(conv: Conversation, text: str) -> date:
    today = conv.now().astimezone(conv.tz).date()
    lowered = text.strip().lower()
    if lowered in ("hoy", "today"):
        return today
    if lowered in ("mañana", "manana", "tomorrow"):
        return _in_window(conv, today + timedelta(days=1))
    try:
        return _in_window(conv, date.fromisoformat(lowered[:10]))
    except ValueError as exc:
        raise ToolFailure("el día debe ir como YYYY-MM-DD") from exc


def _parse_start(conv: Conversation, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("T", " "))
        local = value.replace(tzinfo=conv.tz) if value.tzinfo is None else value.astimezone(conv.tz)
    except (ValueError, OverflowError) as exc:
        raise ToolFailure("la hora debe ir como 'YYYY-MM-DD HH:MM'") from exc
    _in_window(conv, local.date())
    return local


def _service_named(conv: Conversation, name: str) -> Service:
    service = catalogue.find_service(conv.db, conv.organization.id, name)
    if service is None:
        bookable = [s for s in catalogue.list_services(conv.db, conv.organization.id) if s.bookable]
        conv.choices = bounded([service_choice(s, conv.locale) for s in bookable])  # the customer may pick one
        names = ", ".join(s.name for s in bookable)
        raise ToolFailure(f"no encuentro el servicio '{name}'. Servicios que se pueden reservar: {names}")
    return service


def _contact_id(conv: Conversation) -> str | None:
    if conv.contact_id:
        return conv.contact_id
    if conv.identity.contact_id:
        return conv.identity.contact_id
    found = contacts.contact_by_phone(conv.db, conv.organization.id, conv.identity.customer_number)
    return found.id if found else None


def _slots(conv: Conversation, service: Service, day: date, member: str | None) -> list[Slot]:
    """Free slots of a service on a day, of one member when named (by id or part of the name)."""
    slots = available_slots(conv.db, conv.organization.id, service, conv.window, day, day, now=conv.now())
    if member:
        wanted = fold(member.strip())
        slots = [s for s in slots if s.member_id == member or wanted in fold(s.member_name)]
    return slots


def _slot_at(conv: Conversation, service: Service, start: datetime, member: str | None) -> Slot | None:
    return next((s for s in _slots(conv, service, start.date(), member) if s.starts_at == start), None)


def _acting_on_offer(conv: Conversation) -> None:
    """A tool that books, changes or hands over: what was offered before is no longer the question."""
    conv.choices = []


def _require(result: BookingResult) -> Appointment:
    if result.failure is not None or result.appointment is None:
        if result.detail in (CALENDAR_TAKEN, CALENDAR_BROKEN):  # the professional's own calendar said no
            raise ToolFailure(result.detail)
        raise ToolFailure(_FAILURE_TEXT.get(result.failure or "invalid", result.detail))
    return result.appointment


# -- knowledge_search --------------------------------------------------------------------------
class SearchArgs(BaseModel):
    query: str = Field(
        min_length=1, max_length=200, description="Pregunta o palabras clave, p. ej. 'precio limpieza' o 'horario'"
    )


NOTHING_FOUND = "Nada encontrado."


def knowledge_search(args: SearchArgs) -> ToolOutcome:
    ctx = get_runtime(TurnContext).context
    conv = _conversation()
    vector = ctx.knowledge.question_vector(args.query, ctx.deadline) if ctx.knowledge is not None else None
    if ctx.knowledge is not None and vector is None:
        ctx.stats.search_degraded += 1
    hits = catalogue.knowledge_search(conv.db, conv.organization.id, args.query, vector=vector)
    if not hits:
        return ToolOutcome(NOTHING_FOUND)
    return ToolOutcome("\n".join(f"- {h.title}: {h.body}" for h in hits))


# -- check_availability ------------------------------------------------------------------------
class AvailabilityArgs(BaseModel):
    service: str = Field(max_length=120, description="Nombre (o id) del servicio")
    day: str = Field(max_length=20, description="Día en formato YYYY-MM-DD (zona horaria del negocio)")
    member: str | None = Field(default=None, max_length=120, description="Profesional preferido (nombre), opcional")
    after: str | None = Field(
        default=None,
        max_length=5,
        description="Solo huecos desde esta hora 'HH:MM' (p. ej. '16:00' por la tarde), opcional",
    )


def _parse_time(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError as exc:
        raise ToolFailure("la hora debe ir como 'HH:MM'") from exc


def _from(slots: list[Slot], after: time | None) -> list[Slot]:
    """Slots starting at `after` or later (local time): the first ones shown are the ones asked for."""
    return slots if after is None else [s for s in slots if s.starts_at.time() >= after]


def check_availability(args: AvailabilityArgs) -> ToolOutcome:
    conv = _conversation()
    service = _service_named(conv, args.service)
    if not service.bookable:
        raise ToolFailure(f"{service.name} no se reserva por WhatsApp")
    day = _parse_day(conv, args.day)
    after = _parse_time(args.after) if args.after else None
    update: Booking = {"service_id": service.id, "service_name": service.name, "day": day.isoformat()}
    head = f"{service.name} ({service.duration_minutes} min, {price(service, conv.locale)})."
    slots = _from(_slots(conv, service, day, args.member), after)
    if slots:
        shown = slots[:MAX_SLOTS_SHOWN]
        more = f"\n(y {len(slots) - len(shown)} huecos más ese día)" if len(slots) > len(shown) else ""
        lines = "\n".join(slot_line(s) for s in shown)
        conv.choices = bounded([slot_choice(service, s, conv.locale) for s in shown])
        return ToolOutcome(f"{head} Huecos libres el {day_of(shown[0].starts_at)}:\n{lines}{more}", booking=update)
    later = _next_free_slots(conv, service, day, args.member, after)
    since = f" desde las {after:%H:%M}" if after else ""
    if later:
        lines = "\n".join(slot_line(s) for s in later[:MAX_SLOTS_SHOWN])
        conv.choices = bounded([slot_choice(service, s, conv.locale) for s in later[:MAX_SLOTS_SHOWN]])
        return ToolOutcome(
            f"{head} No hay huecos el {day.isoformat()}{since}. El siguiente día con huecos{since}:\n{lines}",
            booking=update,
        )
    conv.choices = []
    return ToolOutcome(
        f"{head} No hay huecos el {day.isoformat()}{since} ni en los {SEARCH_AHEAD_DAYS} días siguientes.",
        booking=update,
    )


def _next_free_slots(
    conv: Conversation, service: Service, day: date, member: str | None, after: time | None = None
) -> list[Slot]:
    """The slots (from `after` on) of the first of the next SEARCH_AHEAD_DAYS days that has any."""
    for offset in range(1, SEARCH_AHEAD_DAYS + 1):
        later = _from(_slots(conv, service, day + timedelta(days=offset), member), after)
        if later:
            return later
    return []


# -- resolve_contact ---------------------------------------------------------------------------
class ContactArgs(BaseModel):
    name: str = Field(min_length=1, max_length=120, description="Nombre y apellido del cliente")
    email: str | None = Field(default=None, max_length=254, description="Email, solo si el cliente lo da")


def resolve_contact(args: ContactArgs) -> ToolOutcome:
    conv = _conversation()
    try:
        contact = contacts.find_or_create_contact(
            conv.db, conv.organization.id, conv.identity.customer_number, args.name, args.email
        )
    except contacts.InvalidEmailError as exc:
        raise ToolFailure("ese email no es válido") from exc
    conv.contact_id = contact.id
    if conv.identity.contact_id != contact.id:
        chats.link_contact(conv.db, conv.organization.id, conv.identity.id, contact.id)
    email = f", email {contact.email}" if contact.email else ""
    return ToolOutcome(f"Contacto listo: {contact.name}{email}.", booking={"contact_id": contact.id})


# -- book_appointment --------------------------------------------------------------------------
class BookArgs(BaseModel):
    service: str = Field(max_length=120, description="Nombre (o id) del servicio")
    start: str = Field(
        max_length=25, description="Inicio, 'YYYY-MM-DD HH:MM' en hora local del negocio, uno de los huecos ofrecidos"
    )
    member: str | None = Field(default=None, max_length=120, description="Profesional (nombre o id) del hueco elegido")


def book_appointment(args: BookArgs) -> ToolOutcome:
    conv = _conversation()
    _acting_on_offer(conv)
    contact_id = _contact_id(conv)
    if contact_id is None:
        raise ToolFailure("aún no hay ficha del cliente en este turno (resolve_contact)")
    # The business's no-show policy: past its limit, a person books (staff in the console always can).
    refused = noshow_refusal.refusal(conv, contact_id, f"{args.service} el {args.start}")
    if refused is not None:
        return refused
    service = _service_named(conv, args.service)
    start = _parse_start(conv, args.start)
    slot = _slot_at(conv, service, start, args.member)
    if slot is None:
        raise ToolFailure(f"el hueco del {when(start)} ya no está libre")
    booked = _require(
        appointments.book(
            conv.db,
            conv.organization.id,
            contact_id,
            service.id,
            slot.member_id,
            start,
            conv.window,
            now=conv.now(),
            idempotency_key=f"{conv.turn_id}:{service.id}:{start.isoformat()}",  # once per turn
            slot_guard=conv.slot_guard,
            deadline=get_runtime(TurnContext).context.deadline,
        )
    )
    return ToolOutcome(
        f"Reservada (pendiente de confirmar): {booked.service_name} con {booked.member_name},"
        f" {when(booked.starts_at)}. Id {booked.id}.",
        booking={},  # the booking is done: nothing left in progress
    )


# -- list / confirm / cancel / reschedule ------------------------------------------------------
class NoArgs(BaseModel):
    pass


def list_appointments(args: NoArgs) -> ToolOutcome:
    conv = _conversation()
    contact_id = _contact_id(conv)
    if contact_id is None:
        conv.choices = []
        return ToolOutcome("El cliente no tiene citas próximas.")
    upcoming = appointments.list_appointments(
        conv.db, conv.organization.id, contact_id, conv.organization.settings.timezone, now=conv.now()
    )
    conv.choices = bounded([appointment_choice(a, conv.locale) for a in upcoming])
    if not upcoming:
        return ToolOutcome("El cliente no tiene citas próximas.")
    return ToolOutcome("Citas próximas del cliente:\n" + "\n".join(appointment_line(a) for a in upcoming))


class AppointmentArgs(BaseModel):
    appointment_id: str = Field(max_length=64, description="Id de la cita, de list_appointments")


def confirm_appointment(args: AppointmentArgs) -> ToolOutcome:
    conv = _conversation()
    _acting_on_offer(conv)
    a = _require(
        appointments.confirm(conv.db, conv.organization.id, _contact_id(conv) or "", args.appointment_id, conv.tz.key)
    )
    return ToolOutcome(f"Confirmada: {a.service_name} con {a.member_name}, {when(a.starts_at)}.")


def cancel_appointment(args: AppointmentArgs) -> ToolOutcome:
    conv = _conversation()
    _acting_on_offer(conv)
    a = _require(
        appointments.cancel(conv.db, conv.organization.id, _contact_id(conv) or "", args.appointment_id, conv.tz.key)
    )
    return ToolOutcome(f"Cancelada: {a.service_name} del {when(a.starts_at)}.")


class RescheduleArgs(BaseModel):
    appointment_id: str = Field(max_length=64, description="Id de la cita, de list_appointments")
    new_start: str = Field(
        max_length=25, description="Nuevo inicio 'YYYY-MM-DD HH:MM' (hora local), comprobado con check_availability"
    )
    member: str | None = Field(default=None, max_length=120, description="Profesional del nuevo hueco, opcional")


def reschedule_appointment(args: RescheduleArgs) -> ToolOutcome:
    conv = _conversation()
    _acting_on_offer(conv)
    contact_id = _contact_id(conv) or ""
    start = _parse_start(conv, args.new_start)
    member_id = _member_for(conv, contact_id, args.appointment_id, start, args.member) if args.member else None
    a = _require(
        appointments.reschedule(
            conv.db,
            conv.organization.id,
            contact_id,
            args.appointment_id,
            start,
            conv.window,
            now=conv.now(),
            member_id=member_id,
            slot_guard=conv.slot_guard,
            deadline=get_runtime(TurnContext).context.deadline,
        )
    )
    return ToolOutcome(f"Cambiada: {a.service_name} con {a.member_name}, ahora el {when(a.starts_at)}.")


def _member_for(conv: Conversation, contact_id: str, appointment_id: str, start: datetime, member: str) -> str | None:
    """The named member's id if they are free at the new start for the appointment's service."""
    current = appointments.get_appointment(conv.db, conv.organization.id, contact_id, appointment_id, conv.tz.key)
    service = catalogue.get_service(conv.db, conv.organization.id, current.service_id) if current else None
    slot = _slot_at(conv, service, start, member) if service else None
    return slot.member_id if slot else None


# -- join_waitlist / leave_waitlist ------------------------------------------------------------
_DAY_PARTS = {
    "any": "a cualquier hora",
    "morning": "por la mañana",
    "afternoon": "por la tarde",
    "evening": "desde las 18:00",
}


class JoinWaitlistArgs(BaseModel):
    service: str = Field(max_length=120, description="Nombre (o id) del servicio")
    first_day: str = Field(max_length=20, description="Primer día que le vale, YYYY-MM-DD")
    last_day: str = Field(max_length=20, description="Último día que le vale, YYYY-MM-DD")
    day_part: Literal["any", "morning", "afternoon", "evening"] = Field(
        default="any", description="morning: antes de 14:00; afternoon: 14-18; evening: desde 18:00"
    )
    member: str | None = Field(default=None, max_length=120, description="Profesional, si lo pide")


def join_waitlist(args: JoinWaitlistArgs) -> ToolOutcome:
    """The customer waits for a slot that is full: stored for this conversation's contact only
    (the organization and contact come from the conversation, never from the arguments)."""
    conv = _conversation()
    _acting_on_offer(conv)
    if not waitlist_settings(conv.db, conv.organization.id).enabled:
        raise ToolFailure("este negocio no tiene lista de espera")
    contact_id = _contact_id(conv)
    if contact_id is None:
        raise ToolFailure("aún no hay ficha del cliente en este turno (resolve_contact)")
    # A waitlist offer is booked with one tap, without staff: past the no-show policy's limit the
    # customer is not put on the list either (the same refusal as book_appointment's).
    refused = noshow_refusal.refusal(conv, contact_id, f"la lista de espera de {args.service}")
    if refused is not None:
        return refused
    service = _service_named(conv, args.service)
    if not service.bookable:
        raise ToolFailure(f"{service.name} no se reserva por WhatsApp")
    first, last = _parse_day(conv, args.first_day), _parse_day(conv, args.last_day)
    if last < first:
        raise ToolFailure("el último día no puede ser anterior al primero")
    member = _waitlist_member(conv, service, args.member) if args.member else None
    entry = waitlist.add_entry(
        conv.db,
        conv.organization.id,
        contact_id,
        service.id,
        first,
        last,
        args.day_part,
        member_id=member.id if member else None,
    )
    days = first.isoformat() if first == last else f"del {first.isoformat()} al {last.isoformat()}"
    who = f" con {member.name}" if member else ""
    # A new row's two timestamps are the same now(); an update moved updated_at on an older row.
    done = "Actualizada su petición en" if entry.updated_at != entry.created_at else "Apuntado en"
    return ToolOutcome(
        f"{done} la lista de espera: {service.name}{who}, {days}, {_DAY_PARTS[args.day_part]}. Si se libera un"
        f" hueco que encaje, se le ofrecerá por este chat con un botón para aceptarlo (el primero que acepta se lo"
        f" queda)."
    )


def _waitlist_member(conv: Conversation, service: Service, name: str) -> catalogue.ServiceMember:
    doing = catalogue.members_for_service(conv.db, conv.organization.id, service.id)
    wanted = fold(name.strip())
    found = next((m for m in doing if m.id == name or wanted in fold(m.name)), None)
    if found is None:
        names = ", ".join(m.name for m in doing)
        raise ToolFailure(f"'{name}' no hace {service.name}. Lo hacen: {names}")
    return found


class LeaveWaitlistArgs(BaseModel):
    service: str | None = Field(
        default=None, max_length=120, description="Servicio del que sale de la lista; vacío: de todas"
    )


def leave_waitlist(args: LeaveWaitlistArgs) -> ToolOutcome:
    conv = _conversation()
    _acting_on_offer(conv)
    contact_id = _contact_id(conv)
    service = _service_named(conv, args.service) if args.service else None
    org = conv.organization.id
    waiting = waitlist.entries_for_contact(conv.db, org, contact_id) if contact_id else []
    leaving = [e for e in waiting if service is None or e.service_id == service.id]
    if contact_id is None or not leaving:
        return ToolOutcome("El cliente no estaba en la lista de espera" + (f" de {service.name}." if service else "."))
    waitlist.withdraw_for_contact(conv.db, org, contact_id, service.id if service else None)
    names = {s.id: s.name for s in catalogue.list_services(conv.db, org)}
    lines = "\n".join(
        f"- {names.get(e.service_id, e.service_id)}, del {e.first_day.isoformat()} al {e.last_day.isoformat()}"
        for e in leaving
    )
    return ToolOutcome(f"Hecho: sale de la lista de espera:\n{lines}")


# -- escalate_to_human -------------------------------------------------------------------------
class EscalateArgs(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Por qué hace falta una persona, en una frase")


ESCALATED = "Hecho: el equipo ha sido avisado y responderá en este chat. El asistente deja de contestar."
OUTSIDE_HOURS = (
    "Hecho, fuera de horario: el equipo responderá en este chat cuando abra. El sistema termina la respuesta al"
    " cliente con esta frase: «{note}». El asistente deja de contestar."
)


def escalate_to_human(args: EscalateArgs) -> ToolOutcome:
    """Bot off, an escalation recorded, staff told (now, or at the opening when the business says
    so). Outside the business's hours for people the customer is told when someone will answer:
    a sentence the code writes (agent/handoff_wording.py) and the processor puts in the reply, never
    the model's guess."""
    conv = _conversation()
    _acting_on_offer(conv)
    # At most one per turn, and none while one is open: staff are told once.
    if conv.escalations or conv.handoff_note is not None:
        return ToolOutcome("Ya está hecho: el equipo ya ha sido avisado en este turno.")
    reason = plain_reason(args.reason)
    at = conv.now()
    org_id = conv.organization.id
    decided = rules.plan(handoff.opening_hours(conv.db, org_id, at), handoff.handoff_settings(conv.db, org_id), at)
    _, opened = chats.open_escalation(
        conv.db,
        org_id,
        conv.identity.id,
        reason,
        conv.turn_id,
        at=at,
        waiting_since=decided.waiting_since,
        notify_at=decided.notify_at,
    )
    if not opened:
        return ToolOutcome("El equipo ya estaba avisado y responderá en este chat.")
    if decided.notify_now:
        conv.escalations.append(reason)
    if decided.open_now:
        return ToolOutcome(ESCALATED)
    conv.handoff_note = wording.outside_hours(decided.opening, at.astimezone(conv.tz), conv.locale)
    return ToolOutcome(OUTSIDE_HOURS.format(note=conv.handoff_note))


# -- opt_out -----------------------------------------------------------------------------------
OPTED_OUT = "Hecho: el cliente queda dado de baja de todos los mensajes del negocio; el sistema le confirma la baja."


def opt_out(args: NoArgs) -> ToolOutcome:
    """The customer's own words, in a way the code's matcher (processor/opt_words.py) did not
    catch, ask for no more messages: honoured like a written "BAJA" (every purpose withdrawn in
    the consent register, opted out), for this conversation's customer only. The processor sends
    the fixed confirmation instead of the model's reply."""
    conv = _conversation()
    _acting_on_offer(conv)
    consent.opt_out(
        conv.db,
        conv.organization.id,
        conv.identity.id,
        at=conv.now(),
        source="whatsapp",
        reference=consent.OUT_REFERENCE.format(turn=conv.turn_id),
    )
    conv.opted_out = True
    return ToolOutcome(OPTED_OUT)


KNOWLEDGE_SEARCH = Tool(
    "knowledge_search",
    "Busca en servicios, precios, horarios y preguntas frecuentes del negocio.",
    SearchArgs,
    knowledge_search,
)
# For a business whose whole catalogue is in the prompt: no search needed.
CATALOGUE_TOOLS = Toolbox(
    Tool("check_availability", "Huecos libres de un servicio un día concreto.", AvailabilityArgs, check_availability),
    Tool(
        "resolve_contact",
        "Crea o actualiza la ficha del cliente (su teléfono ya se conoce).",
        ContactArgs,
        resolve_contact,
    ),
    Tool(
        "book_appointment", "Reserva un hueco ofrecido, tras el 'sí' explícito del cliente.", BookArgs, book_appointment
    ),
    Tool("list_appointments", "Citas próximas del cliente, con sus ids.", NoArgs, list_appointments),
    Tool("confirm_appointment", "Confirma una cita pendiente del cliente.", AppointmentArgs, confirm_appointment),
    Tool("cancel_appointment", "Cancela una cita del cliente.", AppointmentArgs, cancel_appointment),
    Tool(
        "reschedule_appointment",
        "Cambia una cita del cliente a otro hueco libre.",
        RescheduleArgs,
        reschedule_appointment,
    ),
    Tool(
        "join_waitlist",
        "Apunta al cliente en la lista de espera de un servicio.",
        JoinWaitlistArgs,
        join_waitlist,
    ),
    Tool(
        "leave_waitlist",
        "Quita al cliente de la lista de espera (de un servicio o de todas).",
        LeaveWaitlistArgs,
        leave_waitlist,
    ),
    Tool("escalate_to_human", "Pasa la conversación a una persona del equipo.", EscalateArgs, escalate_to_human),
    Tool(
        "opt_out", "Da de baja al cliente de todos los mensajes del negocio, si pide no recibir más.", NoArgs, opt_out
    ),
)
RECEPTIONIST_TOOLS = Toolbox(KNOWLEDGE_SEARCH, *CATALOGUE_TOOLS.tools)
