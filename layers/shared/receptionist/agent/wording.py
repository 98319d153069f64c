"""How the receptionist words dates, prices, appointments and slots (Spanish), and what staff
read when a conversation is handed to them."""

from __future__ import annotations

import re
from datetime import datetime

from receptionist.crm.models import Appointment, Service, Slot

WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def weekday(dt: datetime) -> str:
    return WEEKDAYS[dt.weekday()]


def when(dt: datetime) -> str:
    return f"{weekday(dt)} {dt:%Y-%m-%d} a las {dt:%H:%M}"


def day_of(dt: datetime) -> str:
    return f"{weekday(dt)} {dt:%Y-%m-%d}"


def price(service: Service) -> str:
    if service.price_cents is None:
        return "precio a consultar"
    if service.price_cents == 0:
        return "gratis"
    return f"{service.price_cents / 100:.2f} {service.currency}".replace(".00 ", " ")


def appointment_line(a: Appointment) -> str:
    return f"- id {a.id}: {a.service_name} con {a.member_name}, {when(a.starts_at)} ({a.status})"


def slot_line(s: Slot) -> str:
    return f"- {s.starts_at:%Y-%m-%d %H:%M} con {s.member_name}"


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
