"""One debounced turn per burst: latest ticket wins, earlier work settled, claim, media, gate,
agent, record, send.

Every window between two side effects heals itself (see receptionist/turns.py for the record):
- a ticket whose turn was already recorded (a retry after a crash, a redelivery, a redriven
  DLQ message) re-sends that record if it was not sent, and finishes only its own messages;
- the turn of a conversation's newest message first settles what earlier turns left behind:
  a recorded answer not yet sent is sent (before this turn's), and a turn that failed or was
  abandoned before recording its answer is run again under its own id, on its own messages
  (so whatever it already did, a booking say, is not done twice); newer messages follow in a
  next turn;
- a turn takes on at most TurnLimits; the rest is carried to a next turn by a ticket of its own;
- a turn's slow calls are bounded by a deadline from the invocation's remaining time; when the
  last attempt fails for any reason (time included) the customer gets the fallback sentence and
  staff a notice, the turn is recorded and its messages are done: nothing stays claimed.
Turn ids are stable across retries, so bookings, escalations, CRM rows and queue jobs keyed by
them are written once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, TypeAlias

from receptionist import disclosure
from receptionist.agent.choices import clip
from receptionist.agent.handoff_wording import MESSAGE_LEFT_NOTICE, message_noted
from receptionist.conversation_key import ConversationKey
from receptionist.crm.consent import IN_REFERENCE, OUT_REFERENCE, Source
from receptionist.crm.models import BudgetState, ChatIdentity, Organization
from receptionist.deadline import Deadline
from receptionist.i18n.catalogues import message
from receptionist.i18n.detection import detect, language_update
from receptionist.i18n.locales import Locale, customer_locale
from receptionist.messages import InboundTicket, OutboundJob, Queue, fifo_id
from receptionist.processor.media import Processed
from receptionist.processor.opt_words import read_turn
from receptionist.processor.ports import Agent, Crm, MessageReader, ReadReceipts, TurnLedger
from receptionist.processor.read_receipts import NoReadReceipts, reading_for
from receptionist.processor.recall_answers import RecallTurn, answer_recalls, recall_tap_of
from receptionist.processor.recall_wording import RecallWords
from receptionist.processor.reminder_answers import ReminderTurn, answer_reminders, tap_of
from receptionist.processor.turn_limits import TurnLimits, plan_turn
from receptionist.processor.waitlist_answers import answer_waitlist, waitlist_tap_of, with_waitlist
from receptionist.processor.waitlist_wording import OWNED_TAP_NOTICE as WAITLIST_TAP_NOTICE
from receptionist.turns import CLAIMED, AgentRequest, BufferedMessage, Latest, RecordOutcome, TurnRecord

logger = logging.getLogger(__name__)

ESCALATION_ON_FAILURE = "El asistente no pudo responder tras varios intentos"
OVER_BUDGET_NOTICE = {
    "turns": "Límite de mensajes por hora alcanzado en esta conversación; el asistente no responde",
    "tokens": "Límite diario de uso del asistente alcanzado en el negocio; el asistente no responde",
}
# The fixed sentences to the customer (never the model's words) are the "messages" catalogue's, in
# the customer's locale (_Said.locale): fallback_reply, media_failed_reply, over_budget_reply,
# change_by_a_person (a reminder's Cambiar tap while a person owns the conversation),
# opt_out_confirmation / opt_in_confirmation (a written "BAJA", the opt_out tool, "ALTA").
# What staff are told when a reminder's button is tapped in a conversation they own.
OWNED_TAP_NOTICE = "Botón de un recordatorio pulsado en una conversación que lleva el equipo. Se le ha respondido: "
NOTICE_CHARS = 300  # one line for the staff template's parameter


# What one ticket did: a recorded turn's outcome, or why no turn was recorded.
TurnOutcome: TypeAlias = (
    RecordOutcome | Literal["replayed", "nothing_pending", "skipped_debounce", "gave_up", "opted_in"]
)


@dataclass
class TurnReport:
    """What one ticket did: the outcome, counts and where the time went (EMF metrics)."""

    outcome: TurnOutcome
    turn_id: str | None = None
    messages: int = 0
    carried: int = 0  # left for the next turn (TurnLimits)
    taken_over: int = 0  # messages of a failed or abandoned turn answered by this one
    settled: int = 0  # earlier recorded turns this ticket sent and finished
    media_seconds: float = 0.0
    model_seconds: float = 0.0
    db_seconds: float = 0.0  # (its round trips are counted by the wiring's counters: processor/wiring.py)
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # of prompt_tokens, served from the provider's prompt cache
    tools: list[str] = field(default_factory=list)  # the agent's tool calls, "(failed)" marked
    search_degraded: int = 0  # knowledge searches that ran without embeddings
    calendar_fallbacks: int = 0  # booking re-checks left to the synced calendar blocks
    total_seconds: float = 0.0
    reply: str | None = None
    error: str | None = None  # the exception's type when the turn fell back

    @property
    def overhead_seconds(self) -> float:
        """The turn's own cost: everything but the model and media calls."""
        return max(0.0, self.total_seconds - self.model_seconds - self.media_seconds)


@dataclass
class TurnService:
    ledger: TurnLedger
    crm: Crm
    media: MessageReader
    agent: Agent
    outbound: Queue  # jobs for the notifier
    inbound: Queue  # tickets for this processor (a turn's carried messages)
    limits: TurnLimits = field(default_factory=TurnLimits)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # the turn's clock (reminder taps)
    receipts: ReadReceipts = field(default_factory=NoReadReceipts)  # blue ticks and "typing…"

    def handle(
        self, ticket: InboundTicket, deadline: Deadline | None = None, *, last_attempt: bool = False
    ) -> TurnReport:
        db_before = self.crm.seconds
        started = time.perf_counter()
        try:
            report = self._handle(ticket, deadline or Deadline.never(), last_attempt)
        finally:
            self.receipts.finish()  # the reply is recorded and queued by now
        report.total_seconds = time.perf_counter() - started
        report.db_seconds = self.crm.seconds - db_before
        return report

    def _handle(self, ticket: InboundTicket, deadline: Deadline, last_attempt: bool) -> TurnReport:
        if ticket.kind == "user_event":
            return self._user_event(ticket)
        conversation = ticket.conversation
        own = self.ledger.turn(conversation, ticket.message_id)
        if own is not None:  # answered before: re-send if it never went out, finish its messages
            self._complete(conversation, own, close_if_latest=own.turn_id)
            return TurnReport("replayed", turn_id=own.turn_id, reply=own.reply)
        latest = self.ledger.latest(conversation)
        if latest is None:
            return TurnReport("nothing_pending")
        if latest.message_id != ticket.message_id:
            return TurnReport("skipped_debounce")  # the newest message's ticket runs the turn
        available, settled = self._settle_earlier_turns(conversation)
        if not available:
            self.ledger.close(conversation, latest.message_id)
            return TurnReport("nothing_pending", settled=settled)
        selected, carried, turn_id = self._choose(available)
        self.ledger.claim(conversation, selected, turn_id)
        close = None if carried else latest.message_id
        try:
            report = self._turn(conversation, turn_id, selected, deadline, close)
        except Exception as exc:
            if not last_attempt:  # SQS delivers the ticket again
                raise
            report = self._give_up(conversation, turn_id, selected, close, exc)
        if carried:
            self._carry_on(conversation, latest, turn_id)
        report.carried, report.settled = len(carried), settled
        if turn_id != ticket.message_id and all(m.status == CLAIMED for m in selected):
            report.taken_over = len(selected)
        return report

    # -- earlier turns -----------------------------------------------------------------------
    def _settle_earlier_turns(self, conversation: str) -> tuple[list[BufferedMessage], int]:
        """Open messages minus those of recorded turns, which are sent and finished here; what
        is left (pending, or claimed by a turn that never recorded an answer) is this turn's."""
        messages = self.ledger.open_messages(conversation)
        finished: set[str] = set()
        settled = 0
        claimers = dict.fromkeys(m.turn_id for m in messages if m.status == CLAIMED and m.turn_id)
        for turn_id in claimers:
            assert turn_id is not None
            record = self.ledger.turn(conversation, turn_id)
            if record is not None:
                self._complete(conversation, record, close_if_latest=None)
                finished.update(record.message_keys)
                settled += 1
        return [m for m in messages if m.sk not in finished], settled

    def _choose(self, available: list[BufferedMessage]) -> tuple[list[BufferedMessage], list[BufferedMessage], str]:
        """This turn's messages, those carried to the next, and the turn's id. A turn that died
        before recording an answer comes first, whole and under its own id (its side effects are
        keyed by it); otherwise the oldest messages within the limits."""
        ordered = sorted(available, key=lambda m: m.sk)
        unfinished = next((m.turn_id for m in ordered if m.status == CLAIMED and m.turn_id), None)
        if unfinished is not None:
            selected = [m for m in ordered if m.status == CLAIMED and m.turn_id == unfinished]
            return selected, [m for m in ordered if m not in selected], unfinished
        selected, carried = plan_turn(ordered, self.limits)
        return selected, carried, selected[-1].message_id

    def _carry_on(self, conversation: str, latest: Latest, turn_id: str) -> None:
        """Messages over the turn's limits: a ticket for the next turn (the sweep re-sends it if
        this one is lost, since the conversation stays on its list)."""
        ticket = InboundTicket(conversation=conversation, message_id=latest.message_id)
        self.inbound.send(ticket, group=ConversationKey.parse(conversation).group, dedup_id=fifo_id(f"more#{turn_id}"))

    # -- the turn ----------------------------------------------------------------------------
    def _turn(
        self, conversation: str, turn_id: str, selected: list[BufferedMessage], deadline: Deadline, close: str | None
    ) -> TurnReport:
        report = TurnReport("answered", turn_id=turn_id, messages=len(selected))
        ids = [m.sk for m in selected]
        key = ConversationKey.parse(conversation)
        org = self.crm.organization(key.app)
        if org is None:
            logger.warning("messages for an unknown Gupshup app dropped", extra={"turn_id": turn_id})
            return self._record_and_send(conversation, TurnRecord(turn_id, ids, "unknown_app"), close, report)
        with self.crm.acting_for(org.id):  # the conversation's organization, and only its rows
            return self._answer(conversation, org, key.number, turn_id, selected, deadline, close, report)

    def _answer(
        self,
        conversation: str,
        org: Organization,
        number: str,
        turn_id: str,
        selected: list[BufferedMessage],
        deadline: Deadline,
        close: str | None,
        report: TurnReport,
    ) -> TurnReport:
        ids = [m.sk for m in selected]
        last_at = datetime.fromtimestamp(max(m.received_at_ms for m in selected) / 1000, tz=UTC)
        name = next((m.sender_name for m in reversed(selected) if m.sender_name), None)
        identity = self.crm.touch_identity(org.id, number, name, last_at, disclosure.silence(org.settings))
        if (typing := reading_for(identity, selected)) is not None:  # in the background: never waited for
            self.receipts.begin(org, selected[-1].message_id, typing=typing)
        processed = self._read(conversation, org.id, identity.id, turn_id, selected, deadline, report)
        identity = self._customer_language(org, identity, selected, processed)  # before anything is worded
        said = _Said(org, identity)  # replies of this turn carry the AI disclosure when it is due
        opted = self._opt_words(conversation, said, turn_id, selected, last_at, close, report)
        if opted is not None:
            return opted
        # A recall's taps are answered apart (processor/recall_answers.py); the rest of the turn's
        # messages are what the reminders' and waitlist offers' answers and the agent read.
        recall = answer_recalls(self.crm, org, identity, [m for m in selected if recall_tap_of(m)], turn_id)
        rest = [(m, p) for m, p in zip(selected, processed, strict=True) if recall_tap_of(m) is None]
        selected_rest, processed_rest = [m for m, _ in rest], [p for _, p in rest]
        reminder = ReminderTurn()
        offers = any(waitlist_tap_of(m) for m in selected_rest)
        if identity.bot_enabled or offers or any(tap_of(m) for m in selected_rest):
            # A Confirmar / Cancelar tap (or a waitlist offer's Aceptar / No, gracias) is the
            # customer's own instruction: applied even while a person owns the conversation (no
            # model call; the person sees it in the transcript).
            reminder = self._taps(org, identity, turn_id, selected_rest, processed_rest, deadline)
        if not identity.bot_enabled:
            if reminder.taps or recall.taps:
                notice_head = WAITLIST_TAP_NOTICE if offers else None
                record = _tap_while_owned(said, turn_id, ids, reminder, recall, notice_head)
                return self._record_and_send(conversation, record, close, report, said)
            noted = self._message_for_staff(said, turn_id, ids, processed)
            if noted is not None:
                return self._record_and_send(conversation, noted, close, report, said)
            return self._record_and_send(conversation, TurnRecord(turn_id, ids, "human_owned"), close, report)
        if recall.taps and recall.reply is not None and (reminder.reply is not None or not _has_text(processed_rest)):
            reply = " ".join(r for r in (reminder.reply, recall.reply) if r)
            record = TurnRecord(turn_id, ids, "recall_answer", reply=reply)
            return self._record_and_send(conversation, record, close, report, said)
        if reminder.reply is not None and not recall.taps:
            record = TurnRecord(turn_id, ids, "reminder_answer", reply=reminder.reply)
            return self._record_and_send(conversation, record, close, report, said)
        if all(p.failed for p in processed):
            record = TurnRecord(turn_id, ids, "media_failed", reply=message(said.locale, "media_failed_reply"))
            return self._record_and_send(conversation, record, close, report, said)
        budget = self.crm.budget(org.id, identity.id)
        if budget.exceeded is not None:
            return self._over_budget(conversation, said, turn_id, ids, budget, close, report)
        recall_notes = recall.agent_notes() if recall.taps else []
        text = "\n".join([*reminder.agent_notes(), *recall_notes, self._prompt_text(processed)])
        request = AgentRequest(org, identity, turn_id, text, deadline)
        started, db_before = time.perf_counter(), self.crm.seconds
        answer = self.agent(request)
        self.crm.record_usage(org.id, identity.id, turn_id, answer)
        # The agent's tools also use the database; count that time as database, not model.
        report.model_seconds = (time.perf_counter() - started) - (self.crm.seconds - db_before)
        report.model_calls = answer.model_calls
        report.prompt_tokens, report.completion_tokens = answer.prompt_tokens, answer.completion_tokens
        report.cached_tokens = answer.cached_tokens
        report.tools, report.search_degraded = answer.tools, answer.search_degraded
        report.calendar_fallbacks = answer.calendar_fallbacks
        if answer.opted_out:  # the assistant's opt_out tool: the fixed confirmation, not the model's words
            confirmation = message(said.locale, "opt_out_confirmation")
            record = TurnRecord(
                turn_id, ids, "opt_out", reply=confirmation, reply_kind="opt_out", escalations=answer.escalations
            )
            return self._record_and_send(conversation, record, close, report, said)
        record = TurnRecord(
            turn_id,
            ids,
            "answered",
            reply=_with_handoff_note(answer.reply, answer.handoff_note) or message(said.locale, "fallback_reply"),
            escalations=answer.escalations,
            choices=answer.choices if answer.reply else [],
        )
        return self._record_and_send(conversation, record, close, report, said)

    def _taps(
        self,
        org: Organization,
        identity: ChatIdentity,
        turn_id: str,
        selected: list[BufferedMessage],
        processed: list[Processed],
        deadline: Deadline,
    ) -> ReminderTurn:
        """The turn's button taps: reminders' (processor/reminder_answers.py) and waitlist offers'
        (processor/waitlist_answers.py); an offer's tap is not a written reply to a reminder."""
        rest = [(m, p) for m, p in zip(selected, processed, strict=True) if waitlist_tap_of(m) is None]
        now = self.now()
        turn = answer_reminders(self.crm, org, identity, [m for m, _ in rest], [p for _, p in rest], now, turn_id)
        said = answer_waitlist(self.crm, org, identity, selected, now, deadline)
        written = any(tap_of(m) is None and p.text.strip() for m, p in rest)
        return with_waitlist(turn, said, written=written)

    def _message_for_staff(
        self, said: _Said, turn_id: str, ids: list[str], processed: list[Processed]
    ) -> TurnRecord | None:
        """While a person owns the conversation and nobody has answered, the follow-up pass offered
        to take a message (receptionist/reminders/handoff.py): the customer's next words are that message, kept
        on the escalation for staff (the inbox and the conversation show it), acknowledged once with
        a fixed sentence, and staff told. None: not such a turn (the person answers as ever)."""
        text = self._prompt_text(processed)
        org, identity = said.organization, said.identity
        if not text.strip() or not self.crm.note_customer_message(org.id, identity.id, turn_id, text, self.now()):
            return None
        reply = message_noted(said.locale)
        return TurnRecord(turn_id, ids, "human_owned", reply=reply, escalations=[MESSAGE_LEFT_NOTICE])

    def _opt_words(
        self,
        conversation: str,
        said: _Said,
        turn_id: str,
        selected: list[BufferedMessage],
        at: datetime,
        close: str | None,
        report: TurnReport,
    ) -> TurnReport | None:
        """A written opt-out or opt-in (processor/opt_words.py), honoured like Gupshup's events and
        confirmed once with a fixed sentence; and what an opted-out customer's message does: an
        acknowledgement or another opt-out changes nothing (no answer), anything else asks for
        something, which opts them back in for service replies only (reminders and marketing stay
        withdrawn) and is answered. Applied whoever owns the conversation. None: the turn goes on.

        A retry finds what its earlier attempt wrote (its consent events, keyed by the turn) and
        says the same; the confirmation is in the turn record, so it is sent exactly once."""
        org, identity = said.organization, said.identity
        ids = [m.sk for m in selected]
        words = read_turn((m.message_type, _written(m)) for m in selected)
        if not identity.opted_out and words.choice is None:
            return None
        own = None
        if identity.opted_out or words.choice == "in":
            own = self.crm.own_opt_change(org.id, identity.id, turn_id)
        if own == "out" or (words.choice == "out" and not identity.opted_out):
            if own is None:
                reference = OUT_REFERENCE.format(turn=turn_id)
                self.crm.opt_out(org.id, identity.id, at, "written", reference)
            record = TurnRecord(
                turn_id, ids, "opt_out", reply=message(said.locale, "opt_out_confirmation"), reply_kind="opt_out"
            )
            return self._record_and_send(conversation, record, close, report, said)
        if identity.opted_out:  # by an earlier turn, the front desk or Gupshup's event
            if words.choice == "out" or words.only_acks:
                return self._record_and_send(conversation, TurnRecord(turn_id, ids, "opted_out"), close, report)
            source: Source = "written" if words.choice == "in" else "whatsapp"
            if not self.crm.opt_in(org.id, identity.id, at, source, IN_REFERENCE.format(turn=turn_id)):
                # Written before the opt-out was (its event is newer): that stands.
                return self._record_and_send(conversation, TurnRecord(turn_id, ids, "opted_out"), close, report)
            own = "in"
        if own == "in" and words.choice == "in":
            record = TurnRecord(turn_id, ids, "opt_in", reply=message(said.locale, "opt_in_confirmation"))
            return self._record_and_send(conversation, record, close, report, said)
        return None

    def _over_budget(
        self,
        conversation: str,
        said: _Said,
        turn_id: str,
        ids: list[str],
        budget: BudgetState,
        close: str | None,
        report: TurnReport,
    ) -> TurnReport:
        """Past a budget: no model call; a fixed sentence, and staff told once per window (the
        messages are stored: a person can answer)."""
        scope = budget.exceeded
        assert scope is not None
        organization_id, identity_id = said.organization.id, said.identity.id
        window = budget.hour_start if scope == "turns" else budget.day_start
        key = f"turns:{identity_id}" if scope == "turns" else "tokens"
        notice = [OVER_BUDGET_NOTICE[scope]] if self.crm.first_budget_notice(organization_id, key, window) else []
        logger.warning("budget exceeded; the model is not called", extra={"turn_id": turn_id, "budget": scope})
        record = TurnRecord(
            turn_id, ids, "over_budget", reply=message(said.locale, "over_budget_reply"), escalations=notice
        )
        return self._record_and_send(conversation, record, close, report, said)

    def _read(
        self,
        conversation: str,
        organization_id: str,
        identity_id: str,
        turn_id: str,
        messages: list[BufferedMessage],
        deadline: Deadline,
        report: TurnReport,
    ) -> list[Processed]:
        """Each message's text, read once: what an earlier attempt stored is reused (a voice
        note is never transcribed twice); each new one is stored as soon as it is read."""
        stored = self.crm.processed_texts(organization_id, [m.message_id for m in messages])
        out: list[Processed] = []
        for m in messages:
            if m.message_id in stored:
                out.append(self.media.stored(m.message_type, stored[m.message_id]))
                continue
            started = time.perf_counter()
            item = self.media.read(conversation, m, deadline)
            report.media_seconds += time.perf_counter() - started
            self.crm.record_inbound(organization_id, identity_id, m, item.text, turn_id)
            out.append(item)
        return out

    def _customer_language(
        self, org: Organization, identity: ChatIdentity, selected: list[BufferedMessage], processed: list[Processed]
    ) -> ChatIdentity:
        """The customer's language, from their own words this turn (i18n/detection.py's rule), so
        every sentence of this turn is in it. One update, only on the turn that sets or changes it."""
        if identity.language_source == "staff":
            return identity
        words = " ".join(w for m, p in zip(selected, processed, strict=True) if (w := _own_words(m, p)))
        if not words:
            return identity
        locale = language_update(identity.language, identity.language_source, detect(words))
        if locale is None or not self.crm.set_detected_language(org.id, identity.id, locale, self.now()):
            return identity
        return replace(identity, language=locale, language_source="detected")

    def _prompt_text(self, processed: list[Processed]) -> str:
        """The turn's text for the model, never over the character budget (the CRM keeps it all)."""
        limit = self.limits.max_chars
        parts = [p.text if len(p.text) <= limit else p.text[:limit] + " […]" for p in processed if p.text]
        text = "\n".join(parts)
        return text if len(text) <= limit else text[:limit] + " […]"

    def _record_and_send(
        self, conversation: str, record: TurnRecord, close: str | None, report: TurnReport, said: _Said | None = None
    ) -> TurnReport:
        stored = self.ledger.record_turn(conversation, self._disclosed(record, said))
        self._complete(conversation, stored, close_if_latest=close)
        report.outcome, report.reply = stored.outcome, stored.reply
        return report

    def _disclosed(self, record: TurnRecord, said: _Said | None) -> TurnRecord:
        """A reply to the customer (`said`: whom) starts with the AI disclosure when it is due
        (receptionist/disclosure.py). Marked on the identity before the turn is recorded: a retry
        of this turn finds it marked for this turn and records the same reply; any other turn,
        not due."""
        if said is None or not record.reply or not disclosure.due(said.identity, record.turn_id):
            return record
        text = disclosure.text_for(said.organization.settings, said.organization.name, said.locale)
        self.crm.mark_disclosed(said.organization.id, said.identity.id, record.turn_id, disclosure.version_of(text))
        return replace(record, reply=disclosure.disclosed(text, record.reply))

    def _complete(self, conversation: str, record: TurnRecord, *, close_if_latest: str | None) -> None:
        """Send a record's jobs (deduplicated by job id) and finish it. Safe to repeat."""
        if record.sent:
            if close_if_latest:
                self.ledger.close(conversation, close_if_latest)
            return
        group = ConversationKey.parse(conversation).group
        for job in outbound_jobs(conversation, record):
            self.outbound.send(job, group=group, dedup_id=fifo_id(job.job_id))
        self.ledger.finish(conversation, record, close_if_latest=close_if_latest)

    # -- the last attempt failed -------------------------------------------------------------
    def _give_up(
        self, conversation: str, turn_id: str, selected: list[BufferedMessage], close: str | None, error: Exception
    ) -> TurnReport:
        """A fallback sentence to the customer, a notice to staff (the bot stays off until they
        hand the conversation back), the turn recorded and its messages done. Raises only if
        even that cannot be done (the ticket then reaches the DLQ and the sweep tries again)."""
        logger.error(
            "turn failed on its last attempt; falling back", extra={"turn_id": turn_id, "error": type(error).__name__}
        )
        report = TurnReport("gave_up", turn_id=turn_id, messages=len(selected), error=type(error).__name__)
        ids = [m.sk for m in selected]
        key = ConversationKey.parse(conversation)
        org = self.crm.organization(key.app)
        if org is None:
            return self._record_and_send(conversation, TurnRecord(turn_id, ids, "unknown_app"), close, report)
        with self.crm.acting_for(org.id):
            return self._fall_back(conversation, org, key.number, turn_id, selected, close, report)

    def _fall_back(
        self,
        conversation: str,
        org: Organization,
        number: str,
        turn_id: str,
        selected: list[BufferedMessage],
        close: str | None,
        report: TurnReport,
    ) -> TurnReport:
        ids = [m.sk for m in selected]
        organization_id = org.id
        identity = self.crm.touch_identity(organization_id, number, None, None)
        self._record_unread(conversation, organization_id, identity.id, turn_id, selected)
        fallback = TurnRecord(
            turn_id,
            ids,
            "fallback",
            reply=message(_Said(org, identity).locale, "fallback_reply"),
            reply_kind="fallback",
            escalations=[ESCALATION_ON_FAILURE],
        )
        stored = self.ledger.record_turn(conversation, self._disclosed(fallback, _Said(org, identity)))
        if stored.outcome == "fallback":  # else an answer was recorded after all: it goes out
            self.crm.open_escalation(organization_id, identity.id, ESCALATION_ON_FAILURE, turn_id)
        self._complete(conversation, stored, close_if_latest=close)
        report.reply = stored.reply
        report.outcome = "gave_up" if stored.outcome == "fallback" else stored.outcome
        return report

    def _record_unread(
        self, conversation: str, organization_id: str, identity_id: str, turn_id: str, selected: list[BufferedMessage]
    ) -> None:
        """Messages the failed turn did not get to store still reach the CRM (staff read them);
        media is not read again, it gets its 'could not be read' note."""
        try:
            stored = self.crm.processed_texts(organization_id, [m.message_id for m in selected])
            for m in selected:
                if m.message_id not in stored:
                    item = self.media.read(conversation, m, Deadline.passed())  # no media calls now
                    self.crm.record_inbound(organization_id, identity_id, m, item.text, turn_id)
        except Exception as exc:  # the fallback matters more than the history
            logger.warning("unread messages not stored", extra={"turn_id": turn_id, "error": type(exc).__name__})

    # -- opt-in / opt-out --------------------------------------------------------------------
    def _user_event(self, ticket: InboundTicket) -> TurnReport:
        assert ticket.event is not None
        key = ConversationKey.parse(ticket.conversation)
        org = self.crm.organization(key.app)
        if org is None:
            return TurnReport("unknown_app")
        with self.crm.acting_for(org.id):
            identity = self.crm.touch_identity(org.id, key.number, None, None)
            at = datetime.fromtimestamp(ticket.event.occurred_at / 1000, tz=UTC)
            # The event's own id is its reference: a redelivered event writes nothing twice.
            change = self.crm.opt_out if ticket.event.type == "opted-out" else self.crm.opt_in
            change(org.id, identity.id, at, "gupshup", ticket.message_id)
        return TurnReport("opted_out" if ticket.event.type == "opted-out" else "opted_in")


@dataclass(frozen=True)
class _Said:
    """Whom a turn's reply goes to: the business and the customer's identity as the turn read it."""

    organization: Organization
    identity: ChatIdentity

    @property
    def locale(self) -> Locale:
        """What the code's sentences are written in: the customer's language, else the business's."""
        return customer_locale(self.identity.language, self.organization.settings.language)


def _with_handoff_note(reply: str, note: str | None) -> str:
    """The model's reply, ended by the code's sentence on when someone will answer (escalated
    outside the hours for people); the sentence alone when the model said nothing."""
    if not note:
        return reply
    return f"{reply.rstrip()}\n\n{note}" if reply.strip() else note


def _written(message: BufferedMessage) -> str | None:
    """The customer's own written words, for a text message (opt words are read only there)."""
    text = message.content.get("text") if message.message_type == "text" else None
    return text if isinstance(text, str) else None


def _own_words(message: BufferedMessage, processed: Processed) -> str:
    """What the customer wrote or said (a voice note's transcript), for their language; a button's
    label or a media note is the business's or the code's words, not theirs."""
    if message.message_type == "text":
        return _written(message) or ""
    if message.message_type in ("audio", "voice") and not processed.failed:
        return processed.text.split("]", 1)[-1]  # without the code's "[Nota de voz]" mark
    return ""


def _tap_while_owned(
    said_to: _Said,
    turn_id: str,
    ids: list[str],
    reminder: ReminderTurn,
    recall: RecallTurn | None = None,
    notice_head: str | None = None,
) -> TurnRecord:
    """A reminder's, waitlist offer's or recall's tap while a person owns the conversation is never
    silent: the customer gets the tap's fixed sentence (it reaches the transcript as the business's
    message), and staff a notice saying what the tap did; no model call ("Reservar": the person
    books). Written words in the same turn stay the person's to answer. Everything is in the
    record, so a retry says it once."""
    recall = recall or RecallTurn()
    words = RecallWords(said_to.locale)
    change = [message(said_to.locale, "change_by_a_person")] if reminder.changes else []
    book = [words.book_by_a_person] if recall.bookings else []
    said = " ".join([*reminder.sentences, *change, *recall.sentences, *book])
    if reminder.taps:
        notice = clip((notice_head or OWNED_TAP_NOTICE) + said, NOTICE_CHARS)
        return TurnRecord(turn_id, ids, "reminder_answer", reply=said, escalations=[notice])
    return TurnRecord(
        turn_id, ids, "recall_answer", reply=said, escalations=[clip(words.staff_notice(said), NOTICE_CHARS)]
    )


def _has_text(processed: list[Processed]) -> bool:
    return any(p.text.strip() for p in processed)


def outbound_jobs(conversation: str, record: TurnRecord) -> list[OutboundJob]:
    """What a recorded turn says on WhatsApp: its reply, then one staff notice per escalation.
    Job ids derive from the turn id, so a re-sent record makes the same jobs."""
    jobs = (
        [OutboundJob.for_reply(conversation, record.turn_id, record.reply, record.reply_kind, record.choices)]
        if record.reply
        else []
    )
    return jobs + [
        OutboundJob.for_escalation(conversation, record.turn_id, index, reason)
        for index, reason in enumerate(record.escalations)
    ]
