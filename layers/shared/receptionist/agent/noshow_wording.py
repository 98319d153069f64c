"""What the assistant tells a customer the no-show policy stops it booking for (crm/noshow.py):
the sentence in the customer's locale (the "messages" catalogue's noshow_refusal),
and the tool result that asks the model to say it and offer a person. Polite and without
reproach: it names no count and no dates to the customer; the count is for the model and staff."""

from __future__ import annotations

from typing import Final

from receptionist.crm.noshow import REASON
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale

# The tool's result, for the model (in Spanish, as every tool result): the reason code, what to
# say, what to offer, and the escalation's reason for staff.
TOOL_RESULT: Final = (
    "No reservado ({reason}): el cliente tiene {no_shows} citas sin acudir en los últimos {months} meses y la"
    " política del negocio es que el asistente no le reserve citas nuevas (confirmar, cancelar o cambiar sus citas"
    " sí puede). No lo intentes de nuevo ni ofrezcas otros huecos. Díselo con amabilidad y sin reproches, en el"
    " idioma del cliente, con esta frase: «{sentence}». Si acepta pasar con una persona, usa escalate_to_human"
    " con el motivo «{reason}: quiere reservar {wanted}»."
)


def refusal(locale: Locale) -> str:
    """What the customer is told, in their locale."""
    return message(locale, "noshow_refusal")


def tool_result(no_shows: int, months: int, wanted: str, locale: Locale) -> str:
    """The refusal as book_appointment returns it; `wanted` is what the customer asked to book."""
    return TOOL_RESULT.format(reason=REASON, no_shows=no_shows, months=months, sentence=refusal(locale), wanted=wanted)
