"""What a waitlist offer says to the customer inside WhatsApp's 24-hour window (a session message
with two reply buttons), in the business's language. Outside the window the business's approved
template says it (its own words; crm.settings.waitlist names the values it is filled with)."""

from __future__ import annotations

from typing import Final

from receptionist.languages import Language, language_of

_OFFER: Final[dict[Language, str]] = {
    "es": (
        "¡Hola {customer_name}! Se ha liberado un hueco que esperabas: {service} con {member} el {date} a las"
        " {time}. ¿Lo quieres? Te lo guardamos {minutes} minutos; el primero que acepte se lo queda."
    ),
    "en": (
        "Hi {customer_name}! A slot you were waiting for has opened: {service} with {member} on {date} at"
        " {time}. Would you like it? We hold it for {minutes} minutes; the first to accept gets it."
    ),
}
# Reply button titles: at most 20 characters each, and different.
_ACCEPT: Final[dict[Language, str]] = {"es": "Lo quiero", "en": "I'll take it"}
_DECLINE: Final[dict[Language, str]] = {"es": "No, gracias", "en": "No, thanks"}


def offer_text(language: str, values: dict[str, str]) -> str:
    return _OFFER[language_of(language)].format(**values)


def accept_title(language: str) -> str:
    return _ACCEPT[language_of(language)]


def decline_title(language: str) -> str:
    return _DECLINE[language_of(language)]
