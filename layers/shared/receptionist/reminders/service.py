"""One reminder pass: what is due -> claimed exactly once -> a "reminder" job on the outbound queue.

    ReminderPass(db, outbound).run(at, lookback)

For each reminder due at `at` (reminder time in (at - lookback, at]: a missed pass catches up
within the lookback), inside `db.acting_for(organization)`:
  1. claim it (INSERT ... ON CONFLICT DO NOTHING: of two overlapping passes one wins; the row
     carries a random token the template's buttons send back), status 'claimed';
  2. send the job to the outbound FIFO queue (group = the conversation "<app>#<customer>",
     deduplication id = the job id "reminder#<reminder id>");
  3. mark it 'queued'.
A pass that dies between 1 and 3 leaves a 'claimed' row: every pass first re-sends the claims
older than `stale_after` (default a minute, longer than a pass's own claim-to-send time). The
job is the same job (same id), so if the first send did reach the queue, SQS drops the copy
within 5 minutes and the notifier's per-job idempotency after that: the customer gets it once.
A reminder whose appointment was cancelled, whose business dropped its template or has no
active Gupshup app by the time it is built is marked 'skipped' (never sent).

The report carries counts only (no numbers, no names).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from receptionist.crm import reminders
from receptionist.crm.connection import Database
from receptionist.crm.reminders import Reminder, ReminderContent
from receptionist.crm.templates import placeholder_count, render_template
from receptionist.messages import OutboundJob, Queue, fifo_id

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=1)
# The template's quick-reply buttons, in order: Confirmar / Cancelar / Cambiar.
BUTTON_ACTIONS = ("confirm", "cancel", "change")


def postback_text(token: str, action: str) -> str:
    """What a button sends back when tapped: the reminder's token and the action, never an id."""
    return f"reminder:{token}:{action}"


@dataclass
class PassReport:
    due: int = 0  # reminders due and not claimed when the pass looked
    claimed: int = 0  # claimed by this pass
    queued: int = 0  # jobs this pass put on the outbound queue (new and re-sent)
    already_claimed: int = 0  # due, but another pass claimed them first
    requeued: int = 0  # claims of an earlier pass that died before queueing, sent again
    skipped: int = 0  # claimed but not sendable (cancelled meanwhile, no template or app)
    failed: int = 0  # claimed but the queue refused: re-sent by a later pass
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {
            k: v
            for k, v in vars(self).items()
            if k in ("due", "claimed", "queued", "already_claimed", "requeued", "skipped", "failed")
        }


@dataclass
class ReminderPass:
    db: Database
    outbound: Queue
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    stale_after: timedelta = STALE_AFTER

    def run(self, at: datetime, lookback: timedelta = timedelta(days=1), *, dry_run: bool = False) -> PassReport:
        report = PassReport(dry_run=dry_run)
        if not dry_run:
            for org, reminder_id in reminders.unqueued_reminders(self.db, self.now() - self.stale_after):
                with self.db.acting_for(org):
                    stale = reminders.get_reminder(self.db, org, reminder_id)
                    if stale is None or stale.status != "claimed":
                        continue
                    outcome = self._queue(stale, report)
                    if outcome == "queued":
                        report.requeued += 1
        due = reminders.due_reminders(self.db, at, lookback)
        report.due = len(due)
        if dry_run:
            return report
        for item in due:
            with self.db.acting_for(item.organization_id):
                claimed = reminders.claim_reminder(
                    self.db, item.organization_id, item.appointment_id, item.offset_minutes, item.due_at
                )
                if claimed is None:
                    report.already_claimed += 1
                    continue
                report.claimed += 1
                self._queue(claimed, report)
        return report

    def _queue(self, reminder: Reminder, report: PassReport) -> str:
        """Build the reminder's job and put it on the queue; "queued", "skipped" or "failed"."""
        org = reminder.organization_id
        content = reminders.reminder_content(self.db, org, reminder.appointment_id)
        job = reminder_job(reminder, content) if content is not None else None
        if job is None:
            reminders.mark_reminder(self.db, org, reminder.id, "skipped")
            report.skipped += 1
            return "skipped"
        try:
            self.outbound.send(job, group=fifo_id(job.conversation), dedup_id=fifo_id(job.job_id))
        except Exception:
            # Left 'claimed': the next pass re-sends it once it is older than stale_after.
            logger.exception("reminder job not queued; a later pass sends it", extra={"reminder_id": reminder.id})
            report.failed += 1
            return "failed"
        reminders.mark_reminder(self.db, org, reminder.id, "queued")
        report.queued += 1
        return "queued"


def reminder_job(reminder: Reminder, content: ReminderContent) -> OutboundJob | None:
    """The notifier's job for a claimed reminder (None when it must not be sent)."""
    if content.status not in ("pending", "confirmed") or not content.template_id or not content.app_name:
        return None
    params = content.params()
    return OutboundJob.for_reminder(
        content.conversation,
        reminder.id,
        content.template_id,
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
