"""How the tools word dates, prices, appointments and slots for the model (Spanish, as every tool
result: the model answers in the customer's language), and what staff read when a conversation is
handed to them. Weekdays and prices come from Babel (receptionist.i18n.formats), not a table."""

from __future__ import annotations

import re
from datetime import datetime

from receptionist.crm.models import Appointment, Service, Slot
from receptionist.i18n import formats
from receptionist.i18n.locales import Locale

# The tool results' language (the model's notes); a customer's own sentences go through the catalogue.
NOTES_LOCALE: Locale = "es"


def weekday(dt: datetime) -> str:
    return formats.weekday(dt, NOTES_LOCALE)


def when(dt: datetime) -> str:
    return f"{weekday(dt)} {dt:%Y-%m-%d} a las {dt:%H:%M}"


def day_of(dt: datetime) -> str:
    return f"{weekday(dt)} {dt:%Y-%m-%d}"


def price(service: Service, locale: Locale = NOTES_LOCALE) -> str:
    """The service's price with its currency, as `locale` writes it ("45,00 €", "S/ 45.00", "R$ 45,00")."""
    return formats.price(service.price_cents, service.currency, locale)


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
