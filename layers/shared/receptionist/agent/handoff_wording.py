"""What the code, never the model, says when a conversation goes to people: the sentences to the
customer in the customer's locale (the "messages" catalogue: handoff_*; days and times by Babel)
and the staff notices' reasons. Times are the business's local wall time, which is its customers'
time."""

from __future__ import annotations

from datetime import datetime

from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale

# Staff notices (the escalation template's reason), in Spanish as every staff notice.
OPENING_NOTICE = "Pidió una persona fuera de horario: {reason}"
RENOTIFY_NOTICE = "Sin atender desde hace {minutes} min: {reason}"
MESSAGE_LEFT_NOTICE = "El cliente ha dejado un mensaje para el equipo; está en la conversación."


def message_offer(locale: Locale) -> str:
    """M minutes inside the hours and nobody has answered: the offer to take a message."""
    return message(locale, "handoff_message_offer")


def message_noted(locale: Locale) -> str:
    """The customer wrote after the offer: their message is noted for staff."""
    return message(locale, "handoff_message_noted")


def when(opening: datetime, now: datetime, locale: Locale) -> str:
    """ "hoy a partir de las 9:00", "mañana ...", "el lunes 14 de diciembre ..." (and the other
    locales'): `opening` and `now` in the business's time zone."""
    days = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    clock = formats.time(opening, locale)
    # "a partir de la 1:00" / "de les 13:00": Spanish and Catalan make one o'clock singular
    since = message(locale, "handoff_since_one" if clock.startswith("1:") else "handoff_since", time=clock)
    if days == 0:
        return message(locale, "handoff_today", since=since)
    if days == 1:
        return message(locale, "handoff_tomorrow", since=since)
    return message(locale, "handoff_on_day", day=formats.day(opening, locale), since=since)


def outside_hours(opening: datetime | None, now: datetime, locale: Locale) -> str:
    """The sentence a customer who asked for a person outside the hours gets, put in the reply by
    the code."""
    if opening is None:
        return message(locale, "handoff_no_opening_soon")
    return message(locale, "handoff_outside_hours", when=when(opening, now, locale))
