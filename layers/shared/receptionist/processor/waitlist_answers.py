"""Answers to waitlist offers (issue 29): a Lo quiero / No, gracias tap on an offer the offer pass
sent is applied here, without the model, like a reminder's Confirmar / Cancelar
(processor/reminder_answers.py).

An offer's buttons carry `waitlist:<token>:<accept|decline>`. The CRM looks the token up in the
conversation's organization for the conversation's customer only and applies the tap in one
transaction (crm/waitlist_answers.py); the customer gets the fixed sentence of what it did, in the
business's language (processor/waitlist_wording.py). A second tap of the same button (or a retried
turn) finds the first's result and says the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Protocol

from receptionist.crm.models import ChatIdentity, Organization
from receptionist.crm.waitlist_answers import OfferAction, OfferAnswer
from receptionist.deadline import Deadline
from receptionist.i18n.locales import customer_locale
from receptionist.processor.reminder_answers import ReminderTurn
from receptionist.processor.waitlist_wording import WaitlistWords
from receptionist.turns import BufferedMessage

POSTBACK_PREFIX: Final = "waitlist:"
_REPLY_KINDS: Final = frozenset({"quick_reply", "button_reply", "list_reply"})
_ACTIONS: Final[dict[str, OfferAction]] = {"accept": "accept", "decline": "decline"}


@dataclass(frozen=True)
class WaitlistTap:
    token: str
    action: OfferAction


def waitlist_tap_of(message: BufferedMessage) -> WaitlistTap | None:
    """The waitlist offer button a message is a tap on, if it is one (Gupshup's postbackText, or
    `id` / `reply` in the variants that use them)."""
    if message.message_type not in _REPLY_KINDS:
        return None
    for key in ("postbackText", "id", "reply"):
        value = message.content.get(key)
        if isinstance(value, str) and value.startswith(POSTBACK_PREFIX):
            token, _, action = value.removeprefix(POSTBACK_PREFIX).partition(":")
            if token and action in _ACTIONS:
                return WaitlistTap(token, _ACTIONS[action])
    return None


class WaitlistCrm(Protocol):
    """What answering an offer needs from the CRM (adapters.turn_crm.TurnCrm)."""

    def answer_waitlist_offer(
        self,
        organization: Organization,
        customer_number: str,
        token: str,
        action: OfferAction,
        now: datetime,
        deadline: Deadline,
    ) -> OfferAnswer:
        """Apply the tap in one transaction (idempotent); what it did. `deadline`: the turn's, for
        the member's own calendar asked by the booking's slot guard."""
        ...


def answer_waitlist(
    crm: WaitlistCrm,
    org: Organization,
    identity: ChatIdentity,
    messages: list[BufferedMessage],
    now: datetime,
    deadline: Deadline,
) -> list[str]:
    """The sentences of this turn's waitlist taps, in order, each said once."""
    words = WaitlistWords(customer_locale(identity.language, org.settings.language))
    said: list[str] = []
    for message in messages:
        tap = waitlist_tap_of(message)
        if tap is not None:
            answer = crm.answer_waitlist_offer(org, identity.customer_number, tap.token, tap.action, now, deadline)
            said.append(words.answer(answer))
    return list(dict.fromkeys(said))


def with_waitlist(turn: ReminderTurn, said: list[str], *, written: bool) -> ReminderTurn:
    """The turn's tap answers, the waitlist's added to the reminders': one reply without the model
    when the customer wrote nothing else (and no reminder note needs the model); otherwise notes
    telling the model what the taps did. `written`: the customer also wrote words this turn."""
    if not said:
        return turn
    sentences = [*turn.sentences, *said]
    taps = turn.taps + len(said)
    if turn.reply is not None or (not turn.notes and not written):
        return ReminderTurn(reply=" ".join(sentences), taps=taps, sentences=sentences, changes=turn.changes)
    notes = [*(WaitlistWords.already_done(s) for s in said), *turn.notes]
    return replace(turn, notes=notes, taps=taps, sentences=sentences)
