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
from receptionist.languages import Language, language_of
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
        return self.notes or [_Words("es").already_done(s) for s in self.sentences]


def answer_reminders(
    crm: ReminderCrm,
    org: Organization,
    identity: ChatIdentity,
    messages: list[BufferedMessage],
    processed: list[Processed],
    now: datetime,
    turn_id: str,
) -> ReminderTurn:
    words = _Words.of(org.settings.language)
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
_WEEKDAYS = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


@dataclass(frozen=True)
class _Words:
    """The fixed sentences, in the business's language (Spanish unless it is English)."""

    lang: Language

    @classmethod
    def of(cls, language: str) -> _Words:
        return cls(language_of(language))

    def when(self, r: AnsweredReminder, at: datetime | None = None) -> str:
        """The appointment's start (or `at`), local: "el lunes 05/01 a las 10:00"."""
        start = at or r.starts_at
        day = _WEEKDAYS[self.lang][start.weekday()]
        if self.lang == "en":
            return f"{day} {start:%d/%m} at {start:%H:%M}"
        return f"el {day} {start:%d/%m} a las {start:%H:%M}"

    @property
    def unknown(self) -> str:
        if self.lang == "en":
            return "I can't find the appointment of that reminder. Tell me what you need and I'll help you."
        return "No encuentro la cita de ese recordatorio. Dime qué necesitas y te ayudo."

    def past(self, r: AnsweredReminder) -> str:
        if self.lang == "en":
            return f"Your {r.service} appointment ({self.when(r)}) has already started or passed."
        return f"Tu cita de {r.service} ({self.when(r)}) ya ha empezado o ha pasado."

    def moved(self, r: AnsweredReminder, now_at: datetime) -> str:
        """A tap on a reminder of an earlier time: nothing changed; where the appointment is now."""
        en = self.lang == "en"
        if r.status == "cancelled":
            if en:
                return f"That reminder was for an earlier time, and your {r.service} appointment is cancelled."
            return f"Ese recordatorio era de otra hora y tu cita de {r.service} ya está cancelada."
        if en:
            return (
                f"Your {r.service} appointment was moved: it is now {self.when(r, now_at)}."
                " That reminder was for the earlier time, so I haven't changed anything."
            )
        return (
            f"Tu cita de {r.service} cambió de hora: ahora es {self.when(r, now_at)}."
            " Ese recordatorio era de la hora anterior, así que no he cambiado nada."
        )

    def applied(self, r: AnsweredReminder, answer: ReminderAnswer, applied: AppliedAnswer) -> str:
        en = self.lang == "en"
        if applied.status == "confirmed" and answer == "confirmed":
            if en:
                return f"Thank you! Your {r.service} appointment with {r.member} {self.when(r)} is confirmed."
            return f"¡Gracias! Tu cita de {r.service} con {r.member} {self.when(r)} queda confirmada."
        if applied.status == "cancelled" and answer == "cancelled":
            if en:
                return f"Done: your {r.service} appointment {self.when(r)} is cancelled. Write to us for a new one."
            return (
                f"Hecho: hemos cancelado tu cita de {r.service} {self.when(r)}."
                " Si quieres otra fecha, escríbenos por aquí."
            )
        if applied.status == "cancelled":
            if en:
                return f"That appointment ({r.service}, {self.when(r)}) was already cancelled. Want a new one?"
            return f"Esa cita ({r.service}, {self.when(r)}) ya estaba cancelada. ¿Quieres reservar otra?"
        if en:
            return f"That appointment ({r.service}, {self.when(r)}) can no longer be changed here ({applied.status})."
        return f"Esa cita ({r.service}, {self.when(r)}) ya no se puede cambiar por aquí (está {applied.status})."

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

    def already_done(self, sentence: str) -> str:
        return f"[Hecho ya con el botón del recordatorio, díselo al cliente: {sentence}]"
