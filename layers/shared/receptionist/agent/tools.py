"""The receptionist's tools, bound to one conversation.

The organization, the customer's number and their contact come from the conversation (the
processor resolved them from the Gupshup app and the sender); no tool takes them as arguments,
so whatever the model asks, a tool touches only its own organization and customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from receptionist.agent.state import Booking
from receptionist.agent.toolbox import Toolbox, ToolFailure, ToolOutcome
from receptionist.crm import appointments, catalog, contacts
from receptionist.crm import conversations as chat
from receptionist.crm.availability import BookingWindow, available_slots
from receptionist.crm.connection import Database
from receptionist.crm.models import Appointment, BookingResult, ChatIdentity, Organization, Service, Slot

MAX_SLOTS_SHOWN = 6
SEARCH_AHEAD_DAYS = 7
_WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]


@dataclass
class Conversation:
    """Who and where: fixed by the processor for the whole turn."""

    db: Database
    organization: Organization
    identity: ChatIdentity
    turn_id: str
    now: Callable[[], datetime]
    escalations: list[str] = field(default_factory=list)  # reasons escalated during this turn
    contact_id: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.organization.settings.timezone)

    @property
    def window(self) -> BookingWindow:
        s = self.organization.settings
        return BookingWindow(s.timezone, s.booking_lead_minutes, s.booking_horizon_days, s.slot_step_minutes)


# -- argument schemas (what the model may say) ------------------------------------------------
# Every string is bounded, so a model that writes without limit gets a validation error back,
# never a huge query or row. Dates are checked against the booking window by the tools.
class SearchArgs(BaseModel):
    query: str = Field(
        min_length=1, max_length=200, description="Pregunta o palabras clave, p. ej. 'precio limpieza' o 'horario'"
    )


class AvailabilityArgs(BaseModel):
    service: str = Field(max_length=120, description="Nombre (o id) del servicio")
    day: str = Field(max_length=20, description="Día en formato YYYY-MM-DD (zona horaria del negocio)")
    member: str | None = Field(default=None, max_length=120, description="Profesional preferido (nombre), opcional")


class ContactArgs(BaseModel):
    name: str = Field(min_length=1, max_length=120, description="Nombre y apellido del cliente")
    email: str | None = Field(default=None, max_length=254, description="Email, solo si el cliente lo da")


class BookArgs(BaseModel):
    service: str = Field(max_length=120, description="Nombre (o id) del servicio")
    start: str = Field(
        max_length=25, description="Inicio, 'YYYY-MM-DD HH:MM' en hora local del negocio, uno de los huecos ofrecidos"
    )
    member: str | None = Field(default=None, max_length=120, description="Profesional (nombre o id) del hueco elegido")


class AppointmentArgs(BaseModel):
    appointment_id: str = Field(max_length=64, description="Id de la cita, de list_appointments")


class RescheduleArgs(BaseModel):
    appointment_id: str = Field(max_length=64, description="Id de la cita, de list_appointments")
    new_start: str = Field(
        max_length=25, description="Nuevo inicio 'YYYY-MM-DD HH:MM' (hora local), comprobado con check_availability"
    )
    member: str | None = Field(default=None, max_length=120, description="Profesional del nuevo hueco, opcional")


class EscalateArgs(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Por qué hace falta una persona, en una frase")


class NoArgs(BaseModel):
    pass


# -- formatting --------------------------------------------------------------------------------
def _when(dt: datetime) -> str:
    return f"{_WEEKDAYS[dt.weekday()]} {dt:%Y-%m-%d} a las {dt:%H:%M}"


def _price(service: Service) -> str:
    if service.price_cents is None:
        return "precio a consultar"
    if service.price_cents == 0:
        return "gratis"
    return f"{service.price_cents / 100:.2f} {service.currency}".replace(".00 ", " ")


def _appointment_line(a: Appointment) -> str:
    return f"- id {a.id}: {a.service_name} con {a.member_name}, {_when(a.starts_at)} ({a.status})"


def _slot_line(s: Slot) -> str:
    return f"- {s.starts_at:%Y-%m-%d %H:%M} con {s.member_name}"


# -- the tools ---------------------------------------------------------------------------------
def build_toolbox(conv: Conversation) -> Toolbox:
    box = Toolbox()

    def in_window(day: date) -> date:
        """Refuse days before today or past the booking horizon (never an exception later)."""
        today = conv.now().astimezone(conv.tz).date()
        last = today + timedelta(days=conv.organization.settings.booking_horizon_days)
        if day < today:
            raise ToolFailure(f"el {day.isoformat()} ya ha pasado; hoy es {today.isoformat()}")
        if day > last:
            raise ToolFailure(f"solo se puede reservar hasta el {last.isoformat()}")
        return day

    def parse_day(text: str) -> date:
        today = conv.now().astimezone(conv.tz).date()
        lowered = text.strip().lower()
        if lowered in ("hoy", "today"):
            return today
        if lowered in ("mañana", "manana", "tomorrow"):
            return in_window(today + timedelta(days=1))
        try:
            return in_window(date.fromisoformat(lowered[:10]))
        except ValueError as exc:
            raise ToolFailure("el día debe ir como YYYY-MM-DD") from exc

    def parse_start(text: str) -> datetime:
        try:
            value = datetime.fromisoformat(text.strip().replace("T", " "))
            local = value.replace(tzinfo=conv.tz) if value.tzinfo is None else value.astimezone(conv.tz)
        except (ValueError, OverflowError) as exc:
            raise ToolFailure("la hora debe ir como 'YYYY-MM-DD HH:MM'") from exc
        in_window(local.date())
        return local

    def service_named(name: str) -> Service:
        service = catalog.find_service(conv.db, conv.organization.id, name)
        if service is None:
            names = ", ".join(s.name for s in catalog.list_services(conv.db, conv.organization.id) if s.bookable)
            raise ToolFailure(f"no encuentro el servicio '{name}'. Servicios que se pueden reservar: {names}")
        return service

    def contact_id() -> str | None:
        if conv.contact_id:
            return conv.contact_id
        if conv.identity.contact_id:
            return conv.identity.contact_id
        found = contacts.contact_by_phone(conv.db, conv.organization.id, conv.identity.customer_number)
        return found.id if found else None

    def slots_for(service: Service, day: date, member: str | None) -> list[Slot]:
        slots = available_slots(conv.db, conv.organization.id, service, conv.window, day, day, now=conv.now())
        if member:
            wanted = member.strip().lower()
            slots = [s for s in slots if s.member_id == member or wanted in s.member_name.lower()]
        return slots

    def knowledge_search(args: SearchArgs, booking: Booking) -> ToolOutcome:
        hits = catalog.knowledge_search(conv.db, conv.organization.id, args.query)
        if not hits:
            return ToolOutcome(
                "Sin resultados en la información del negocio. No inventes: ofrece pasar con una persona."
            )
        return ToolOutcome("\n".join(f"- {h.title}: {h.body}" for h in hits))

    def check_availability(args: AvailabilityArgs, booking: Booking) -> ToolOutcome:
        service = service_named(args.service)
        if not service.bookable:
            raise ToolFailure(f"{service.name} no se reserva por WhatsApp; ofrece pasar con una persona")
        day = parse_day(args.day)
        update: Booking = {"service_id": service.id, "service_name": service.name, "day": day.isoformat()}
        slots = slots_for(service, day, args.member)
        head = f"{service.name} ({service.duration_minutes} min, {_price(service)})."
        if slots:
            shown = slots[:MAX_SLOTS_SHOWN]
            more = f"\n(y {len(slots) - len(shown)} huecos más ese día)" if len(slots) > len(shown) else ""
            lines = "\n".join(_slot_line(s) for s in shown)
            return ToolOutcome(
                f"{head} Huecos libres el {_when(shown[0].starts_at)[:-11]}:\n{lines}{more}", booking=update
            )
        for offset in range(1, SEARCH_AHEAD_DAYS + 1):
            later = slots_for(service, day + timedelta(days=offset), args.member)
            if later:
                lines = "\n".join(_slot_line(s) for s in later[:MAX_SLOTS_SHOWN])
                return ToolOutcome(
                    f"{head} No hay huecos el {day.isoformat()}. El siguiente día con huecos:\n{lines}", booking=update
                )
        return ToolOutcome(
            f"{head} No hay huecos el {day.isoformat()} ni en los {SEARCH_AHEAD_DAYS} días siguientes.", booking=update
        )

    def resolve_contact(args: ContactArgs, booking: Booking) -> ToolOutcome:
        try:
            contact = contacts.find_or_create_contact(
                conv.db, conv.organization.id, conv.identity.customer_number, args.name, args.email
            )
        except contacts.InvalidEmailError as exc:
            raise ToolFailure("ese email no parece válido; pídeselo de nuevo o sigue sin email") from exc
        conv.contact_id = contact.id
        if conv.identity.contact_id != contact.id:
            chat.link_contact(conv.db, conv.organization.id, conv.identity.id, contact.id)
        email = f", email {contact.email}" if contact.email else ""
        return ToolOutcome(f"Contacto listo: {contact.name}{email}.", booking={"contact_id": contact.id})

    def book_appointment(args: BookArgs, booking: Booking) -> ToolOutcome:
        cid = contact_id()
        if cid is None:
            raise ToolFailure("antes de reservar, pide el nombre del cliente y usa resolve_contact")
        service = service_named(args.service)
        start = parse_start(args.start)
        candidates = [s for s in slots_for(service, start.date(), args.member) if s.starts_at == start]
        member_id = candidates[0].member_id if candidates else (args.member or "")
        if not candidates:
            raise ToolFailure(f"el hueco del {_when(start)} ya no está libre; vuelve a consultar la disponibilidad")
        key = f"{conv.turn_id}:{service.id}:{start.isoformat()}"
        result = appointments.book(
            conv.db,
            conv.organization.id,
            cid,
            service.id,
            member_id,
            start,
            conv.window,
            now=conv.now(),
            idempotency_key=key,
        )
        booked = _require(result)
        return ToolOutcome(
            f"Reservada (pendiente de confirmar): {booked.service_name} con {booked.member_name},"
            f" {_when(booked.starts_at)}. Id {booked.id}.",
            booking={},  # the booking is done: nothing left in progress
        )

    def list_appointments(args: NoArgs, booking: Booking) -> ToolOutcome:
        cid = contact_id()
        upcoming = (
            appointments.list_appointments(
                conv.db, conv.organization.id, cid, conv.organization.settings.timezone, now=conv.now()
            )
            if cid
            else []
        )
        if not upcoming:
            return ToolOutcome("El cliente no tiene citas próximas.")
        return ToolOutcome("Citas próximas del cliente:\n" + "\n".join(_appointment_line(a) for a in upcoming))

    def confirm_appointment(args: AppointmentArgs, booking: Booking) -> ToolOutcome:
        a = _require(
            appointments.confirm(conv.db, conv.organization.id, contact_id() or "", args.appointment_id, _tz_name(conv))
        )
        return ToolOutcome(f"Confirmada: {a.service_name} con {a.member_name}, {_when(a.starts_at)}.")

    def cancel_appointment(args: AppointmentArgs, booking: Booking) -> ToolOutcome:
        a = _require(
            appointments.cancel(conv.db, conv.organization.id, contact_id() or "", args.appointment_id, _tz_name(conv))
        )
        return ToolOutcome(f"Cancelada: {a.service_name} del {_when(a.starts_at)}.")

    def reschedule_appointment(args: RescheduleArgs, booking: Booking) -> ToolOutcome:
        cid = contact_id() or ""
        start = parse_start(args.new_start)
        member_id = None
        if args.member:
            current = appointments.get_appointment(
                conv.db, conv.organization.id, cid, args.appointment_id, _tz_name(conv)
            )
            service = catalog.get_service(conv.db, conv.organization.id, current.service_id) if current else None
            if service:
                match = [s for s in slots_for(service, start.date(), args.member) if s.starts_at == start]
                member_id = match[0].member_id if match else None
        result = appointments.reschedule(
            conv.db,
            conv.organization.id,
            cid,
            args.appointment_id,
            start,
            conv.window,
            now=conv.now(),
            member_id=member_id,
        )
        a = _require(result)
        return ToolOutcome(f"Cambiada: {a.service_name} con {a.member_name}, ahora el {_when(a.starts_at)}.")

    def escalate_to_human(args: EscalateArgs, booking: Booking) -> ToolOutcome:
        # At most one per turn, and none while one is open: staff are told once.
        if conv.escalations:
            return ToolOutcome("Ya está hecho: el equipo ya ha sido avisado en este turno.")
        reason = plain_reason(args.reason)
        _, opened = chat.open_escalation(conv.db, conv.organization.id, conv.identity.id, reason, conv.turn_id)
        if not opened:
            return ToolOutcome("El equipo ya estaba avisado y responderá en este chat; no hace falta avisar de nuevo.")
        conv.escalations.append(reason)
        return ToolOutcome(
            "Hecho: el equipo ha sido avisado y responderá en este chat. El asistente deja de contestar."
        )

    box.add(
        "knowledge_search",
        "Busca en servicios, precios, horarios y preguntas frecuentes del negocio.",
        SearchArgs,
        knowledge_search,
    )
    box.add("check_availability", "Huecos libres de un servicio un día concreto.", AvailabilityArgs, check_availability)
    box.add(
        "resolve_contact",
        "Crea o actualiza la ficha del cliente (su teléfono ya se conoce).",
        ContactArgs,
        resolve_contact,
    )
    box.add(
        "book_appointment", "Reserva un hueco ofrecido, tras el 'sí' explícito del cliente.", BookArgs, book_appointment
    )
    box.add("list_appointments", "Citas próximas del cliente, con sus ids.", NoArgs, list_appointments)
    box.add("confirm_appointment", "Confirma una cita pendiente del cliente.", AppointmentArgs, confirm_appointment)
    box.add("cancel_appointment", "Cancela una cita del cliente.", AppointmentArgs, cancel_appointment)
    box.add(
        "reschedule_appointment",
        "Cambia una cita del cliente a otro hueco libre.",
        RescheduleArgs,
        reschedule_appointment,
    )
    box.add("escalate_to_human", "Pasa la conversación a una persona del equipo.", EscalateArgs, escalate_to_human)
    return box


_FAILURE_TEXT = {
    "slot_taken": "otra persona acaba de reservar ese hueco; ofrece otros",
    "not_available": "ese hueco no está disponible; vuelve a consultar la disponibilidad",
    "not_found": "no encuentro esa cita entre las del cliente",
    "not_bookable": "ese servicio no se reserva por WhatsApp",
    "not_active": "esa cita ya no está activa",
    "invalid": "datos no válidos",
}


REASON_LIMIT = 160
_NOT_TEXT = re.compile(r"[^\w\s.,;:¿?¡!()'\"-]", re.UNICODE)
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def plain_reason(reason: str) -> str:
    """What staff read in their notice: plain words only (no links, no markup, no control or
    formatting characters, no emoji), one line, at most REASON_LIMIT characters."""
    text = _LINK.sub(" ", reason)
    text = _NOT_TEXT.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > REASON_LIMIT:
        text = text[: REASON_LIMIT - 1].rstrip() + "…"
    return text or "El cliente pide hablar con una persona"


def _require(result: BookingResult) -> Appointment:
    if result.failure is not None or result.appointment is None:
        raise ToolFailure(_FAILURE_TEXT.get(result.failure or "invalid", result.detail))
    return result.appointment


def _tz_name(conv: Conversation) -> str:
    return conv.organization.settings.timezone
