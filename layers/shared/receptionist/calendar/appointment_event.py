"""What one of our appointments looks like in its member's calendar (pure).

An active appointment (pending or confirmed) is an event at its times: "<service> · <customer>",
tentative while pending. A cancelled one has no event: it is deleted, so the slot shows free in the
calendar as it is for bookings. A completed or no-show appointment keeps its event, as it is: the
time was really spent (or held) with that customer, the member's calendar is their record of the
day, and deleting it after the fact would rewrite history the member may already have looked at.
An appointment that no longer exists (erased with its customer) reads as None and is deleted too;
a customer without a name (none given, or erased) leaves the service alone in the title.
The title carries the customer's name only: never their number or what they wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from receptionist.calendar.provider import AppointmentEvent, event_id_for
from receptionist.crm.models import ACTIVE_STATUSES

SEPARATOR = " · "
# Google shows about this much of a title; a longer name is cut, never the service.
_NAME_LIMIT = 80
DESCRIPTION = (
    "Cita reservada a través del asistente de WhatsApp. Para cambiarla o cancelarla, usa la consola del "
    "personal: los cambios hechos aquí no cambian la cita ni avisan al cliente."
)
# Statuses whose appointment has an event: the active ones and the finished ones (history).
_KEPT = (*ACTIVE_STATUSES, "completed", "no_show")


@dataclass(frozen=True)
class AppointmentFacts:
    """The appointment as the calendar sync reads it when it relays a change."""

    id: str
    service_name: str
    customer_name: str | None  # None when the customer gave none or was erased
    member_id: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    status: str  # pending | confirmed | cancelled | completed | no_show
    zone: str  # the business's IANA zone


def appointment_event(appointment: AppointmentFacts | None) -> AppointmentEvent | None:
    """The event to put in the member's calendar, or None: delete the appointment's event."""
    if appointment is None or appointment.status not in _KEPT:
        return None
    if appointment.starts_at.tzinfo is None or appointment.ends_at.tzinfo is None:
        raise ValueError("an appointment's times must be timezone-aware")
    return AppointmentEvent(
        event_id=event_id_for(appointment.id),
        appointment_id=appointment.id,
        summary=summary(appointment.service_name, appointment.customer_name),
        description=DESCRIPTION,
        start=appointment.starts_at,
        end=appointment.ends_at,
        zone=appointment.zone,
        tentative=appointment.status == "pending",
    )


def summary(service_name: str, customer_name: str | None) -> str:
    service = _one_line(service_name)
    customer = _one_line(customer_name or "")
    if len(customer) > _NAME_LIMIT:
        customer = customer[: _NAME_LIMIT - 1].rstrip() + "…"
    return f"{service}{SEPARATOR}{customer}" if customer else service


def _one_line(text: str) -> str:
    """Whitespace and control characters (a name typed with a newline) collapse to single spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())
