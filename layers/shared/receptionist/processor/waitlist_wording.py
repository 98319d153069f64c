"""What a customer is told when they tap a waitlist offer's button (issue 29), in the business's
language (Spanish unless it is English), and what staff are told when the tap lands in a
conversation a person owns. Fixed sentences: the model never words them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from receptionist.crm.waitlist_answers import OfferAnswer
from receptionist.languages import Language, language_of

_WEEKDAYS: Final = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

# Staff's notice (always Spanish, like the console's other notices): a tap in a conversation they own.
OWNED_TAP_NOTICE: Final = (
    "Botón de una oferta de la lista de espera pulsado en una conversación que lleva el equipo. Se le ha respondido: "
)


@dataclass(frozen=True)
class WaitlistWords:
    lang: Language

    @classmethod
    def of(cls, language: str) -> WaitlistWords:
        return cls(language_of(language))

    def when(self, start: datetime) -> str:
        """The slot's local start: "el lunes 05/01 a las 10:00" / "Monday 05/01 at 10:00"."""
        day = _WEEKDAYS[self.lang][start.weekday()]
        if self.lang == "en":
            return f"{day} {start:%d/%m} at {start:%H:%M}"
        return f"el {day} {start:%d/%m} a las {start:%H:%M}"

    def answer(self, answer: OfferAnswer) -> str:
        """The sentence for what a tap did (the same for the same outcome: a second tap says it again)."""
        en = self.lang == "en"
        if answer.outcome == "booked" and answer.starts_at is not None:
            when = self.when(answer.starts_at)
            if en:
                return (
                    f"Done! You are booked for {answer.service} with {answer.member} on {when}."
                    " You are off the waiting list."
                )
            return (
                f"¡Hecho! Te hemos reservado {answer.service} con {answer.member} {when}."
                " Ya no estás en la lista de espera."
            )
        if answer.outcome == "lost":
            if en:
                return (
                    "Sorry, someone else has just taken that slot. You are still on the waiting list:"
                    " we will let you know if another one frees up."
                )
            return (
                "Lo siento, otra persona acaba de reservar ese hueco. Sigues en la lista de espera:"
                " te avisaremos si se libera otro."
            )
        if answer.outcome == "expired":
            if en:
                return (
                    "That offer has expired, so the slot was not booked. You are still on the waiting list:"
                    " we will let you know if another one frees up."
                )
            return (
                "Esa oferta ya ha caducado y el hueco no se ha reservado. Sigues en la lista de espera:"
                " te avisaremos si se libera otro."
            )
        if answer.outcome == "declined":
            if en:
                return "All right, we won't book that slot for you. You are still on the waiting list."
            return "De acuerdo, no te reservamos ese hueco. Sigues en la lista de espera."
        if answer.outcome == "closed":
            if en:
                return "That offer is no longer open. If you would like an appointment, write to us and I'll help you."
            return "Esa oferta ya no está disponible. Si quieres una cita, escríbenos y te ayudo."
        if en:
            return "I can't find that waiting list offer. Tell me what you need and I'll help you."
        return "No encuentro esa oferta de la lista de espera. Dime qué necesitas y te ayudo."

    def already_done(self, sentence: str) -> str:
        """A note for the model when the customer also wrote something in the same turn."""
        return f"[Hecho ya con el botón de la oferta de la lista de espera, díselo al cliente: {sentence}]"
