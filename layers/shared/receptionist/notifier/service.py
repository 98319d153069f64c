"""The notifier's delivery logic: one outbound job -> Gupshup sends and CRM records.

Jobs (receptionist.messages.OutboundJob), in the order the FIFO queue gives them per conversation:
- reply / fallback: a text for the customer. Split into parts of at most 4,096 characters
  (paragraph, then sentence boundaries), sent in order, each part its own outbound
  chat_messages row (same turn_id, part_index), written here and only here. Only inside
  WhatsApp's 24-hour window and never to a customer who opted out: otherwise nothing is sent
  and the row is marked undeliverable.
  A reply with choices (slots, services, appointments to tap) goes out as a list message or
  reply buttons with the reply as its body (notifier/interactive.py), still one row whose text
  is the reply; as plain text when the business turned interactive replies off
  (agent_settings.interactive_replies), when the reply is too long for an interactive body, or
  when Gupshup refuses the interactive message for good (then the text is sent instead).
- opt_out: the fixed confirmation of a customer's written opt-out ("BAJA", the assistant's
  opt_out tool), delivered as a reply although the customer has just opted out: the one message
  they get after it (window and parts as a reply).
- human_reply (the staff console): a staff member's text to the customer, delivered exactly as
  a reply (parts, window, opt-out, one row per part), its rows keyed by the job id and carrying
  sent_by = "staff:<author>".
- human_template (the staff console): an approved template to the customer with the job's
  parameters; allowed outside the 24-hour window, never to a customer who opted out; one row
  (kind template, the rendered preview as its text, sent_by = "staff:<author>").
  Neither human kind turns the bot on or off: the console does that.
- reminder (receptionist.reminders): an appointment reminder, delivered as a human_template
  (no window, never to an opted-out customer, one row kind template, sent_by NULL) with the
  job's postback texts on the template's quick-reply buttons; the appointment_reminders row
  is then marked 'sent', or 'skipped' when it was not sent for good (opted out, refused, no
  conversation with the customer). Right before it is sent (one read, in every delivery attempt
  that has not sent it yet), the reminder must still be current: its appointment pending or
  confirmed, still at the start time the reminder is for, and not started. Otherwise it is void:
  nothing is sent, the row is marked undeliverable and the reminder 'skipped' with its reason
  (skip_reason cancelled / moved / started, or gone), outcome "outdated".
- offer (the waitlist's offer pass; recalls): something the customer can tap, its row named by
  offer_ref ("waitlist:<id>"). With a template_id: delivered as a reminder is (an approved template
  with quick replies carrying the offer's token; no window; never to an opted-out customer). Without:
  a session message with reply buttons (the job's choices), only inside the 24-hour window, never
  to an opted-out customer, never as plain text (the buttons are the answer). One row (kind
  template, or text). The row is then marked 'sent' (Gupshup accepted it) or 'failed' with why
  (opted out, outside the window, refused for good, no conversation); a delivery status "failed"
  Gupshup reports later for that message marks it 'failed' too.
- escalation: every staff number of the organization gets the escalation template, whose
  parameters follow notification_settings.template_params; for a conversation assigned to a staff
  member who gave their own WhatsApp number (console_users.whatsapp_number), that number alone.
  (The processor already turned the bot off when it recorded the escalation; that is the one
  place it happens.) Each staff send Gupshup accepts is recorded once (staff_template_sends: the
  number's first digits only) for the daily roll-up's WhatsApp cost (docs/stats.md "Staff notices").
- staff_notice (receptionist.calendar.notices): a short text for the business's staff, named by
  its organization (no conversation): every staff number (notification_settings.staff_numbers)
  gets it the way an escalation reaches them, as the escalation template (inside or outside the
  24-hour window), its text as the template's `reason` (customer_name: "Calendario"/"Calendar",
  customer_number: "-"). Without staff numbers or template: "not_configured".
- status: a delivery state from the webhook, applied to the outbound message it is about
  (matched on Gupshup's id: gsId when given, else the event's id); never backwards.

Reliability:
- Each send is retried on transient errors (timeouts, 429, 5xx, rate limits) with full-jitter
  backoff, bounded by the Lambda's remaining time; when the retries run out the job raises, so
  its SQS record fails and is redelivered (then the DLQ takes it). Permanent errors (invalid
  number, template not found...) are recorded and not retried.
- Idempotent twice over: per job (key job_id) and per send (key job_id#part, or
  job_id#staff#number; a human template: job_id#0), so neither a redelivered job nor a retry
  after part 1 of 3 sends
  anything twice. Status jobs need no key: applying a state is idempotent by itself.

The service never logs customer numbers or text; its report carries counts and labels only.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from receptionist.adapters.gupshup_api import AppCredentials, GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.crm.models import Organization, VoidReason
from receptionist.i18n import catalogues
from receptionist.i18n.locales import Locale, customer_locale, locale_of
from receptionist.messages import DeliveryStatus, OutboundJob
from receptionist.notifier.interactive import interactive_form, interactive_message
from receptionist.notifier.ports import Idempotency, KeyProvider, NotifierStore, StoredReport, WhatsAppSender
from receptionist.notifier.retry import RetryPolicy
from receptionist.notifier.splitting import bounded_parts
from receptionist.notifier.window import within_session_window

logger = logging.getLogger(__name__)

# Seconds of the invocation kept back for recording the outcome and answering the batch.
RESERVE_SECONDS = 2.0
# An HTTP attempt with less time than this is not started (the job fails and is retried later).
MIN_ATTEMPT_SECONDS = 1.0
# A staff notice fills the escalation template's customer_name with the catalogue's
# staff_notice_label ("Calendario"), in the business's language (it is about no customer).
# Template parameters: WhatsApp refuses new lines, tabs and long runs of spaces in them.
TEMPLATE_PARAM_LIMIT = 1024

DeliveryOutcome = Literal[
    "failed",  # raised: the record fails and SQS delivers it again
    "sent",
    "partially_sent",  # some parts / staff numbers were refused for good
    "undeliverable",
    "duplicate",
    "status_recorded",
    "status_unchanged",
    "unknown_app",
    "not_configured",  # escalation without staff numbers or template
    "outdated",  # a reminder whose appointment was cancelled, moved or started (or is gone): not sent
]

# Why a text was not sent (report.reason, and what the chat message's error column says).
UNDELIVERABLE = {
    "no_text": "nothing to send (empty text)",
    "opted_out": "the customer opted out of WhatsApp messages",
    "outside_window": "outside the 24-hour customer service window (free-form messages not allowed)",
    "earlier_part_rejected": "an earlier part of this message was refused by Gupshup",
    "unknown_customer": "no conversation with this customer (a template needs one)",
    "no_buttons": "an offer's text too long for reply buttons (never sent without them)",
}

# Why a reminder was not sent (its chat message's error column); report.reason is the key.
OUTDATED: dict[VoidReason, str] = {
    "cancelled": "not sent: the appointment was cancelled",
    "moved": "not sent: the appointment moved; this reminder was for its earlier time",
    "started": "not sent: the appointment had started (a reminder is never sent late)",
    "gone": "not sent: the appointment or the reminder no longer exists",
    "no_consent": "not sent: the customer has no reminder consent now (withdrawn or opted out)",
}


class KeyRefRefused(Exception):
    """An organization's Gupshup key reference points outside the Gupshup keys' prefix."""


class OutOfTimeError(Exception):
    """Too little of the invocation is left to send safely; the job is retried by SQS."""


class ReminderVoid(Exception):
    """The reminder about to be sent is no longer current (`reason`); nothing was sent."""

    def __init__(self, reason: VoidReason) -> None:
        super().__init__(reason)
        self.reason: VoidReason = reason


@dataclass
class DeliveryReport:
    """What one job did: counts and labels only (no numbers, no text), for logs and metrics."""

    job_id: str
    kind: str
    outcome: DeliveryOutcome = "failed"
    reason: str | None = None  # outside_window, opted_out, rejected, no_text, moved, the state of a status...
    parts: int = 0  # text parts, or staff numbers for an escalation
    sent: int = 0  # sends Gupshup accepted in this delivery
    skipped: int = 0  # sends an earlier attempt already made (per-send idempotency)
    rejected: int = 0  # sends refused for good (permanent errors)
    http_calls: int = 0
    delays: list[float] = field(default_factory=list)  # backoff waits before retries, in order
    delivery_failed: bool = False  # a status job reporting that WhatsApp could not deliver
    form: str | None = None  # a reply with choices: "list", "buttons" or "text" (sent without them)

    def to_stored(self) -> StoredReport:
        kept = ("outcome", "reason", "parts", "sent", "skipped", "rejected")
        return {k: v for k, v in asdict(self).items() if k in kept}


@dataclass
class DeliveryService:
    store: NotifierStore
    sender: WhatsAppSender
    idempotency: Idempotency
    api_key: KeyProvider
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Gupshup keys are read only under this SSM prefix: a platform connection cannot make the
    # notifier read another secret (the database URL, a model key) as an API key.
    key_prefix: str | None = None
    last_report: DeliveryReport | None = field(default=None, init=False)

    def deliver(self, job: OutboundJob, remaining: Callable[[], float] | None = None) -> DeliveryReport:
        """Deliver one job. `remaining()` gives the seconds left in the invocation. Raises when
        the job should be tried again (transient failures after the retries, out of time, the
        database or the idempotency store failing); `last_report` then says how far it got."""
        report = DeliveryReport(job.job_id, job.kind)
        self.last_report = report
        calls = self.sender.calls
        left = remaining or (lambda: math.inf)
        try:
            if job.kind == "status":
                assert job.status is not None  # the model guarantees it
                self._status(job.conversation, job.status, report)
            elif job.kind == "staff_notice":
                _ensure_time(left)
                _, ran = self.idempotency.once("job", job.job_id, lambda: self._staff_notice(job, left, report))
                if not ran:
                    report.outcome, report.reason = "duplicate", None
            else:
                _ensure_time(left)
                _, ran = self.idempotency.once("job", job.job_id, lambda: self._message(job, left, report))
                if not ran:
                    report.outcome, report.reason = "duplicate", None
        finally:
            report.http_calls = self.sender.calls - calls
        return report

    # -- jobs --------------------------------------------------------------------------------
    def _message(self, job: OutboundJob, remaining: Callable[[], float], report: DeliveryReport) -> StoredReport:
        key = ConversationKey.parse(job.conversation)
        app, customer = key.app, key.number
        org = self.store.organization(app)
        if org is None:
            logger.warning("job for an unknown Gupshup app dropped", extra={"job_id": job.job_id})
            report.outcome = "unknown_app"
            return report.to_stored()
        try:
            with self.store.acting_for(org.id):  # the conversation's organization, and only its rows
                if job.kind == "escalation":
                    self._escalation(job, org, customer, remaining, report)
                elif job.kind in ("human_template", "reminder"):
                    void = self._template(job, org, customer, remaining, report)
                    if job.kind == "reminder" and job.reminder_id:
                        status: Literal["sent", "skipped"] = "sent" if report.outcome == "sent" else "skipped"
                        self.store.mark_reminder(org.id, job.reminder_id, status, void)
                elif job.kind == "offer":
                    self._offer(job, org, customer, remaining, report)
                else:
                    self._text(job, org, customer, remaining, report)
        except KeyRefRefused:
            logger.error("Gupshup key reference outside its prefix; nothing sent", extra={"job_id": job.job_id})
            report.outcome, report.reason = "not_configured", "gupshup_key_ref"
        return report.to_stored()

    def _text(
        self, job: OutboundJob, org: Organization, customer: str, remaining: Callable[[], float], report: DeliveryReport
    ) -> None:
        parts = bounded_parts(job.text or "")
        identity = self.store.identity(org.id, customer)
        # A staff member's text has no turn: its own id keys its rows (never a bot turn's rows).
        turn = job.job_id if job.kind == "human_reply" else job.turn_id or job.job_id
        sent_by = job.sent_by
        refusal: str | None = None
        if not parts:
            refusal = "no_text"
        elif identity is not None and identity.opted_out and job.kind != "opt_out":
            # An opt-out's confirmation is the one message that goes to a customer who just opted out.
            refusal = "opted_out"
        elif identity is None or not within_session_window(identity.last_inbound_at, self.now()):
            refusal = "outside_window"
        if refusal is not None:
            report.outcome, report.reason = "undeliverable", refusal
            if identity is not None and parts:  # keep the history complete: what was not said
                row = self.store.record_part(
                    org.id, identity.id, text=job.text or "", turn_id=turn, part_index=0, sent_by=sent_by
                )
                self.store.mark_undeliverable(org.id, row, UNDELIVERABLE[refusal])
            return
        assert identity is not None
        # One row per part (idempotent per turn and part, so a redelivered job finds its rows).
        rows = [
            self.store.record_part(org.id, identity.id, text=part, turn_id=turn, part_index=index, sent_by=sent_by)
            for index, part in enumerate(parts)
        ]
        credentials = self._credentials(org)
        report.parts = len(parts)
        interactive = self._interactive(
            job, org, customer_locale(identity.language, org.settings.language), parts, report
        )
        for index, (part, row_id) in enumerate(zip(parts, rows, strict=True)):

            def send(timeout: float | None, part: str = part) -> str:
                return self.sender.send_text(credentials, customer, part, timeout=timeout)

            try:
                if interactive is not None:
                    provider_id = self._send_interactive(
                        job, credentials, customer, interactive, send, remaining, report
                    )
                else:
                    provider_id = self._send_once(f"{job.job_id}#{index}", send, remaining, report)
            except GupshupError as err:
                if err.transient:
                    raise
                report.rejected += 1
                report.outcome = "partially_sent" if index else "undeliverable"
                report.reason = "rejected"
                logger.warning(
                    "Gupshup refused a part for good",
                    extra={"job_id": job.job_id, "part": index, "status": err.status},
                )
                self.store.mark_undeliverable(org.id, row_id, str(err))
                for later in rows[index + 1 :]:
                    self.store.mark_undeliverable(org.id, later, UNDELIVERABLE["earlier_part_rejected"])
                return
            self.store.mark_sent(org.id, row_id, provider_id)
        report.outcome = "sent"

    @staticmethod
    def _interactive(
        job: OutboundJob, org: Organization, locale: Locale, parts: list[str], report: DeliveryReport
    ) -> dict[str, Any] | None:
        """The interactive message a reply with choices goes out as; None: plain text."""
        if job.kind != "reply" or not job.choices:
            return None
        message = None
        if org.settings.interactive_replies and len(parts) == 1:
            message = interactive_message(job.job_id, parts[0], job.choices, locale)
        report.form = interactive_form(parts[0], job.choices) if message is not None else "text"
        return message

    def _send_interactive(
        self,
        job: OutboundJob,
        credentials: AppCredentials,
        customer: str,
        message: dict[str, Any],
        as_text: Callable[[float | None], str],
        remaining: Callable[[], float],
        report: DeliveryReport,
    ) -> str:
        """The reply as a list / buttons; refused for good (a shape Gupshup will not take), the
        same reply as plain text, once, so the customer is still answered."""

        def send(timeout: float | None) -> str:
            return self.sender.send_interactive(credentials, customer, message, timeout=timeout)

        try:
            return self._send_once(f"{job.job_id}#0", send, remaining, report)
        except GupshupError as err:
            if err.transient:
                raise
            logger.warning(
                "Gupshup refused an interactive reply; sending it as text",
                extra={"job_id": job.job_id, "status": err.status},
            )
            report.form = "text"
            return self._send_once(f"{job.job_id}#0#text", as_text, remaining, report)

    def _template(
        self, job: OutboundJob, org: Organization, customer: str, remaining: Callable[[], float], report: DeliveryReport
    ) -> VoidReason | None:
        """A template to the customer (a staff member's, or a reminder): no 24-hour window, but
        never to one who opted out. A reminder no longer current is not sent: why (else None)."""
        assert job.template_id is not None  # the model guarantees it
        template_id = job.template_id
        identity = self.store.identity(org.id, customer)
        if identity is None:  # no conversation: nowhere to record it, and the console only offers known ones
            report.outcome, report.reason = "undeliverable", "unknown_customer"
            return None
        row = self.store.record_part(
            org.id,
            identity.id,
            text=job.text or f"[template {template_id}]",
            turn_id=job.job_id,
            part_index=0,
            kind="template",
            sent_by=job.sent_by,
            template_id=template_id,
        )
        report.parts = 1
        if identity.opted_out:
            report.outcome, report.reason = "undeliverable", "opted_out"
            self.store.mark_undeliverable(org.id, row, UNDELIVERABLE["opted_out"])
            return None
        params = [_template_param(p) for p in job.params]
        credentials = self._credentials(org)
        postbacks = list(job.postbacks) or None

        def send(timeout: float | None) -> str:
            return self.sender.send_template(
                credentials, customer, template_id, params, timeout=timeout, postback_texts=postbacks
            )

        reminder_id = job.reminder_id if job.kind == "reminder" else None
        try:
            provider_id = self._send_once(
                f"{job.job_id}#0",
                send,
                remaining,
                report,
                first=None if reminder_id is None else lambda: self._ensure_current(org, reminder_id),
            )
        except ReminderVoid as void:
            report.outcome, report.reason = "outdated", void.reason
            logger.info("reminder void; not sent", extra={"job_id": job.job_id, "reason": void.reason})
            self.store.mark_undeliverable(org.id, row, OUTDATED[void.reason])
            return void.reason
        except GupshupError as err:
            if err.transient:
                raise
            report.rejected += 1
            report.outcome, report.reason = "undeliverable", "rejected"
            logger.warning("Gupshup refused a template for good", extra={"job_id": job.job_id, "status": err.status})
            self.store.mark_undeliverable(org.id, row, str(err))
            return None
        self.store.mark_sent(org.id, row, provider_id)
        report.outcome = "sent"
        return None

    def _offer(
        self, job: OutboundJob, org: Organization, customer: str, remaining: Callable[[], float], report: DeliveryReport
    ) -> None:
        """An offer to tap: a template with quick replies, or inside the window text with reply
        buttons; its row marked sent or failed."""
        assert job.offer_ref is not None  # the model guarantees it
        if job.template_id is not None:
            self._template(job, org, customer, remaining, report)
        else:
            self._session_offer(job, org, customer, remaining, report)
        if report.outcome == "sent":
            self.store.mark_offer(org.id, job.offer_ref, "sent")
        else:
            self.store.mark_offer(org.id, job.offer_ref, "failed", f"notifier: {report.reason or report.outcome}")

    def _session_offer(
        self, job: OutboundJob, org: Organization, customer: str, remaining: Callable[[], float], report: DeliveryReport
    ) -> None:
        identity = self.store.identity(org.id, customer)
        if identity is None:
            report.outcome, report.reason = "undeliverable", "unknown_customer"
            return
        text = job.text or ""
        row = self.store.record_part(org.id, identity.id, text=text, turn_id=job.job_id, part_index=0)
        report.parts = 1
        refusal = None
        locale = customer_locale(identity.language, org.settings.language)
        message = interactive_message(job.job_id, text, job.choices, locale)
        if identity.opted_out:
            refusal = "opted_out"
        elif not within_session_window(identity.last_inbound_at, self.now()):
            refusal = "outside_window"
        elif message is None or message.get("type") != "quick_reply":
            refusal = "no_buttons"  # a body too long for buttons: never sent without them
        if refusal is not None:
            report.outcome, report.reason = "undeliverable", refusal
            self.store.mark_undeliverable(org.id, row, UNDELIVERABLE.get(refusal, refusal))
            return
        assert message is not None
        credentials = self._credentials(org)
        report.form = "buttons"

        def send(timeout: float | None) -> str:
            return self.sender.send_interactive(credentials, customer, message, timeout=timeout)

        try:
            provider_id = self._send_once(f"{job.job_id}#0", send, remaining, report)
        except GupshupError as err:
            if err.transient:
                raise
            report.rejected += 1
            report.outcome, report.reason = "undeliverable", "rejected"
            logger.warning("Gupshup refused an offer for good", extra={"job_id": job.job_id, "status": err.status})
            self.store.mark_undeliverable(org.id, row, str(err))
            return
        self.store.mark_sent(org.id, row, provider_id)
        report.outcome = "sent"

    def _escalation(
        self, job: OutboundJob, org: Organization, customer: str, remaining: Callable[[], float], report: DeliveryReport
    ) -> None:
        identity = self.store.identity(org.id, customer)
        settings = self.store.notification_settings(org.id)
        # A conversation assigned to someone who gave their own number: them only; else everyone.
        own = self.store.assignee_number(org.id, identity.id) if identity is not None else None
        staff = [own] if own else list(dict.fromkeys(settings.staff_numbers))
        template_id = settings.template_id
        if not staff or not template_id:
            logger.warning("escalation without staff numbers or template", extra={"job_id": job.job_id})
            report.outcome = "not_configured"
            return
        params = escalation_params(
            settings.template_params,
            customer_number=customer,
            customer_name=identity.display_name if identity else None,
            reason=job.reason,
        )
        self._to_staff(job, org, staff, template_id, params, remaining, report)

    def _to_staff(
        self,
        job: OutboundJob,
        org: Organization,
        staff: list[str],
        template_id: str,
        params: list[str],
        remaining: Callable[[], float],
        report: DeliveryReport,
    ) -> None:
        """The template to every staff number, each send once (key job#staff#number), and each
        accepted send recorded once (key job#staff#<its place in the list>: crm/staff_sends.py)
        so the daily roll-up prices it. The record follows the send outside the send's ledger
        entry: a send already made (a redelivered job) is recorded again, which the key makes a
        no-op, and a crash between Gupshup's acceptance and the record is mended by the retry."""
        credentials = self._credentials(org)
        report.parts = len(staff)
        pending: GupshupError | None = None
        unrecorded: Exception | None = None  # a record that failed: the job is retried after the others are sent
        for index, number in enumerate(staff):  # every staff number gets its chance, even when one fails

            def send(timeout: float | None, number: str = number) -> str:
                return self.sender.send_template(credentials, number, template_id, params, timeout=timeout)

            try:
                self._send_once(f"{job.job_id}#staff#{number}", send, remaining, report)
            except GupshupError as err:
                if err.transient:
                    pending = pending or err
                    continue
                report.rejected += 1
                logger.warning("Gupshup refused a staff notice for good", extra={"job_id": job.job_id})
                continue
            try:
                self.store.record_staff_send(
                    org.id, staff_send_key(job.job_id, index), template_id=template_id, number=number, at=self.now()
                )
            except Exception as exc:  # the CRM failing: the other staff are still told first
                logger.warning(
                    "staff send not recorded; the job will be retried",
                    extra={"job_id": job.job_id, "error": type(exc).__name__},
                )
                unrecorded = unrecorded or exc
        if pending is not None:
            raise pending  # the job is retried; staff already notified are not notified again
        if unrecorded is not None:
            raise unrecorded  # retried: the sends made are not made again, their records are written
        if report.rejected:
            report.reason = "rejected"
            report.outcome = "partially_sent" if report.rejected < len(staff) else "undeliverable"
        else:
            report.outcome = "sent"

    def _staff_notice(self, job: OutboundJob, remaining: Callable[[], float], report: DeliveryReport) -> StoredReport:
        assert job.organization_id is not None  # the model guarantees it
        org = self.store.organization_by_id(job.organization_id)
        if org is None:
            logger.warning("staff notice for an unknown or inactive business dropped", extra={"job_id": job.job_id})
            report.outcome = "unknown_app"
            return report.to_stored()
        try:
            with self.store.acting_for(org.id):
                settings = self.store.notification_settings(org.id)
                staff, template_id = list(dict.fromkeys(settings.staff_numbers)), settings.template_id
                if not staff or not template_id:
                    logger.warning("staff notice without staff numbers or template", extra={"job_id": job.job_id})
                    report.outcome = "not_configured"
                    return report.to_stored()
                label = catalogues.message(locale_of(org.settings.language), "staff_notice_label")
                values = {"customer_name": label, "customer_number": "-", "reason": job.text or ""}
                params = [_template_param(values.get(name, "-")) for name in settings.template_params]
                self._to_staff(job, org, staff, template_id, params, remaining, report)
        except KeyRefRefused:
            logger.error("Gupshup key reference outside its prefix; nothing sent", extra={"job_id": job.job_id})
            report.outcome, report.reason = "not_configured", "gupshup_key_ref"
        return report.to_stored()

    def _status(self, conversation: str, status: DeliveryStatus, report: DeliveryReport) -> None:
        report.reason = status.state
        report.delivery_failed = status.state == "failed"
        org = self.store.organization(ConversationKey.parse(conversation).app)
        if org is None:
            report.outcome = "unknown_app"
            return
        # Gupshup's send API answered with its own id (what mark_sent stored); enqueued/failed
        # carry it as the event id, sent/delivered/read carry WhatsApp's id and link it as gsId.
        key = status.gupshup_message_id or status.provider_message_id
        error = None
        if status.state == "failed":
            error = ": ".join(p for p in (status.error_code, status.error_reason) if p) or "failed"
        with self.store.acting_for(org.id):
            changed = self.store.record_status(org.id, key, status.state, error)
            if changed and status.state == "failed":  # WhatsApp could not deliver it: an offer's row says so
                offer_ref = self.store.offer_of_message(org.id, key)
                if offer_ref is not None:
                    self.store.mark_offer(org.id, offer_ref, "failed", f"delivery: {status.error_code or 'failed'}")
        report.outcome = "status_recorded" if changed else "status_unchanged"

    def _ensure_current(self, org: Organization, reminder_id: str) -> None:
        """Raise ReminderVoid unless the reminder is still current: a job queued (or retried)
        before its appointment was cancelled, moved or started is never sent late or for
        another time, nor after its customer withdrew reminder consent. Read from the CRM now,
        not from the job."""
        timing = self.store.reminder_timing(org.id, reminder_id)
        reason = "gone" if timing is None else timing.void(self.now())
        if reason is not None:
            raise ReminderVoid(reason)

    # -- sending -----------------------------------------------------------------------------
    def _credentials(self, org: Organization) -> AppCredentials:
        connection = org.connection
        ref = connection.api_key_ref
        if self.key_prefix is not None and (not ref.startswith(self.key_prefix) or ".." in ref):
            raise KeyRefRefused(org.id)
        return AppCredentials(connection.app_name, connection.business_number, self.api_key(ref))

    def _send_once(
        self,
        key: str,
        send: Callable[[float | None], str],
        remaining: Callable[[], float],
        report: DeliveryReport,
        *,
        first: Callable[[], None] | None = None,
    ) -> str:
        """One send, at most once per key; Gupshup's message id (the stored one when an earlier
        attempt already made this send). `first` runs right before the send is tried, only when
        it was not made yet (a send already made stays made); raising, it leaves no record."""

        def work() -> StoredReport:
            if first is not None:
                first()
            return {"provider_message_id": self._with_retry(send, remaining, report)}

        result, ran = self.idempotency.once("send", key, work)
        if ran:
            report.sent += 1
        else:
            report.skipped += 1
        return str(result["provider_message_id"])

    def _with_retry(
        self, send: Callable[[float | None], str], remaining: Callable[[], float], report: DeliveryReport
    ) -> str:
        policy = replace(self.retry, delays=[])

        def attempt() -> str:
            left = remaining() - RESERVE_SECONDS
            if left < MIN_ATTEMPT_SECONDS:
                raise OutOfTimeError("too little time left for another attempt")
            return send(None if math.isinf(left) else min(self.sender.timeout, left))

        try:
            return policy.run(
                attempt,
                retryable=lambda exc: isinstance(exc, GupshupError) and exc.transient,
                deadline=lambda: remaining() - RESERVE_SECONDS - MIN_ATTEMPT_SECONDS,
            )
        finally:
            report.delays.extend(policy.delays)


def escalation_params(
    names: list[str], *, customer_number: str, customer_name: str | None, reason: str | None
) -> list[str]:
    """The escalation template's parameters, in the order the organization configured."""
    number = f"+{customer_number}"
    values = {
        "customer_name": customer_name or number,
        "customer_number": number,
        "reason": reason or "-",
    }
    unknown = [n for n in names if n not in values]
    if unknown:
        logger.warning("unknown escalation template parameters", extra={"params": unknown})
    return [_template_param(values.get(name, "-")) for name in names]


def staff_send_key(job_id: str, index: int) -> str:
    """A staff send's record key: the job and the recipient's place in its staff list (a
    redelivered job finds the same key, so the send is recorded once; no number in it)."""
    return f"{job_id}#staff#{index}"


def _template_param(value: str) -> str:
    flat = re.sub(r"\s+", " ", value).strip()
    return flat[:TEMPLATE_PARAM_LIMIT] or "-"


def _ensure_time(remaining: Callable[[], float]) -> None:
    if remaining() < RESERVE_SECONDS + MIN_ATTEMPT_SECONDS:
        raise OutOfTimeError("too little time left in this invocation to deliver a job")
