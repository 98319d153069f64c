"""What the customer can tap: the slots, appointments and services a tool offered, as Choices
(receptionist.messages.Choice) for a list message or reply buttons, and reading a tapped one back.

A choice's id is the postback text WhatsApp returns when it is tapped, so it carries the item
itself and a selection is read without a lookup:

    slot|<service_id>|<member_id>|<YYYY-MM-DD HH:MM>   (local time of the business)
    appt|<appointment_id>
    service|<service_id>

(Reminder buttons use "reminder:<token>:<action>", a prefix none of these collides with.) Titles
and descriptions are short and human, in the customer's locale (receptionist.i18n: the catalogue's
words, Babel's day, time and price), clipped to WhatsApp's limits, never over them.

Imports nothing heavy: the processor reads selections on its cold path (formats imports Babel
only when it formats).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from receptionist.crm.models import Appointment, Service, Slot
from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale
from receptionist.messages import CHOICE_DESCRIPTION_CHARS, CHOICE_TITLE_CHARS, MAX_CHOICES, Choice

SLOT: Final = "slot"
APPOINTMENT: Final = "appt"
SERVICE: Final = "service"
_SEP = "|"
_ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"  # a row's uuid (or any plain id of the CRM)
_PARSE = re.compile(
    rf"(?:{SLOT}\|(?P<service>{_ID})\|(?P<member>{_ID})\|(?P<start>\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}})"
    rf"|{APPOINTMENT}\|(?P<appointment>{_ID})"
    rf"|{SERVICE}\|(?P<only_service>{_ID}))"
)


@dataclass(frozen=True)
class Picked:
    """A tapped choice, read back from its postback text."""

    kind: Literal["slot", "appt", "service"]
    service_id: str | None = None
    member_id: str | None = None
    start: str | None = None  # "YYYY-MM-DD HH:MM", the business's local time
    appointment_id: str | None = None


def clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters; a cut ends in an ellipsis."""
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def short_when(dt: datetime, locale: Locale) -> str:
    """ "mar, 4/3 10:00", "Tue, 3/4 10:00 AM": a day and time that fits a button (formats.short_slot)."""
    return formats.short_slot(dt, locale)


def _titled(head: str, *names: str) -> str:
    """`head` and the first of `names` that fits a title, else the first clipped."""
    for name in names:
        title = f"{head} {name}".strip()
        if len(title) <= CHOICE_TITLE_CHARS:
            return title
    return clip(f"{head} {names[0] if names else ''}", CHOICE_TITLE_CHARS)


def _words(name: str) -> list[str]:
    return name.split() or [""]


def _price(service: Service, locale: Locale) -> str:
    return formats.price(service.price_cents, service.currency, locale)


def slot_choice(service: Service, slot: Slot, locale: Locale) -> Choice:
    start = slot.starts_at
    described = message(
        locale, "choice_slot_description", service=service.name, member=slot.member_name, price=_price(service, locale)
    )
    return Choice(
        id=_SEP.join((SLOT, service.id, slot.member_id, f"{start:%Y-%m-%d %H:%M}")),
        # the whole name, else the surname ("Dr. Andrés Ruiz" -> "Ruiz")
        title=_titled(short_when(start, locale), slot.member_name, _words(slot.member_name)[-1]),
        description=clip(described, CHOICE_DESCRIPTION_CHARS),
    )


def appointment_choice(a: Appointment, locale: Locale) -> Choice:
    described = message(
        locale, "choice_appointment_description", service=a.service_name, member=a.member_name, status=a.status
    )
    return Choice(
        id=_SEP.join((APPOINTMENT, a.id)),
        # the whole service, else its first word ("Limpieza dental" -> "Limpieza")
        title=_titled(short_when(a.starts_at, locale), a.service_name, _words(a.service_name)[0]),
        description=clip(described, CHOICE_DESCRIPTION_CHARS),
    )


def service_choice(service: Service, locale: Locale) -> Choice:
    described = message(
        locale, "choice_service_description", minutes=service.duration_minutes, price=_price(service, locale)
    )
    return Choice(
        id=_SEP.join((SERVICE, service.id)),
        title=clip(service.name, CHOICE_TITLE_CHARS) or message(locale, "choice_service_title"),
        description=clip(described, CHOICE_DESCRIPTION_CHARS),
    )


def bounded(choices: list[Choice]) -> list[Choice]:
    """At most MAX_CHOICES, each id once (a list message refuses repeated row ids)."""
    unique = {c.id: c for c in reversed(choices)}  # the first of repeated ids wins
    return [c for c in choices if unique.get(c.id) is c][:MAX_CHOICES]


def parse_choice(postback: str) -> Picked | None:
    """The item a postback text names, or None when it is not one of these choices."""
    match = _PARSE.fullmatch(postback.strip())
    if match is None:
        return None
    if match["start"]:
        try:
            datetime.strptime(match["start"], "%Y-%m-%d %H:%M")
        except ValueError:
            return None
        return Picked(SLOT, service_id=match["service"], member_id=match["member"], start=match["start"])
    if match["appointment"]:
        return Picked(APPOINTMENT, appointment_id=match["appointment"])
    return Picked(SERVICE, service_id=match["only_service"])
