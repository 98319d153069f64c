"""One reminder pass: what is due -> claimed exactly once -> a "reminder" job on the outbound queue.

    ReminderPass(db, outbound).run(at, lookback)

For each reminder due at `at` (reminder time in (at - lookback, at]: a missed pass catches up
within the lookback), inside `db.acting_for(organization)`:
  1. claim it (INSERT ... ON CONFLICT DO NOTHING: of two overlapping passes one wins; the row
     carries a random token the template's buttons send back), status 'claimed';
  2. build its job and send it to the outbound FIFO queue (group = the conversation
     "<app>#<customer>", deduplication id = the job id "reminder#<reminder id>");
  3. mark it 'queued'.
A pass that dies between 1 and 3 leaves a 'claimed' row: every pass first re-sends the claims
older than `stale_after` (default a minute, longer than a pass's own claim-to-send time). The
job is the same job (same id), so if the first send did reach the queue, SQS drops the copy
within 5 minutes and the notifier's per-job idempotency after that: the customer gets it once.

Never late, never for another time, never without consent: a claim is sent only while its
appointment is active, still at the time the reminder is for and not started at `at`, and its
customer still has reminder consent; otherwise (and when the business dropped its template or
app, or its template is no longer approved and listed by Gupshup) it is marked 'skipped' with its
reason (crm.reminders.SkipReason).

Each reminder fails alone: an error in any step (claim, content, send, mark) is logged by type
and place, counted (`failed`), kept on its row (`attempts`, `last_error`) and the pass goes on
with the next one. A claimed reminder is tried again by the next passes, GIVE_UP_AFTER times in
all, then given up ('failed', counted `given_up`, alarmed). A claim that could not be written
leaves no row: it is still due to the next pass, within the lookback. Only what every reminder
needs (the due list, the list of claims to re-send) fails the whole pass.

The report carries counts only (no numbers, no names).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from receptionist.crm import reminders
from receptionist.crm.connection import Database
from receptionist.crm.models import outdated
from receptionist.crm.reminders import DueReminder, Reminder, ReminderContent, SkipReason
from receptionist.crm.templates import placeholder_count, render_template
from receptionist.logsafe import error_fields
from receptionist.messages import OutboundJob, Queue
from receptionist.reminders.claimed import ClaimedRows, ClaimedSender, Outcome

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=1)
# Tries of one reminder (this pass's and the next passes', 5 minutes apart) before it is given up.
GIVE_UP_AFTER = 5
# The template's quick-reply buttons, in order: Confirmar / Cancelar / Cambiar.
BUTTON_ACTIONS = ("confirm", "cancel", "change")

# How a claimed reminder is marked and its failures kept (reminders/claimed.py: one piece for the passes).
REMINDER_ROWS: ClaimedRows[SkipReason] = ClaimedRows(
    "reminder",
    "reminder_id",
    mark=lambda db, org, row, status, why: reminders.mark_reminder(db, org, row, status, why),
    record_failure=lambda db, org, row, error, tries: reminders.record_failure(db, org, row, error, tries),
)


def postback_text(token: str, action: str) -> str:
    """What a button sends back when tapped: the reminder's token and the action, never an id."""
    return f"reminder:{token}:{action}"


@dataclass
class PassReport:
    due: int = 0  # reminders due and not claimed when the pass looked
    claimed: int = 0  # claimed by this pass
    queued: int = 0  # jobs this pass put on the outbound queue (new and re-sent)
    already_claimed: int = 0  # due, but another pass claimed them first
    requeued: int = 0  # claims of an earlier pass (crashed, or failed) sent now
    skipped: int = 0  # claimed but not sendable (cancelled, moved or started meanwhile; no template or app)
    failed: int = 0  # a step failed for this reminder in this pass (tried again, up to GIVE_UP_AFTER)
    given_up: int = 0  # of those, reminders at their last try: 'failed' for good
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if k != "dry_run"}


@dataclass
class ReminderPass:
    db: Database
    outbound: Queue
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    stale_after: timedelta = STALE_AFTER
    give_up_after: int = GIVE_UP_AFTER

    def run(self, at: datetime, lookback: timedelta = timedelta(days=1), *, dry_run: bool = False) -> PassReport:
        report = PassReport(dry_run=dry_run)
        if not dry_run:
            for org, reminder_id in reminders.unqueued_reminders(self.db, self.now() - self.stale_after):
                with self.db.acting_for(org):
                    if self._retry(org, reminder_id, at, report) == "queued":
                        report.requeued += 1
        due = reminders.due_reminders(self.db, at, lookback)
        report.due = len(due)
        if dry_run:
            return report
        for item in due:
            with self.db.acting_for(item.organization_id):
                claimed = self._claim(item, report)
                if claimed is not None:
                    self._queue(claimed, at, report)
        return report

    def _claim(self, item: DueReminder, report: PassReport) -> Reminder | None:
        try:
            claimed = reminders.claim_reminder(
                self.db, item.organization_id, item.appointment_id, item.offset_minutes, item.due_at
            )
        except Exception:
            # No row to keep the error on: it is still due to the next pass (within the lookback).
            logger.error("reminder not claimed; the next pass tries again", extra={"step": "claim", **error_fields()})
            report.failed += 1
            return None
        if claimed is None:
            report.already_claimed += 1
            return None
        report.claimed += 1
        return claimed

    @property
    def _sender(self) -> ClaimedSender[SkipReason]:
        return ClaimedSender(self.db, self.outbound, REMINDER_ROWS, self.give_up_after)

    def _retry(self, org: str, reminder_id: str, at: datetime, report: PassReport) -> Outcome | None:
        try:
            stale = reminders.get_reminder(self.db, org, reminder_id)
        except Exception as exc:
            self._sender.failed(org, reminder_id, "content", exc, report)
            return "failed"
        if stale is None or stale.status != "claimed":
            return None
        return self._queue(stale, at, report)

    def _queue(self, reminder: Reminder, at: datetime, report: PassReport) -> Outcome:
        """Build the reminder's job and put it on the queue, unless it must not be sent."""

        def build() -> OutboundJob | SkipReason:
            content = reminders.reminder_content(self.db, reminder.organization_id, reminder.appointment_id)
            why = unsendable(reminder, content, at)
            if why is not None or content is None:
                return why or "gone"
            return reminder_job(reminder, content)

        return self._sender.queue(reminder.organization_id, reminder.id, build, report)


def unsendable(reminder: Reminder, content: ReminderContent | None, at: datetime) -> SkipReason | None:
    """Why a claimed reminder must not be sent at `at`, or None. Never late, never for another
    time: only while its appointment is active, still at the reminder's time and not started."""
    if content is None:
        return "gone"
    why = outdated(reminder.starts_at, content.status, content.starts_at, at)
    if why is not None:
        return why
    if not content.consented:  # withdrawn (or opted out) since it was claimed
        return "no_consent"
    if not content.template_id or not content.template_usable:  # none, or no longer approved in Gupshup
        return "no_template"
    if not content.app_name:
        return "no_app"
    return None


def reminder_job(reminder: Reminder, content: ReminderContent) -> OutboundJob:
    """The notifier's job for a claimed reminder that may be sent (`unsendable` said None)."""
    params = content.params()
    return OutboundJob.for_reminder(
        content.conversation,
        reminder.id,
        content.template_id or "",
        params,
        preview(content, params),
        [postback_text(reminder.token, action) for action in BUTTON_ACTIONS],
    )


def preview(content: ReminderContent, params: list[str]) -> str:
    """The template's text as the customer sees it (the chat history's row), when it is known."""
    body = content.template_body
    if body and placeholder_count(body) == len(params):
        return render_template(body, params)
    return f"[template {content.template_id}] " + " | ".join(params)
