"""One retention run: for every business, what its windows make due is removed, in every store an
erasure reaches, within the time the run has.

    RetentionRun(ledger, forget, objects).run(deadline)

Per business, four passes, each in batches:
  - vault: blocked customers at their date: their kept media (blocked/) deleted, then the vault row
    (audited 'blocked_customer_destroyed');
  - usage: usage rows and budget notices past the window deleted (in the CRM);
  - media: copies of voice notes and photos past their days deleted (media/), then the CRM's mark
    moved past them (a crash in between deletes them again: harmless);
  - customers: each customer with no activity for the window is removed as an erasure is, by the
    same ForgetService over the same stores (Langfuse, idempotency records, the agent's memory,
    the conversations table, media, then the CRM in one transaction), as the request of actor
    'retention' (receptionist.crm.retention.RetentionPrivacyLedger). A customer found active when
    their turn comes (a message of theirs waits in the conversations table: asked first, nothing
    touched; or they wrote or were booked while being removed: the CRM finds it at the end) is
    kept and the request cancelled.

The CRM decides what is due with its own clock (nothing here passes a time), so two runs at once,
or a rerun after a crash, find only what is still due: every step is idempotent (deleting what is
gone is no error, a request that died is resumed or, after an hour, cancelled and begun again).

Bounded: businesses are served in rounds (one batch of each pass per business per round), so a
business with a large backlog does not hold up the others; the run stops starting work when the
deadline (the Lambda's remaining time less a reserve) is near, and what is left is the next run's
(`backlog`: businesses with work left). Each batch and each customer fails alone (counted, logged
by type and place, the next one goes on); a missing customer key stops customer removals for the
run. The report carries counts only: never a number, a name or a text.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Final, Literal

from receptionist.conversation_key import ConversationKey
from receptionist.deadline import Deadline
from receptionist.logsafe import error_fields
from receptionist.privacy import keys
from receptionist.privacy.forget import ForgetService, Outcome
from receptionist.privacy.ports import Caller, CustomerActive, ForgetRefused
from receptionist.privacy.stores import Customer
from receptionist.retention.ports import AnotherRequest, Business, DueCustomer, Objects, RetentionLedger

logger = logging.getLogger(__name__)

ACTOR: Final = Caller(actor="retention")  # the CRM writes its own reason (the window) on the request
REASON: Final = "retention"
# Per business and round. Customers: ~10 calls each (docs/privacy.md has the measured time); media:
# one DeleteObjects per app; usage: one statement.
CUSTOMERS_PER_ROUND: Final = 50
# Due customers are listed this many at a time (the list reads every candidate's activity: one
# listing serves several rounds; each customer is checked again when their removal begins).
DUE_PAGE: Final = 500
MEDIA_PER_ROUND: Final = 500
USAGE_PER_ROUND: Final = 5000
VAULT_PER_ROUND: Final = 50
# No customer removal is started with less time left than this (one with Langfuse on is a few calls).
MIN_SECONDS: Final = 5.0

Pass = Literal["stale", "vault", "usage", "media", "customers"]


@dataclass
class RetentionReport:
    """What a run removed, in counts (never who)."""

    businesses: int = 0
    customers_removed: int = 0
    # Due when listed, no longer when their turn came: active again (kept, the request cancelled),
    # or removed meanwhile by another run.
    customers_skipped: int = 0
    customers_busy: int = 0  # another request (an owner's) runs for them: theirs to finish
    customers_failed: int = 0  # a store or the CRM failed: resumed (or begun again) by a later run
    requests_cancelled: int = 0  # requests a dead run left: cancelled (a customer still due is begun again)
    media_removed: int = 0  # media messages whose copies (one per Gupshup app) were deleted
    usage_removed: int = 0
    notices_removed: int = 0
    staff_sends_removed: int = 0
    vault_removed: int = 0
    vault_media_removed: int = 0
    failed: int = 0  # passes and customers that failed
    backlog: int = 0  # businesses with work left when the run's time was up
    seconds: float = 0.0
    rows: Counter[str] = field(default_factory=Counter)  # removed customers' CRM rows, per table
    items: Counter[str] = field(default_factory=Counter)  # removed customers' items, per store outside the CRM

    def counts(self) -> dict[str, int]:
        """Every count, flat (rows_<table>, items_<store>), for the log line and the tests."""
        out = {k: v for k, v in vars(self).items() if isinstance(v, int)}
        out.update({f"rows_{k}": v for k, v in sorted(self.rows.items())})
        out.update({f"items_{k}": v for k, v in sorted(self.items.items())})
        return out

    def add(self, outcome: Outcome) -> None:
        self.customers_removed += 1
        self.rows.update(outcome.rows)
        self.items.update({name: report.removed for name, report in outcome.stores.items()})


@dataclass
class _Progress:
    business: Business
    after: tuple[datetime, str] | None = None  # the last customer listed (keyset: never twice in a run)
    queue: list[DueCustomer] = field(default_factory=list)  # listed, not yet met
    listed_all: bool = False  # the last listing was the end of the list
    done: set[Pass] = field(default_factory=set)

    @property
    def finished(self) -> bool:
        return self.done >= {"vault", "usage", "media", "customers"}


@dataclass
class RetentionRun:
    ledger: RetentionLedger
    forget: ForgetService  # built on RetentionPrivacyLedger: its requests are retention's
    objects: Objects  # the media bucket
    # Whether a message of the customer waits in the conversations table, not yet in the CRM: asked
    # before anything of theirs is removed (adapters/privacy_stores.py RetainedConversationItems).
    waiting: Callable[[Customer], bool] = field(default=lambda customer: False)
    clock: Callable[[], float] = field(default=time.monotonic)
    customers_per_round: int = CUSTOMERS_PER_ROUND
    due_page: int = DUE_PAGE
    media_per_round: int = MEDIA_PER_ROUND
    usage_per_round: int = USAGE_PER_ROUND
    vault_per_round: int = VAULT_PER_ROUND
    _no_key: bool = field(default=False, init=False)

    def run(self, deadline: Deadline, only: Collection[str] | None = None) -> RetentionReport:
        """Every business (or those in `only`), until nothing is due or the deadline is near."""
        started, report = self.clock(), RetentionReport()
        self._no_key = False
        progress = [_Progress(b) for b in self.ledger.businesses() if only is None or b.organization_id in only]
        report.businesses = len(progress)
        for item in progress:
            self._pass(report, "stale", partial(self._stale, item.business.organization_id, report))
        pending = list(progress)
        while pending and deadline.remaining() > MIN_SECONDS:
            for item in list(pending):
                if deadline.remaining() <= MIN_SECONDS:
                    break
                self._round(item, report, deadline)
                if item.finished:
                    pending.remove(item)
        report.backlog = len(pending)
        report.seconds = round(self.clock() - started, 3)
        return report

    # -- one round of one business: a batch of each pass not finished ------------------------------
    def _round(self, item: _Progress, report: RetentionReport, deadline: Deadline) -> None:
        business = item.business
        steps: tuple[tuple[Pass, Callable[[], bool]], ...] = (
            ("vault", lambda: self._vault(business, report)),
            ("usage", lambda: self._usage(business, report)),
            ("media", lambda: self._media(business, report)),
            ("customers", lambda: self._customers(item, report, deadline)),
        )
        for name, step in steps:
            if name in item.done:
                continue
            if deadline.remaining() <= MIN_SECONDS:
                return
            if self._pass(report, name, step) is not False:  # finished, or failed (the next run's)
                item.done.add(name)

    def _pass(self, report: RetentionReport, name: Pass, step: Callable[[], bool]) -> bool | None:
        """Runs one batch; whether the pass is finished (None: it failed, counted and logged)."""
        try:
            return step()
        except Exception:
            report.failed += 1
            logger.error("retention pass failed; the next run tries again", extra={"step": name, **error_fields()})
            return None

    def _stale(self, org: str, report: RetentionReport) -> bool:
        report.requests_cancelled += self.ledger.cancel_stale(org)
        return True

    def _vault(self, business: Business, report: RetentionReport) -> bool:
        org = business.organization_id
        due = self.ledger.due_vault(org, self.vault_per_round)
        for vault in due:
            # Only what a block kept under blocked/ (the vault lists nothing else; checked anyway).
            kept = [k for k in vault.media if k.startswith(f"{keys.BLOCKED_PREFIX}/")]
            if kept:
                self.objects.delete(kept)
                report.vault_media_removed += len(kept)
            if self.ledger.remove_vault(org, vault.vault_id):
                report.vault_removed += 1
        return len(due) < self.vault_per_round

    def _usage(self, business: Business, report: RetentionReport) -> bool:
        removed = self.ledger.remove_usage(business.organization_id, self.usage_per_round)
        report.usage_removed += removed.turn_usage
        report.notices_removed += removed.budget_notices
        report.staff_sends_removed += removed.staff_template_sends
        batches = (removed.turn_usage, removed.budget_notices, removed.staff_template_sends)
        return all(n < self.usage_per_round for n in batches)

    def _media(self, business: Business, report: RetentionReport) -> bool:
        org = business.organization_id
        due = self.ledger.due_media(org, self.media_per_round)
        if due:
            copies = [
                keys.media_key(str(ConversationKey(app, media.number)), media.message_id)
                for media in due
                for app in business.apps
            ]
            if copies:
                self.objects.delete(copies)
            self.ledger.media_done(org, due[-1])
            report.media_removed += len(due)
        return len(due) < self.media_per_round

    def _customers(self, item: _Progress, report: RetentionReport, deadline: Deadline) -> bool:
        if self._no_key:
            return True
        org = item.business.organization_id
        if not item.queue and not item.listed_all:
            item.queue = self.ledger.due_customers(org, self.due_page, item.after)
            item.listed_all = len(item.queue) < self.due_page
            if item.queue:
                item.after = (item.queue[-1].last_activity, item.queue[-1].number)
        for _ in range(self.customers_per_round):
            if not item.queue:
                break
            if deadline.remaining() <= MIN_SECONDS:
                return False  # the next round (or run) goes on from here
            self._remove(item.business, item.queue.pop(0), report)
            if self._no_key:
                return True
        return not item.queue and item.listed_all

    def _remove(self, business: Business, customer: DueCustomer, report: RetentionReport) -> None:
        org = business.organization_id
        try:
            if self.waiting(Customer(org, customer.number, business.apps)):
                raise CustomerActive("a message of theirs waits: nothing is touched")
            outcome = self.forget.forget(ACTOR, org, customer.number, "erase", REASON)
        except CustomerActive:
            report.customers_skipped += 1
            self._cancel(org, customer, report)
        except AnotherRequest:
            report.customers_busy += 1
        except ForgetRefused as exc:
            if exc.code == "no_request":  # another run (at the same time) finished their removal first
                report.customers_skipped += 1
                return
            report.customers_failed += 1
            report.failed += 1
            if exc.code == "no_key":
                self._no_key = True  # every customer would fail alike: none is tried this run
            logger.error("customer not removed", extra={"step": "customers", "refused": exc.code})
        except Exception:
            report.customers_failed += 1
            report.failed += 1
            logger.error("customer not removed; a later run resumes it", extra={"step": "customers", **error_fields()})
        else:
            report.add(outcome)

    def _cancel(self, org: str, customer: DueCustomer, report: RetentionReport) -> None:
        """Their request, if one runs (a store's guard found them active), is cancelled."""
        try:
            ref = keys.pseudonym(self.forget.customer_key().encode(), org, customer.number)
            self.ledger.cancel(org, ref)
        except Exception:  # left running: the next run cancels it (stale after an hour)
            report.failed += 1
            logger.error("retention request not cancelled", extra={"step": "customers", **error_fields()})
