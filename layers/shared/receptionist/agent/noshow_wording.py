"""What the assistant tells a customer the no-show policy stops it booking for (crm/noshow.py):
the sentence in the business's language (Spanish and English; one place, for issue 30's i18n),
and the tool result that asks the model to say it and offer a person. Polite and without
reproach: it names no count and no dates to the customer; the count is for the model and staff."""

from __future__ import annotations

from typing import Final

from receptionist.crm.noshow import REASON
from receptionist.languages import Language

# What the customer is told, in the business's language.
REFUSAL: Final[dict[Language, str]] = {
    "es": "Ahora mismo no puedo reservarte esta cita por aquí: en los últimos meses algunas citas no se pudieron"
    " atender, y en ese caso las nuevas reservas las hace directamente una persona del equipo. Si quieres, te"
    " paso con alguien para reservarla.",
    "en": "I can't book this appointment for you here right now: a few recent appointments were missed, and in"
    " that case new bookings are made directly by someone from the team. If you like, I can put you through to"
    " someone to book it.",
}

# The tool's result, for the model (in Spanish, as every tool result): the reason code, what to
# say, what to offer, and the escalation's reason for staff.
TOOL_RESULT: Final = (
    "No reservado ({reason}): el cliente tiene {no_shows} citas sin acudir en los últimos {months} meses y la"
    " política del negocio es que el asistente no le reserve citas nuevas (confirmar, cancelar o cambiar sus citas"
    " sí puede). No lo intentes de nuevo ni ofrezcas otros huecos. Díselo con amabilidad y sin reproches, en el"
    " idioma del cliente, con esta frase: «{sentence}». Si acepta pasar con una persona, usa escalate_to_human"
    " con el motivo «{reason}: quiere reservar {wanted}»."
)


def tool_result(no_shows: int, months: int, wanted: str, language: Language) -> str:
    """The refusal as book_appointment returns it; `wanted` is what the customer asked to book."""
    return TOOL_RESULT.format(
        reason=REASON, no_shows=no_shows, months=months, sentence=REFUSAL[language], wanted=wanted
    )
