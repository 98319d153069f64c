"""The budget pass: businesses whose month reached their budget, their owner and ops told once.

    BudgetPass(db, outbound, ops).run(at)

It runs in the RemindersFunction every hour (template.yaml, event {"pass": "budgets"}; the
daily roll-up it reads, daily_business_stats, is refreshed by the stats pass: docs/stats.md).
budgets_due() lists, across businesses, those with a monthly budget whose current month (in the
business's own zone) costs at least the budget (model + WhatsApp + AWS, receptionist.stats.budget:
"over") and whose alert for that month is not done nor freshly claimed. For each, inside
`db.acting_for(organization)`:
  1. claim    budget_alerts (organization, month) inserted, or a stale undone claim taken again
              (one pass holds it; the figures are the first claim's);
  2. owner    a staff_notice job on the outbound FIFO queue (the notifier sends it to the
              business's staff numbers, as the escalation template, in the business's language:
              messages catalogue "budget_over"); its id is "staff_notice#budget#<org>#<month>", so
              a re-sent claim is the same job: SQS drops a copy within 5 minutes and the
              notifier's per-job idempotency after that. Then owner_queued_at is marked;
  3. ops      an SNS message to the stack's AlarmTopic (business, month, cost, budget). Then
              ops_published_at is marked.
The two notices are independent: WhatsApp failing never keeps ops from hearing, nor the other way.
A pass that dies (or a send that fails) between the claim and a mark leaves the claim undone: the
next pass after STALE_AFTER takes it again and does what is left. The owner hears once; ops hear
once unless the pass dies after SNS took the message and before it was marked (SNS standard
topics do not deduplicate), then twice, the same subject both times.

Each business fails alone (logged by type and step, counted; the reason kept on the row)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from receptionist.adapters.ops_alerts import OpsAlerts
from receptionist.crm import budgets
from receptionist.crm.budgets import Claim, DueBudget, Notice
from receptionist.crm.connection import Database
from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import locale_of
from receptionist.logsafe import error_fields
from receptionist.messages import OutboundJob, Queue, fifo_id

logger = logging.getLogger(__name__)

# A claim younger than this belongs to a pass that may still be sending it; the pass runs hourly,
# so the next one always finds an undone claim stale.
STALE_AFTER = timedelta(minutes=10)


@dataclass
class BudgetReport:
    due: int = 0  # businesses over budget this month, not yet told
    owners_told: int = 0  # staff notices queued
    ops_told: int = 0  # SNS messages published
    retried: int = 0  # of the claims, earlier ones taken again (a pass died or a send failed)
    already_claimed: int = 0  # another pass holds a fresh claim, or it was done meanwhile
    failed: int = 0  # notices that failed this run (kept on the row; the next pass tries again)

    def counts(self, prefix: str = "") -> dict[str, int]:
        return {f"{prefix}{k}": v for k, v in vars(self).items()}


@dataclass
class BudgetPass:
    db: Database
    outbound: Queue
    ops: OpsAlerts
    stale_after: timedelta = STALE_AFTER
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def run(self, at: datetime | None = None) -> BudgetReport:
        at = at or self.now()
        report = BudgetReport()
        for due in budgets.budgets_due(self.db, at, self.stale_after):
            report.due += 1
            with self.db.acting_for(due.organization_id):
                try:
                    claim = budgets.claim_alert(self.db, due, at, self.stale_after)
                except Exception:
                    report.failed += 1
                    logger.error(
                        "budget alert not claimed; the next pass tries again",
                        extra={"organization_id": due.organization_id, **error_fields()},
                    )
                    continue
                if claim is None:
                    report.already_claimed += 1
                    continue
                report.retried += claim.tries > 1
                if not claim.owner_done:
                    report.owners_told += self._tell(due, "owner", at, partial(self._queue_owner, due, claim), report)
                if not claim.ops_done:
                    report.ops_told += self._tell(due, "ops", at, partial(self._publish_ops, due, claim), report)
        return report

    def _tell(
        self, due: DueBudget, notice: Notice, at: datetime, send: Callable[[], object], report: BudgetReport
    ) -> bool:
        """Send one notice, then mark it; a failure is kept on the row for the next pass."""
        step = "send"
        try:
            send()
            step = "mark"
            budgets.mark_told(self.db, due.organization_id, due.month, notice, at)
        except Exception as exc:
            fields = error_fields(exc)
            report.failed += 1
            reason = f"{notice} {step}: {fields.get('error', 'error')}"
            if "error_at" in fields:
                reason += f" at {fields['error_at']}"
            try:
                budgets.record_failure(self.db, due.organization_id, due.month, reason)
            except Exception:
                logger.error("budget alert failure not recorded", extra={"organization_id": due.organization_id})
            logger.error(
                "budget alert not sent; a later pass tries again",
                extra={"organization_id": due.organization_id, "notice": notice, "step": step, **fields},
            )
            return False
        return True

    def _queue_owner(self, due: DueBudget, claim: Claim) -> None:
        job = owner_notice(due, claim)
        self.outbound.send(job, group=job.group, dedup_id=fifo_id(job.job_id))

    def _publish_ops(self, due: DueBudget, claim: Claim) -> None:
        subject, text = ops_message(due, claim)
        self.ops.publish(subject, text)


def owner_notice(due: DueBudget, claim: Claim) -> OutboundJob:
    """The staff notice, in the business's language; its id names the business and month only."""
    locale = locale_of(due.language)
    text = message(
        locale,
        "budget_over",
        business=due.name,
        cost=formats.amount(claim.cost_usd, "USD", locale),
        budget=formats.amount(claim.budget_usd, "USD", locale),
        month=formats.month(due.month, locale),
    )
    return OutboundJob.for_staff_notice(due.organization_id, f"budget#{due.organization_id}#{due.month:%Y-%m}", text)


def ops_message(due: DueBudget, claim: Claim) -> tuple[str, str]:
    """Ops' subject (ASCII, SNS's rule: no business name in it) and message (English, figures only)."""
    subject = f"Monthly budget reached: business {due.organization_id} {due.month:%Y-%m}"
    share = claim.cost_usd / claim.budget_usd
    text = (
        f"{due.name} (organization {due.organization_id}) has reached its monthly budget for {due.month:%Y-%m}:"
        f" USD {claim.cost_usd:.2f} spent of USD {claim.budget_usd:.2f} ({share:.0%})."
        " Model, WhatsApp and AWS costs by business: the console's operator page, Costs."
    )
    return subject, text
