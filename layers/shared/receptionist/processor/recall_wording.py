"""What the customer and the agent are told when a recall's button is tapped (docs/recalls.md):
fixed sentences in the customer's locale (the "messages" catalogue's recall_*), never the model's;
the notes to the agent and staff stay Spanish."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale


@dataclass(frozen=True)
class RecallWords:
    locale: Locale

    @property
    def thanks(self) -> str:
        """After "No, gracias": recorded, nothing more is sent about it."""
        return message(self.locale, "recall_thanks")

    @property
    def unknown(self) -> str:
        return message(self.locale, "recall_unknown")

    @property
    def book_by_a_person(self) -> str:
        """After "Reservar" while a person of the team owns the conversation."""
        return message(self.locale, "recall_book_by_a_person")

    @staticmethod
    def book_note(service: str, service_id: str) -> str:
        """The agent's note before the customer's words (Spanish, as every note to the agent)."""
        return (
            f"[Respuesta a un recordatorio de revisión: el cliente pulsó «Reservar» en el mensaje que le invitaba a"
            f" volver para {service} (id del servicio {service_id}). Quiere reservar una cita de ese servicio:"
            " pregúntale qué día y hora le vienen bien y ofrécele huecos libres.]"
        )

    @staticmethod
    def already_done(sentence: str) -> str:
        return f"[Hecho ya con el botón del recordatorio de revisión, díselo al cliente: {sentence}]"

    @staticmethod
    def staff_notice(said: str) -> str:
        return f"Botón de un recordatorio de revisión pulsado en una conversación que lleva el equipo: {said}"
