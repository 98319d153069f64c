"""What staff do with their business's conversations: the inbox, a conversation with its
transcript (who read it is audited), taking it over, resolving it, handing it back to the
assistant, and writing to the customer (a reply inside WhatsApp's 24-hour window, or an approved
template), queued for the notifier in the conversation's group."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from receptionist.console.errors import ConsoleError, NotFound
from receptionist.console.forms.conversations import ReplyForm, TemplateForm
from receptionist.console.services.consent import ConsentView, consent_view
from receptionist.console.services.customer_language import CustomerLanguageView, customer_language_view
from receptionist.console.services.noshow import customer_no_shows
from receptionist.conversation_key import ConversationKey
from receptionist.crm import inbox
from receptionist.crm.appointments import list_appointments
from receptionist.crm.chats import hand_back_to_bot
from receptionist.crm.connection import Database
from receptionist.crm.inbox import ConversationSummary, Escalation, InboxFilter, StaffAccount, TranscriptEntry
from receptionist.crm.models import Appointment, MessageTemplate
from receptionist.crm.noshow import NoShowStanding
from receptionist.crm.templates import get_template, list_templates, render_template
from receptionist.messages import OutboundJob, Queue, fifo_id
from receptionist.notifier.window import within_session_window

TRANSCRIPT_OPENED = "transcript_opened"  # the audit line of a read (one per reader and READ_WINDOW)


@dataclass(frozen=True)
class ConversationView:
    summary: ConversationSummary
    transcript: list[TranscriptEntry]
    escalations: list[Escalation]
    appointments: list[Appointment]
    window_open: bool  # WhatsApp's 24-hour window: free-form replies allowed
    timezone: str
    templates: list[MessageTemplate]  # what may be sent instead when the window is closed
    consent: ConsentView | None = None  # the customer's consent register (services/consent.py)
    no_shows: NoShowStanding | None = None  # the customer's, under the no-show policy (a contact only)
    language: CustomerLanguageView | None = None  # the customer's language (services/customer_language.py)


@dataclass
class ConversationService:
    db: Database  # acting for the account's organization
    account: StaffAccount
    outbound: Queue
    now: Callable[[], datetime]

    @property
    def _org(self) -> str:
        return self.account.organization_id

    def inbox(self, show: InboxFilter, search: str) -> list[ConversationSummary]:
        return inbox.list_conversations(self.db, self._org, show=show, search=search, me=self.account.sub)

    def _summary(self, identity_id: str) -> ConversationSummary:
        found = inbox.conversation(self.db, self._org, identity_id)
        if found is None:  # another organization's, or none: the same answer
            raise NotFound("not_found")
        return found

    def conversation(self, identity_id: str) -> ConversationView:
        org = self._org
        summary = self._summary(identity_id)
        inbox.record_read(self.db, org, self.account.email, TRANSCRIPT_OPENED, identity_id)
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
            templates=list_templates(self.db, org),  # the page offers only the usable ones
            consent=consent_view(self.db, org, identity_id),
            no_shows=customer_no_shows(self.db, org, contact, self.now(), context.timezone),
            language=customer_language_view(self.db, org, identity_id, context.language),
        )

    def messages(self, identity_id: str, after: datetime | None) -> list[TranscriptEntry]:
        self._summary(identity_id)
        inbox.record_read(self.db, self._org, self.account.email, TRANSCRIPT_OPENED, identity_id)
        return inbox.transcript(self.db, self._org, identity_id, after=after)

    # -- ownership: a button each ----------------------------------------------------------------
    def take_over(self, identity_id: str) -> None:
        with self.db.transaction():
            self._summary(identity_id)
            inbox.take_over(self.db, self._org, identity_id, self.account.sub)
            self._audit("takeover", identity_id)

    def resolve(self, identity_id: str) -> None:
        with self.db.transaction():
            self._summary(identity_id)
            closed = inbox.resolve_escalations(self.db, self._org, identity_id)
            self._audit("resolve", identity_id, {"escalations": closed})

    def hand_back(self, identity_id: str) -> None:
        with self.db.transaction():
            self._summary(identity_id)
            hand_back_to_bot(self.db, self._org, identity_id)
            self._audit("handback", identity_id)

    def _audit(self, action: str, identity_id: str, details: dict[str, object] | None = None) -> None:
        inbox.record_audit(self.db, self._org, self.account.email, action, identity_id, details)

    # -- writing to the customer ------------------------------------------------------------------
    def _staff_writes_to(self, identity_id: str) -> ConversationSummary:
        """The conversation, when staff may write to its customer: a person owns it and the
        customer has not opted out."""
        summary = self._summary(identity_id)
        if summary.bot_enabled:
            raise ConsoleError("take_over_first")
        if summary.opted_out:
            raise ConsoleError("opted_out")
        return summary

    def _conversation_key(self, summary: ConversationSummary) -> str:
        app = inbox.organization_context(self.db, self._org).app_name
        if app is None:
            raise ConsoleError("no_whatsapp_connection")
        return str(ConversationKey(app, summary.customer_number))

    def _queue(self, job: OutboundJob) -> str:
        """On the outbound queue in the conversation's group: ordered with the assistant's messages."""
        self.outbound.send(job, group=ConversationKey.parse(job.conversation).group, dedup_id=fifo_id(job.job_id))
        return job.job_id

    def reply(self, identity_id: str, form: ReplyForm) -> str:
        """Queue the staff member's text for the customer (the notifier sends it); the job's id.
        Only while a person owns the conversation, inside WhatsApp's 24-hour window, to a customer
        who has not opted out."""
        text = form.checked()
        summary = self._staff_writes_to(identity_id)
        if not within_session_window(summary.last_inbound_at, self.now()):
            raise ConsoleError("window_closed")
        job = OutboundJob.for_human_reply(self._conversation_key(summary), text, self.account.email)
        # Recorded before it is queued: a failed send leaves an audit line, never a silent reply.
        self._audit("reply", identity_id, {"job_id": job.job_id})
        return self._queue(job)

    def send_template(self, identity_id: str, form: TemplateForm) -> str:
        """Queue an approved template for the customer: what may reopen a conversation once
        WhatsApp's 24-hour window has closed. Only while a person owns the conversation, never to
        a customer who opted out."""
        summary = self._staff_writes_to(identity_id)
        template = get_template(self.db, self._org, form.template_id)
        if template is None:
            raise ConsoleError("template_unknown")
        if not template.usable:  # pending, rejected or paused by Meta, or no longer in Gupshup
            raise ConsoleError("tpl_send_not_approved")
        values = form.values_for(template)
        preview = render_template(template.body, values)
        conversation = self._conversation_key(summary)
        job = OutboundJob.for_human_template(conversation, template.template_id, values, preview, self.account.email)
        self._audit("template", identity_id, {"job_id": job.job_id, "template_id": template.template_id})
        return self._queue(job)
