"""What the console does for a signed-in staff member, whatever the HTTP around it: every
operation takes the account (whose organization came from the database, never the request) and
runs for that organization only; every change, every sign-in and sign-out, and who read which
conversation's transcript, is written to the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from receptionist.conversation_key import ConversationKey
from receptionist.crm import consent, inbox
from receptionist.crm.appointments import list_appointments
from receptionist.crm.connection import Database
from receptionist.crm.inbox import ConversationSummary, Escalation, InboxFilter, StaffAccount, TranscriptEntry
from receptionist.crm.models import Appointment, MessageTemplate
from receptionist.crm.templates import get_template, list_templates, render_template
from receptionist.messages import OutboundJob, Queue, fifo_id
from receptionist.notifier.window import within_session_window

MAX_REPLY_CHARS = 4096


@dataclass(frozen=True)
class ConsentView:
    """A customer's consent as a page shows it (identity None: they never wrote and nothing was
    recorded, so no purpose is granted): each purpose's state, the history newest first."""

    identity_id: str | None
    states: list[consent.ConsentState]
    history: list[consent.ConsentEvent] = field(default_factory=list)
    timezone: str = "Europe/Madrid"  # the business's: how times are shown
    purposes: tuple[consent.Purpose, ...] = consent.PURPOSES
    choices: tuple[consent.State, ...] = consent.STATES

    def local(self, at: datetime) -> str:
        return at.astimezone(ZoneInfo(self.timezone)).strftime("%d/%m/%Y %H:%M")


def consent_view(db: Database, organization_id: str, identity_id: str | None, timezone: str) -> ConsentView:
    """Inside `db.acting_for(organization_id)`; one round trip (none without an identity)."""
    events = consent.history(db, organization_id, identity_id) if identity_id else []
    return ConsentView(identity_id, consent.states(events), events, timezone)


TRANSCRIPT_OPENED = "transcript_opened"  # the audit line of a read (one per reader and READ_WINDOW)


class ConsoleError(Exception):
    """Something the staff member is told (`code` is the message's key in console/i18n.py)."""

    status = 400

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotFound(ConsoleError):
    status = 404


@dataclass(frozen=True)
class ConversationView:
    summary: ConversationSummary
    transcript: list[TranscriptEntry]
    escalations: list[Escalation]
    appointments: list[Appointment]
    window_open: bool  # WhatsApp's 24-hour window: free-form replies allowed
    timezone: str
    templates: list[MessageTemplate]  # what may be sent instead when the window is closed
    consent: ConsentView | None = None  # the customer's consent register (console/consent.py)


@dataclass
class ConsoleService:
    db: Database
    outbound: Queue
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def account(self, sub: str) -> StaffAccount | None:
        return inbox.staff_account(self.db, sub)

    def signed_in(self, account: StaffAccount) -> None:
        self._session(account, "sign_in")

    def signed_out(self, account: StaffAccount) -> None:
        self._session(account, "sign_out")

    def _session(self, account: StaffAccount, action: str) -> None:
        if account.is_operator:  # of no business: its own line, with no tenant set
            inbox.record_audit(self.db, None, account.email, action, None)
            return
        with self._for(account) as org:
            inbox.record_audit(self.db, org, account.email, action, None)

    @contextmanager
    def _for(self, account: StaffAccount) -> Iterator[str]:
        with self.db.acting_for(account.organization_id):
            yield account.organization_id

    def inbox(self, account: StaffAccount, show: InboxFilter, search: str) -> list[ConversationSummary]:
        with self._for(account) as org:
            return inbox.list_conversations(self.db, org, show=show, search=search)

    def _summary(self, org: str, identity_id: str) -> ConversationSummary:
        found = inbox.conversation(self.db, org, identity_id)
        if found is None:  # another organization's, or none: the same answer
            raise NotFound("not_found")
        return found

    def conversation(self, account: StaffAccount, identity_id: str) -> ConversationView:
        with self._for(account) as org:
            summary = self._summary(org, identity_id)
            inbox.record_read(self.db, org, account.email, TRANSCRIPT_OPENED, identity_id)
            context = inbox.organization_context(self.db, org)
            contact = inbox.contact_id_of(self.db, org, identity_id)
            appointments = list_appointments(self.db, org, contact, context.timezone, now=self.now()) if contact else []
            return ConversationView(
                summary=summary,
                transcript=inbox.transcript(self.db, org, identity_id),
                escalations=inbox.escalations(self.db, org, identity_id),
                appointments=appointments,
                window_open=within_session_window(summary.last_inbound_at, self.now()),
                timezone=context.timezone,
                templates=list_templates(self.db, org),
                consent=consent_view(self.db, org, identity_id, context.timezone),
            )

    def messages(self, account: StaffAccount, identity_id: str, after: datetime | None) -> list[TranscriptEntry]:
        with self._for(account) as org:
            self._summary(org, identity_id)
            inbox.record_read(self.db, org, account.email, TRANSCRIPT_OPENED, identity_id)
            return inbox.transcript(self.db, org, identity_id, after=after)

    def take_over(self, account: StaffAccount, identity_id: str) -> None:
        with self._for(account) as org:
            self._summary(org, identity_id)
            inbox.take_over(self.db, org, identity_id)
            inbox.record_audit(self.db, org, account.email, "takeover", identity_id)

    def resolve(self, account: StaffAccount, identity_id: str) -> None:
        with self._for(account) as org:
            self._summary(org, identity_id)
            closed = inbox.resolve_escalations(self.db, org, identity_id)
            inbox.record_audit(self.db, org, account.email, "resolve", identity_id, {"escalations": closed})

    def hand_back(self, account: StaffAccount, identity_id: str) -> None:
        from receptionist.crm.chats import hand_back_to_bot

        with self._for(account) as org:
            self._summary(org, identity_id)
            hand_back_to_bot(self.db, org, identity_id)
            inbox.record_audit(self.db, org, account.email, "handback", identity_id)

    def _staff_writes_to(self, org: str, identity_id: str) -> ConversationSummary:
        """The conversation, when staff may write to its customer: a person owns it and the
        customer has not opted out."""
        summary = self._summary(org, identity_id)
        if summary.bot_enabled:
            raise ConsoleError("take_over_first")
        if summary.opted_out:
            raise ConsoleError("opted_out")
        return summary

    def _conversation_key(self, org: str, summary: ConversationSummary) -> str:
        app = inbox.organization_context(self.db, org).app_name
        if app is None:
            raise ConsoleError("no_whatsapp_connection")
        return str(ConversationKey(app, summary.customer_number))

    def _queue(self, job: OutboundJob) -> str:
        """On the outbound queue in the conversation's group: ordered with the assistant's messages."""
        self.outbound.send(job, group=ConversationKey.parse(job.conversation).group, dedup_id=fifo_id(job.job_id))
        return job.job_id

    def reply(self, account: StaffAccount, identity_id: str, text: str) -> str:
        """Queue the staff member's text for the customer (the notifier sends it); the job's id.
        Only while a person owns the conversation, inside WhatsApp's 24-hour window, to a customer
        who has not opted out."""
        text = text.strip()
        if not text:
            raise ConsoleError("reply_empty")
        if len(text) > MAX_REPLY_CHARS:
            raise ConsoleError("reply_too_long")
        with self._for(account) as org:
            summary = self._staff_writes_to(org, identity_id)
            if not within_session_window(summary.last_inbound_at, self.now()):
                raise ConsoleError("window_closed")
            job = OutboundJob.for_human_reply(self._conversation_key(org, summary), text, account.email)
            # Recorded before it is queued: a failed send leaves an audit line, never a silent reply.
            inbox.record_audit(self.db, org, account.email, "reply", identity_id, {"job_id": job.job_id})
        return self._queue(job)

    def send_template(self, account: StaffAccount, identity_id: str, template_id: str, params: list[str]) -> str:
        """Queue an approved template for the customer: what may reopen a conversation once
        WhatsApp's 24-hour window has closed. Only while a person owns the conversation, never to
        a customer who opted out."""
        with self._for(account) as org:
            summary = self._staff_writes_to(org, identity_id)
            template = get_template(self.db, org, template_id)
            if template is None:
                raise ConsoleError("template_unknown")
            values = [p.strip() for p in params[: template.param_count]]
            if len(values) < template.param_count or not all(values):
                raise ConsoleError("template_params")
            preview = render_template(template.body, values)
            conversation = self._conversation_key(org, summary)
            job = OutboundJob.for_human_template(conversation, template.template_id, values, preview, account.email)
            details = {"job_id": job.job_id, "template_id": template.template_id}
            inbox.record_audit(self.db, org, account.email, "template", identity_id, details)
        return self._queue(job)
