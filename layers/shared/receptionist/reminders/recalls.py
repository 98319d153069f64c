"""One recall pass (docs/recalls.md): the recalls due now, each claimed exactly once and queued for
the notifier as an "offer" job (an approved MARKETING template, quick replies "Reservar" /
"No, gracias"), only while its business is open.

    RecallPass(db, outbound).run(at, deadline)

Like the reminder pass (receptionist.reminders.service):
  0. claims of an earlier pass that never reached the queue (older than `stale_after`) are sent
     again, the same job (job id "offer#recall:<id>": SQS's deduplication and the notifier's
     idempotency make the customer get it once);
  1. what is due (crm.recalls.due_recalls: consent, interval, nothing booked, no no-show since,
     no recall within the interval, one per customer), grouped by business; a business that is
     closed at `at` (its opening hours, crm.opening_hours, in its time zone) is left for a later
     pass: nothing is claimed;
  2. claim (INSERT ... ON CONFLICT DO NOTHING), build the job, send it, mark it 'queued'.
A claim whose customer or business changed meanwhile (consent withdrawn, booked, a no-show,
recalls switched off, the template no longer an approved marketing one, no app) is 'skipped' with
its reason. Each recall fails alone (kept on its row, tried again, given up after GIVE_UP_AFTER).
The pass stops claiming when its deadline passes (what is left is due to the next run).

The report carries counts only (no numbers, no names).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Literal

from receptionist.crm import recalls
from receptionist.crm.connection import Database
from receptionist.crm.handoff import opening_hours
from receptionist.crm.recalls import DueRecall, Recall, RecallContent, SkipReason
from receptionist.crm.templates import placeholder_count, render_template
from receptionist.deadline import Deadline
from receptionist.logsafe import error_fields
from receptionist.messages import OutboundJob, Queue
from receptionist.reminders.claimed import ClaimedRows, ClaimedSender

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=1)
GIVE_UP_AFTER = 5
# A due day more than this long ago is no longer recalled: turning recalls on (or giving a
# service an interval) never messages everybody who came years ago.
CATCH_UP_DAYS = 30
MAX_PER_RUN = 200
# Time one recall needs (a few round trips and one SQS call): less left, the rest is the next run's.
MIN_SECONDS = 1.0
# The template's quick-reply buttons, in order: Reservar / No, gracias.
BUTTON_ACTIONS = ("book", "no")

Outcome = Literal["queued", "skipped", "failed", "closed"]
# How a claimed recall is marked and its failures kept (reminders/claimed.py: one piece for the passes).
RECALL_ROWS: ClaimedRows[SkipReason] = ClaimedRows(
    "recall",
    "recall_id",
    mark=lambda db, org, row, status, why: recalls.mark_recall(db, org, row, status, why),
    record_failure=lambda db, org, row, error, tries: recalls.record_failure(db, org, row, error, tries),
)


def postback_text(token: str, action: str) -> str:
    """What a recall's button sends back when tapped: its token and the action, never an id."""
    return f"recall:{token}:{action}"


def offer_ref(recall_id: str) -> str:
    """The outbound job's offer reference: what the notifier marks sent / failed."""
    return f"recall:{recall_id}"


@dataclass
class RecallReport:
    due: int = 0  # recalls due when the pass looked
    closed: int = 0  # of those, at businesses closed now: left for a later pass
    claimed: int = 0
    queued: int = 0  # jobs put on the outbound queue (new and re-sent)
    already_claimed: int = 0
    requeued: int = 0  # claims of an earlier pass sent now
    skipped: int = 0  # claimed but no longer to be sent (see crm.recalls.SkipReason)
    failed: int = 0  # a step failed for this recall in this pass (tried again, up to GIVE_UP_AFTER)
    given_up: int = 0
    out_of_time: int = 0  # due, not reached before the deadline

    def counts(self, prefix: str = "") -> dict[str, int]:
        return {f"{prefix}{k}": v for k, v in vars(self).items()}


@dataclass
class RecallPass:
    db: Database
    outbound: Queue
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    stale_after: timedelta = STALE_AFTER
    give_up_after: int = GIVE_UP_AFTER
    catch_up_days: int = CATCH_UP_DAYS
    max_per_run: int = MAX_PER_RUN

    def run(self, at: datetime, deadline: Deadline | None = None) -> RecallReport:
        report = RecallReport()
        deadline = deadline or Deadline.never()
        open_now: dict[str, bool] = {}
        for org, recall_id in recalls.unqueued_recalls(self.db, self.now() - self.stale_after):
            with self.db.acting_for(org):
                if not self._open(org, at, open_now):
                    continue
                if self._retry(org, recall_id, at, report) == "queued":
                    report.requeued += 1
        due = recalls.due_recalls(self.db, at, self.catch_up_days, self.max_per_run)
        report.due = len(due)
        by_business = sorted(due, key=lambda d: d.organization_id)
        for org, items in groupby(by_business, key=lambda d: d.organization_id):
            batch = list(items)
            if deadline.remaining() < MIN_SECONDS:
                report.out_of_time += len(batch)
                continue
            with self.db.acting_for(org):
                if not self._open(org, at, open_now):
                    report.closed += len(batch)
                    continue
                for item in batch:
                    if deadline.remaining() < MIN_SECONDS:
                        report.out_of_time += 1
                        continue
                    claimed = self._claim(item, at, report)
                    if claimed is not None:
                        self._queue(claimed, at, report)
        return report

    def _open(self, org: str, at: datetime, known: dict[str, bool]) -> bool:
        """Whether the business is open at `at` (its hours in its zone; no hours known: open)."""
        if org not in known:
            known[org] = opening_hours(self.db, org, at).is_open(at)
        return known[org]

    def _claim(self, item: DueRecall, at: datetime, report: RecallReport) -> Recall | None:
        try:
            claimed = recalls.claim_recall(self.db, item, at)
        except Exception:
            # No row to keep the error on: it is still due to the next pass.
            logger.error("recall not claimed; the next pass tries again", extra={"step": "claim", **error_fields()})
            report.failed += 1
            return None
        if claimed is None:
            report.already_claimed += 1
            return None
        report.claimed += 1
        return claimed

    @property
    def _sender(self) -> ClaimedSender[SkipReason]:
        return ClaimedSender(self.db, self.outbound, RECALL_ROWS, self.give_up_after)

    def _retry(self, org: str, recall_id: str, at: datetime, report: RecallReport) -> Outcome | None:
        try:
            stale = recalls.get_recall(self.db, org, recall_id)
        except Exception as exc:
            self._sender.failed(org, recall_id, "content", exc, report)
            return "failed"
        if stale is None or stale.status != "claimed":
            return None
        return self._queue(stale, at, report)

    def _queue(self, recall: Recall, at: datetime, report: RecallReport) -> Outcome:
        def build() -> OutboundJob | SkipReason:
            content = recalls.recall_content(self.db, recall.organization_id, recall.id, at)
            why = unsendable(content)
            if why is not None or content is None:
                return why or "gone"
            return recall_job(recall, content)

        return self._sender.queue(recall.organization_id, recall.id, build, report)


def unsendable(content: RecallContent | None) -> SkipReason | None:
    """Why a claimed recall must not go out now, or None."""
    if content is None:
        return "gone"
    if not content.enabled:
        return "disabled"
    if not content.consented:
        return "no_consent"
    if content.booked or content.no_show:
        return "not_due"
    if not content.template_id or not content.template_usable:
        return "no_template"
    if not content.app_name:
        return "no_app"
    return None


def recall_job(recall: Recall, content: RecallContent) -> OutboundJob:
    """The notifier's "offer" job for a claimed recall that may be sent (`unsendable` said None)."""
    params = content.params()
    return OutboundJob.for_offer(
        content.conversation,
        offer_ref(recall.id),
        template_id=content.template_id or "",
        params=params,
        postbacks=[postback_text(recall.token, action) for action in BUTTON_ACTIONS],
        text=preview(content, params),
    )


def preview(content: RecallContent, params: list[str]) -> str:
    """The template's text as the customer sees it (the chat history's row)."""
    body = content.template_body
    if body and placeholder_count(body) == len(params):
        return render_template(body, params)
    return f"[template {content.template_id}] " + " | ".join(params)
