"""What the customer and the agent are told when a recall's button is tapped (docs/recalls.md):
fixed sentences in the business's language (Spanish unless it is English), never the model's."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.languages import Language, language_of


@dataclass(frozen=True)
class RecallWords:
    lang: Language

    @classmethod
    def of(cls, language: str) -> RecallWords:
        return cls(language_of(language))

    @property
    def thanks(self) -> str:
        """After "No, gracias": recorded, nothing more is sent about it."""
        if self.lang == "en":
            return "Thank you for letting us know. We won't remind you about it again; write to us whenever you need."
        return "Gracias por avisarnos. No te lo volveremos a recordar; escríbenos cuando lo necesites."

    @property
    def unknown(self) -> str:
        if self.lang == "en":
            return "I can't find that message of ours. Tell me what you need and I'll help you."
        return "No encuentro ese mensaje nuestro. Dime qué necesitas y te ayudo."

    @property
    def book_by_a_person(self) -> str:
        """After "Reservar" while a person of the team owns the conversation."""
        if self.lang == "en":
            return "Thank you. Someone from the team will write to you here to book your appointment."
        return "Gracias. Una persona del equipo te escribirá por aquí para reservar tu cita."

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
