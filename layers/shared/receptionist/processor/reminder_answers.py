"""Answers to appointment reminders (issue 17): a Confirmar or Cancelar tap is applied here,
without the model; Cambiar, or a written reply while a reminder waits for an answer, goes to the
agent with the appointment in context.

A reminder's buttons carry `reminder:<token>:<confirm|cancel|change>` (receptionist.reminders).
The token is looked up in the conversation's organization for the conversation's customer only,
so another business's or another customer's token finds nothing and changes nothing. Applying a
tap twice (a retried turn, a second tap) leaves the appointment as the first did: confirm and
cancel are idempotent in the CRM, and recording the same answer again changes nothing.

A reminder belongs to the start time it was sent for: once the appointment has moved, a tap on
it changes nothing (the CRM's confirm / cancel are conditional on that time, so a move in
between is caught too) and the customer is told the appointment's current time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal, Protocol

from receptionist.crm.models import ChatIdentity, Organization
from receptionist.crm.reminders import AnsweredReminder, AppliedAnswer, ReminderAnswer
from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale, customer_locale
from receptionist.processor.media import Processed
from receptionist.turns import BufferedMessage

POSTBACK_PREFIX: Final = "reminder:"
_REPLY_KINDS: Final = frozenset({"quick_reply", "button_reply", "list_reply"})
TapAction = Literal["confirm", "cancel", "change"]
_ACTIONS: Final[dict[str, TapAction]] = {"confirm": "confirm", "cancel": "cancel", "change": "change"}


@dataclass(frozen=True)
class Tap:
    token: str
    action: TapAction


def tap_of(message: BufferedMessage) -> Tap | None:
    """The reminder button a message is a tap on, if it is one. Gupshup returns the button's
    postback as payload.postbackText; `id` / `reply` are read too, as some variants use them."""
    if message.message_type not in _REPLY_KINDS:
        return None
    content = message.content
    for key in ("postbackText", "id", "reply"):
        value = content.get(key)
        if isinstance(value, str) and value.startswith(POSTBACK_PREFIX):
            token, _, action = value.removeprefix(POSTBACK_PREFIX).partition(":")
            if token and action in _ACTIONS:
                return Tap(token, _ACTIONS[action])
    return None


class ReminderCrm(Protocol):
    """What answering a reminder needs from the CRM (adapters.turn_crm.TurnCrm)."""

    def reminder_for_customer(
        self, organization_id: str, customer_number: str, token: str
    ) -> AnsweredReminder | None: ...

    def awaiting_reminder(
        self, organization_id: str, customer_number: str, now: datetime, turn_id: str
    ) -> AnsweredReminder | None: ...

    def answer_reminder(
        self, organization_id: str, reminder: AnsweredReminder, answer: ReminderAnswer, turn_id: str
    ) -> AppliedAnswer:
        """Record the answer (a tap replaces an earlier one, a written reply only fills an empty
        one); for confirmed / cancelled also change the appointment through confirm / cancel."""
        ...


@dataclass(frozen=True)
class ReminderTurn:
    """`reply`: the whole answer, no model call (only Confirmar / Cancelar taps). Otherwise
    `notes` go before the customer's words in the agent's text (empty: nothing to do with a
    reminder). `sentences`: the fixed sentences of the taps applied here; `changes`: Cambiar taps
    (what a person who owns the conversation is told, with no model call)."""

    reply: str | None = None
    notes: list[str] = field(default_factory=list)
    taps: int = 0
    sentences: list[str] = field(default_factory=list)
    changes: int = 0

    def agent_notes(self) -> list[str]:
        """What the agent is told when it gets the turn anyway (a recall's Reservar in the same
        burst): the notes, or what the taps already did."""
        return self.notes or [_Words.already_done(s) for s in self.sentences]


def answer_reminders(
    crm: ReminderCrm,
    org: Organization,
    identity: ChatIdentity,
    messages: list[BufferedMessage],
    processed: list[Processed],
    now: datetime,
    turn_id: str,
) -> ReminderTurn:
    words = _Words(customer_locale(identity.language, org.settings.language))
    read = [(tap_of(m), p) for m, p in zip(messages, processed, strict=True)]
    taps = [tap for tap, _ in read if tap is not None]
    written = [p for tap, p in read if tap is None and p.text.strip()]
    if not taps:
        if not written:
            return ReminderTurn()
        waiting = crm.awaiting_reminder(org.id, identity.customer_number, now, turn_id)
        if waiting is None:
            return ReminderTurn()
        crm.answer_reminder(org.id, waiting, "typed", turn_id)
        return ReminderTurn(notes=[words.typed(waiting)])
    done: list[str] = []
    notes: list[str] = []
    for tap in taps:
        reminder = crm.reminder_for_customer(org.id, identity.customer_number, tap.token)
        if reminder is None:
            done.append(words.unknown)
        elif reminder.moved:  # whatever the button: the reminder was for another time
            done.append(
                words.past(reminder) if reminder.starts_at <= now else words.moved(reminder, reminder.starts_at)
            )
        elif tap.action == "change":
            crm.answer_reminder(org.id, reminder, "change", turn_id)
            notes.append(words.change(reminder))
        elif reminder.starts_at <= now:
            done.append(words.past(reminder))
        else:
            answer: ReminderAnswer = "confirmed" if tap.action == "confirm" else "cancelled"
            applied = crm.answer_reminder(org.id, reminder, answer, turn_id)
            if applied.error == "moved":  # moved between reading the tap and applying it
                done.append(words.moved(reminder, applied.starts_at or reminder.starts_at))
            else:
                done.append(words.applied(reminder, answer, applied))
    said = list(dict.fromkeys(done))
    if not notes and not written:
        return ReminderTurn(reply=" ".join(said), taps=len(taps), sentences=said)
    return ReminderTurn(
        notes=[words.already_done(s) for s in said] + notes, taps=len(taps), sentences=said, changes=len(notes)
    )


# -- wording -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Words:
    """The fixed sentences, in the customer's locale (the "messages" catalogue's reminder_*; days
    and times by Babel). The notes to the agent stay Spanish, as every note to it."""

    locale: Locale

    def when(self, r: AnsweredReminder, at: datetime | None = None) -> str:
        """The appointment's start (or `at`), local: "el lunes 5 de enero a las 10:00"."""
        return formats.day_and_time(at or r.starts_at, self.locale)

    @property
    def unknown(self) -> str:
        return message(self.locale, "reminder_unknown")

    def past(self, r: AnsweredReminder) -> str:
        return message(self.locale, "reminder_past", service=r.service, when=self.when(r))

    def moved(self, r: AnsweredReminder, now_at: datetime) -> str:
        """A tap on a reminder of an earlier time: nothing changed; where the appointment is now."""
        if r.status == "cancelled":
            return message(self.locale, "reminder_moved_cancelled", service=r.service)
        return message(self.locale, "reminder_moved", service=r.service, when=self.when(r, now_at))

    def applied(self, r: AnsweredReminder, answer: ReminderAnswer, applied: AppliedAnswer) -> str:
        values = {"service": r.service, "when": self.when(r)}
        if applied.status == "confirmed" and answer == "confirmed":
            return message(self.locale, "reminder_confirmed", member=r.member, **values)
        if applied.status == "cancelled" and answer == "cancelled":
            return message(self.locale, "reminder_cancelled", **values)
        if applied.status == "cancelled":
            return message(self.locale, "reminder_already_cancelled", **values)
        return message(self.locale, "reminder_unchangeable", status=applied.status, **values)

    def change(self, r: AnsweredReminder) -> str:
        return (
            f"[Respuesta a un recordatorio: el cliente pulsó «Cambiar» en el recordatorio de su cita de {r.service}"
            f" con {r.member}, {r.starts_at:%Y-%m-%d %H:%M} (id de la cita {r.appointment_id}). Quiere cambiarla:"
            " pregúntale qué día le viene bien y, cuando elija un hueco, usa reschedule_appointment con ese id.]"
        )

    def typed(self, r: AnsweredReminder) -> str:
        return (
            f"[Contexto: lo último que el negocio envió al cliente fue el recordatorio de su cita de {r.service}"
            f" con {r.member}, {r.starts_at:%Y-%m-%d %H:%M} (id de la cita {r.appointment_id}, estado {r.status})."
            " Su mensaje responde a ese recordatorio.]"
        )

    @staticmethod
    def already_done(sentence: str) -> str:
        return f"[Hecho ya con el botón del recordatorio, díselo al cliente: {sentence}]"
