"""What a customer is told when they tap a waitlist offer's button (issue 29), in the customer's
locale (the "messages" catalogue's waitlist_*; the slot's day and time by Babel), and what staff
are told when the tap lands in a conversation a person owns. Fixed sentences: the model never
words them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from receptionist.crm.waitlist_answers import OfferAnswer
from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale

# Staff's notice (always Spanish, like the console's other notices): a tap in a conversation they own.
OWNED_TAP_NOTICE: Final = (
    "Botón de una oferta de la lista de espera pulsado en una conversación que lleva el equipo. Se le ha respondido: "
)
# What a tap did -> its sentence (the same for the same outcome: a second tap says it again).
_SENTENCES: Final = {
    "lost": "waitlist_lost",
    "expired": "waitlist_expired",
    "declined": "waitlist_declined",
    "closed": "waitlist_closed",
}


@dataclass(frozen=True)
class WaitlistWords:
    locale: Locale

    def answer(self, answer: OfferAnswer) -> str:
        """The sentence for what a tap did."""
        if answer.outcome == "booked" and answer.starts_at is not None:
            when = formats.day_and_time(answer.starts_at, self.locale)
            return message(self.locale, "waitlist_booked", service=answer.service, member=answer.member, when=when)
        return message(self.locale, _SENTENCES.get(answer.outcome, "waitlist_unknown"))

    @staticmethod
    def already_done(sentence: str) -> str:
        """A note for the model when the customer also wrote something in the same turn."""
        return f"[Hecho ya con el botón de la oferta de la lista de espera, díselo al cliente: {sentence}]"
