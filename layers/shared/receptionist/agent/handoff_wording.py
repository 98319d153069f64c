"""What the code, never the model, says when a conversation goes to people: the sentences to the
customer in the business's language (Spanish and English; one place, for issue 30's i18n) and the
staff notices' reasons. Times are the business's local wall time, which is its customers' time."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from receptionist.languages import Language

_WEEKDAYS: Final[dict[Language, tuple[str, ...]]] = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS: Final[dict[Language, tuple[str, ...]]] = {
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

# Asked for a person outside the hours: when someone will answer.
OUTSIDE_HOURS: Final[dict[Language, str]] = {
    "es": "Ahora mismo no hay nadie del equipo atendiendo; te responderán por este chat {when}.",
    "en": "Nobody from the team is available right now; they will answer you in this chat {when}.",
}
# Outside the hours, and no opening in the next two weeks (a long closure).
NO_OPENING_SOON: Final[dict[Language, str]] = {
    "es": "Ahora mismo no hay nadie del equipo atendiendo; te responderán por este chat en cuanto vuelvan.",
    "en": "Nobody from the team is available right now; they will answer you in this chat as soon as they are back.",
}
# M minutes inside the hours and nobody has answered: the offer to take a message.
MESSAGE_OFFER: Final[dict[Language, str]] = {
    "es": "Perdona la espera: todavía no ha podido atenderte nadie del equipo. Si quieres, escríbeme aquí tu"
    " mensaje y lo dejo anotado para que te respondan en cuanto puedan.",
    "en": "Sorry for the wait: nobody from the team has been able to answer yet. If you like, write your message"
    " here and I will leave it noted for them to answer you as soon as they can.",
}
# The customer wrote after the offer: their message is noted for staff.
MESSAGE_NOTED: Final[dict[Language, str]] = {
    "es": "Gracias, he dejado tu mensaje anotado para el equipo. Te responderán por este chat.",
    "en": "Thank you, I have noted your message for the team. They will answer you in this chat.",
}

# Staff notices (the escalation template's reason), in Spanish as every staff notice.
OPENING_NOTICE = "Pidió una persona fuera de horario: {reason}"
RENOTIFY_NOTICE = "Sin atender desde hace {minutes} min: {reason}"
MESSAGE_LEFT_NOTICE = "El cliente ha dejado un mensaje para el equipo; está en la conversación."


def when(opening: datetime, now: datetime, language: Language) -> str:
    """ "hoy a partir de las 9:00", "mañana ...", "el lunes 14 de diciembre ..." (and English):
    `opening` and `now` in the business's time zone."""
    days = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    clock = f"{opening.hour}:{opening.minute:02d}"
    if language == "en":
        if days == 0:
            return f"today from {clock}"
        if days == 1:
            return f"tomorrow from {clock}"
        day = f"{_WEEKDAYS['en'][opening.weekday()]} {opening.day} {_MONTHS['en'][opening.month - 1]}"
        return f"on {day} from {clock}"
    since = f"a partir de la {clock}" if opening.hour == 1 else f"a partir de las {clock}"
    if days == 0:
        return f"hoy {since}"
    if days == 1:
        return f"mañana {since}"
    day = f"{_WEEKDAYS['es'][opening.weekday()]} {opening.day} de {_MONTHS['es'][opening.month - 1]}"
    return f"el {day} {since}"


def outside_hours(opening: datetime | None, now: datetime, language: Language) -> str:
    """The sentence a customer who asked for a person outside the hours gets, put in the reply by
    the code."""
    if opening is None:
        return NO_OPENING_SOON[language]
    return OUTSIDE_HOURS[language].format(when=when(opening, now, language))
