"""Answers to recalls (docs/recalls.md), without the model: "No, gracias" is recorded and thanked
with a fixed sentence; "Reservar" is recorded and the agent gets the turn with a note that the
customer wants to book that service after a recall.

A recall's buttons carry `recall:<token>:<book|no>` (receptionist.reminders.recalls). The token is
looked up in the conversation's organization for the conversation's customer only, so another
business's or another customer's token finds nothing and changes nothing. Idempotent: the first
answer stays recorded (crm.recalls.record_answer), and a retried turn says the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol

from receptionist.crm.models import ChatIdentity, Organization
from receptionist.crm.recalls import AnsweredRecall, RecallAnswer
from receptionist.i18n.locales import customer_locale
from receptionist.processor.recall_wording import RecallWords
from receptionist.turns import BufferedMessage

POSTBACK_PREFIX: Final = "recall:"
_REPLY_KINDS: Final = frozenset({"quick_reply", "button_reply", "list_reply"})
_ACTIONS: Final[dict[str, RecallAnswer]] = {"book": "book", "no": "no"}


@dataclass(frozen=True)
class RecallTap:
    token: str
    action: RecallAnswer


def recall_tap_of(message: BufferedMessage) -> RecallTap | None:
    """The recall button a message is a tap on, if it is one (payload.postbackText; `id` / `reply`
    as some variants carry it)."""
    if message.message_type not in _REPLY_KINDS:
        return None
    for key in ("postbackText", "id", "reply"):
        value = message.content.get(key)
        if isinstance(value, str) and value.startswith(POSTBACK_PREFIX):
            token, _, action = value.removeprefix(POSTBACK_PREFIX).partition(":")
            if token and action in _ACTIONS:
                return RecallTap(token, _ACTIONS[action])
    return None


class RecallCrm(Protocol):
    """What answering a recall needs from the CRM (adapters.turn_crm.TurnCrm)."""

    def recall_for_customer(self, organization_id: str, customer_number: str, token: str) -> AnsweredRecall | None: ...

    def answer_recall(self, organization_id: str, recall_id: str, answer: RecallAnswer, turn_id: str) -> bool:
        """Record the tap (the first answer stays); whether it changed anything."""
        ...


@dataclass(frozen=True)
class RecallTurn:
    """`reply`: the whole answer to the taps, no model call (only "No, gracias" / unknown taps).
    Otherwise `notes` go before the customer's words in the agent's text. `sentences`: the fixed
    sentences said; `bookings`: "Reservar" taps (a person who owns the conversation books)."""

    reply: str | None = None
    notes: list[str] = field(default_factory=list)
    taps: int = 0
    sentences: list[str] = field(default_factory=list)
    bookings: int = 0

    def agent_notes(self) -> list[str]:
        """What the agent is told when it gets the turn anyway (other words in it): the notes, or
        what the taps already said."""
        return self.notes or [RecallWords.already_done(s) for s in self.sentences]


def answer_recalls(
    crm: RecallCrm, org: Organization, identity: ChatIdentity, messages: list[BufferedMessage], turn_id: str
) -> RecallTurn:
    taps = [tap for tap in (recall_tap_of(m) for m in messages) if tap is not None]
    if not taps:
        return RecallTurn()
    words = RecallWords(customer_locale(identity.language, org.settings.language))
    said: list[str] = []
    notes: list[str] = []
    for tap in taps:
        recall = crm.recall_for_customer(org.id, identity.customer_number, tap.token)
        if recall is None:
            said.append(words.unknown)
            continue
        crm.answer_recall(org.id, recall.recall_id, tap.action, turn_id)
        if tap.action == "no":
            said.append(words.thanks)
        else:
            notes.append(words.book_note(recall.service, recall.service_id))
    sentences = list(dict.fromkeys(said))
    notes = list(dict.fromkeys(notes))
    if not notes:
        return RecallTurn(reply=" ".join(sentences), taps=len(taps), sentences=sentences)
    return RecallTurn(
        notes=[words.already_done(s) for s in sentences] + notes,
        taps=len(taps),
        sentences=sentences,
        bookings=len(notes),
    )
