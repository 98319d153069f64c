"""One handoff follow-up pass: the open escalations' follow-ups due at `at`, each claimed exactly
once and queued for the notifier.

    HandoffPass(db, outbound).run(at)

It runs in the RemindersFunction, after the reminder pass, every 5 minutes (docs/reminders.md: one
database connection; the pool's 20 are all reserved). For each open escalation of the last week
with a follow-up not done (due_handoffs()), inside `db.acting_for(organization)`, the steps
`rules.due_steps` says are due:
  notice    the staff notice left for the opening (outside_hours_notice 'at_opening'): the
            escalation template to the staff (every number, or the assignee's own);
  renotify  inside the hours, nobody took or answered it for N minutes: the template again, to
            every staff number (nobody is assigned: taking it assigns it), once;
  offer     inside the hours, M minutes: the assistant's offer to take a message, to the customer
            (a reply, in the customer's language, else the business's; the customer's answer is kept
            on the escalation for staff by the processor).
Each step: 1. claimed (UPDATE ... SET <step>_claimed_at WHERE it is null: of two passes one wins);
2. its job sent to the outbound FIFO queue (job id "handoff#<escalation>#<step>", deduplication id
the same); 3. marked queued. A pass that dies between 1 and 3 leaves a claim: a later pass, once
the claim is STALE_AFTER old, sends the same job again (same id: SQS drops a copy within 5 minutes
and the notifier's per-job idempotency after that), so each goes out once. An escalation someone
took or answered gets nothing more.

Each escalation fails alone (logged by type, counted); the report carries counts only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from receptionist.agent import handoff_wording as wording
from receptionist.conversation_key import ConversationKey
from receptionist.crm import handoff
from receptionist.crm import handoff_rules as rules
from receptionist.crm.connection import Database
from receptionist.crm.handoff import HandoffSettings, HandoffState, Step
from receptionist.i18n.locales import customer_locale
from receptionist.logsafe import error_fields
from receptionist.messages import OutboundJob, Queue, fifo_id

logger = logging.getLogger(__name__)


@dataclass
class HandoffReport:
    looked_at: int = 0  # open escalations with a follow-up not done
    notified: int = 0  # notices left for the opening, queued
    renotified: int = 0  # re-notices at N minutes, queued
    offered: int = 0  # offers to take a message, queued
    resent: int = 0  # of those, claims of an earlier pass that never queued them
    already_claimed: int = 0  # another pass claimed the step first
    skipped: int = 0  # due, but the business has no Gupshup app to say it through
    failed: int = 0  # escalations a step failed for (the next pass tries again)

    def counts(self, prefix: str = "") -> dict[str, int]:
        return {f"{prefix}{k}": v for k, v in vars(self).items()}


@dataclass
class HandoffPass:
    db: Database
    outbound: Queue
    stale_after: timedelta = rules.STALE_AFTER
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def run(self, at: datetime | None = None) -> HandoffReport:
        at = at or self.now()
        report = HandoffReport()
        for org, escalation_id in handoff.due_handoffs(self.db, at):
            report.looked_at += 1
            with self.db.acting_for(org):
                try:
                    self._follow_up(org, escalation_id, at, report)
                except Exception:
                    report.failed += 1
                    logger.error(
                        "handoff follow-up not queued; the next pass tries again",
                        extra={"escalation_id": escalation_id, "organization_id": org, **error_fields()},
                    )
        return report

    def _follow_up(self, org: str, escalation_id: str, at: datetime, report: HandoffReport) -> None:
        state = handoff.handoff_state(self.db, org, escalation_id)
        if state is None:
            return
        settings = handoff.handoff_settings(self.db, org)
        hours = handoff.opening_hours(self.db, org, at)
        for step in rules.due_steps(state, hours, settings, at, self.stale_after):
            resend = state.claimed[step] is not None
            if not resend and not handoff.claim_step(self.db, org, escalation_id, step, at):
                report.already_claimed += 1
                continue
            if state.app_name is None:
                handoff.mark_queued(self.db, org, escalation_id, step, at)  # nothing to say it through
                report.skipped += 1
                continue
            job = follow_up_job(state, step, settings)
            self.outbound.send(job, group=ConversationKey.parse(job.conversation).group, dedup_id=fifo_id(job.job_id))
            handoff.mark_queued(self.db, org, escalation_id, step, at)
            report.resent += resend
            if step == "notice":
                report.notified += 1
            elif step == "renotify":
                report.renotified += 1
            else:
                report.offered += 1


def follow_up_job(state: HandoffState, step: Step, settings: HandoffSettings) -> OutboundJob:
    """The notifier's job for a follow-up; its id derives from the escalation and the step, so a
    re-sent claim is the same job."""
    assert state.app_name is not None
    conversation = str(ConversationKey(state.app_name, state.customer_number))
    job_id = f"handoff#{state.id}#{step}"
    if step == "offer":
        text = wording.message_offer(customer_locale(state.customer_language, state.language))
        return OutboundJob.for_reply(conversation, job_id, text).model_copy(update={"job_id": job_id})
    if step == "notice":
        reason = wording.OPENING_NOTICE.format(reason=state.reason)
    else:
        reason = wording.RENOTIFY_NOTICE.format(minutes=settings.renotify_after_minutes, reason=state.reason)
    return OutboundJob(job_id=job_id, kind="escalation", conversation=conversation, reason=reason, turn_id=job_id)
