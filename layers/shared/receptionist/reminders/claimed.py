"""What the claim-once passes (reminders, recalls, waitlist offers) do once a row is claimed, one
piece for the three: the row's job built, put on the outbound FIFO queue (its deterministic job
id deduplicates a re-send) and the row marked queued; or the row marked skipped when it must not
go out; or, when a step fails, why kept on the row (type, SQL state and place: never the message,
which can quote personal data) and the try counted, the row given up at the last one. Each step
is named, so a failure says where the pass stopped (the crash windows tested in
tests/integration/reminders and tests/integration/waitlist)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database
from receptionist.logsafe import error_fields
from receptionist.messages import OutboundJob, Queue, fifo_id

logger = logging.getLogger(__name__)

Step = Literal["claim", "content", "send", "mark"]
Outcome = Literal["queued", "skipped", "failed"]
Reason = TypeVar("Reason", bound=str)  # why a claimed row is skipped: each kind's SkipReason


class Counts(Protocol):
    """A pass's report, as far as sending a claimed row counts in it."""

    queued: int
    skipped: int
    failed: int
    given_up: int


@dataclass(frozen=True)
class ClaimedRows(Generic[Reason]):
    """One kind of claimed row: what the logs call it and how the CRM marks it. The CRM's functions
    are looked up at each call (`lambda`s in each pass), so a test can replace one to crash there."""

    noun: str  # "reminder", "recall", "waitlist offer": the logs' words
    id_field: str  # the log field of the row's id
    mark: Callable[[Database, str, str, Literal["queued", "skipped"], Reason | None], object]
    record_failure: Callable[[Database, str, str, str, int], str | None]  # -> the row's status after it


@dataclass(frozen=True)
class ClaimedSender(Generic[Reason]):
    db: Database
    outbound: Queue
    rows: ClaimedRows[Reason]
    give_up_after: int

    def queue(self, org: str, row_id: str, build: Callable[[], OutboundJob | Reason], counts: Counts) -> Outcome:
        """Build the row's job (`build`: the job, or why it must not go out) and queue it, or mark
        the row skipped; a failing step is recorded on the row."""
        step: Step = "content"
        try:
            built = build()
            if not isinstance(built, OutboundJob):
                step = "mark"
                self.rows.mark(self.db, org, row_id, "skipped", built)
                counts.skipped += 1
                return "skipped"
            step = "send"
            self.outbound.send(
                built, group=ConversationKey.parse(built.conversation).group, dedup_id=fifo_id(built.job_id)
            )
            step = "mark"
            self.rows.mark(self.db, org, row_id, "queued", None)
        except Exception as exc:
            self.failed(org, row_id, step, exc, counts)
            return "failed"
        counts.queued += 1
        return "queued"

    def failed(self, org: str, row_id: str, step: Step, exc: Exception, counts: Counts) -> None:
        """Keep why on the row and count it; at the last try the row is given up."""
        fields = error_fields(exc)
        counts.failed += 1
        status = None
        try:
            status = self.rows.record_failure(self.db, org, row_id, failure_reason(step, fields), self.give_up_after)
        except Exception:
            logger.error(f"{self.rows.noun} failure not recorded", extra={self.rows.id_field: row_id, **error_fields()})
        given_up = status == "failed"
        counts.given_up += given_up
        logger.error(
            f"{self.rows.noun} given up" if given_up else f"{self.rows.noun} not queued; a later pass tries again",
            extra={self.rows.id_field: row_id, "organization_id": org, "step": step, **fields},
        )


def failure_reason(step: Step, fields: dict[str, str]) -> str:
    """What a claimed row's last_error keeps: "send: ClientError at receptionist.x:12"."""
    reason = f"{step}: {fields.get('error', 'error')}"
    if "sqlstate" in fields:
        reason += f" [{fields['sqlstate']}]"
    if "error_at" in fields:
        reason += f" at {fields['error_at']}"
    return reason
