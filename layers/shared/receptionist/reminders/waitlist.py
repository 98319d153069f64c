"""One offer pass: freed slots -> offers claimed exactly once -> "offer" jobs on the outbound queue.

    OfferPass(db, outbound).run()

Every minute (RemindersFunction's second schedule, docs/waitlist.md):
  1. expire: live offers past their time -> 'expired'; waiting entries whose days passed ->
     'expired' (one statement across businesses);
  2. re-send the claims of an earlier pass older than `stale_after` that never reached the queue
     (a pass that died between claim and send): the same job id, so the queue's deduplication and
     the notifier's per-job idempotency deliver it once;
  3. each unprocessed opening, inside `db.acting_for(organization)`: the waiting entries whose
     member and days fit, in the order they asked; for each one not holding a live offer and not
     offered this opening before, the earliest slot of the opening still FREE now
     (crm.availability: hours, time off, busy blocks, lead time, other appointments) in its part
     of the day; claim it (INSERT ... ON CONFLICT DO NOTHING: nobody is offered the same slot
     twice), build the job, send it to the outbound FIFO (deduplication id "offer#waitlist:<id>"),
     mark it 'queued'. At most `batch_size` live offers per opening: when one expires, is declined
     or lost, the next pass offers the slot (if still free) to the next entries. An opening is
     processed once it has no live offer and nothing more can be offered from it.

Each offer fails alone: an error in any step is logged by type and place, counted, kept on its
row (attempts, last_error), and tried again by the next passes, GIVE_UP_AFTER times in all, then
given up ('failed'). An opening whose work failed stays for the next pass. The report carries
counts only (no numbers, no names).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from receptionist.crm import noshow, waitlist_offers
from receptionist.crm.availability import BookingWindow, available_slots
from receptionist.crm.connection import Database
from receptionist.crm.models import Service, Slot
from receptionist.crm.schedule import booking_window
from receptionist.crm.settings.waitlist import waitlist_settings
from receptionist.crm.waitlist_offers import Candidate, Offer, Opening, SkipReason
from receptionist.logsafe import error_fields
from receptionist.messages import OutboundJob, Queue
from receptionist.reminders.claimed import ClaimedRows, ClaimedSender, Outcome
from receptionist.reminders.waitlist_jobs import MIN_OFFER_MINUTES, offer_job, pick_slot, unsendable

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=1)
GIVE_UP_AFTER = 5  # tries of one offer (this pass's and the next ones', a minute apart)
MAX_OPENINGS = 200  # per pass: the rest wait for the next minute

# How a claimed offer is marked and its failures kept (reminders/claimed.py: one piece for the passes).
OFFER_ROWS: ClaimedRows[SkipReason] = ClaimedRows(
    "waitlist offer",
    "offer_id",
    mark=lambda db, org, row, status, why: waitlist_offers.mark_offer(db, org, row, status, why),
    record_failure=lambda db, org, row, error, tries: waitlist_offers.record_failure(db, org, row, error, tries),
)


@dataclass
class OfferReport:
    expired_offers: int = 0  # live offers whose time was up
    expired_entries: int = 0  # waiting entries whose days passed
    openings: int = 0  # openings worked on
    closed: int = 0  # of those, processed for good (nothing more to offer)
    claimed: int = 0  # offers claimed by this pass
    already_claimed: int = 0  # an overlapping pass claimed that slot for that entry first
    queued: int = 0  # offer jobs put on the outbound queue (new and re-sent)
    requeued: int = 0  # of those, claims of an earlier pass
    skipped: int = 0  # claimed but not sendable (no template outside the window, no app, opted out...)
    failed: int = 0  # a step failed for one offer or opening (tried again by the next pass)
    given_up: int = 0  # of those, offers at their last try: 'failed' for good

    def counts(self, prefix: str = "") -> dict[str, int]:
        return {f"{prefix}{k}": v for k, v in vars(self).items()}


@dataclass
class OfferPass:
    db: Database
    outbound: Queue
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    stale_after: timedelta = STALE_AFTER
    give_up_after: int = GIVE_UP_AFTER
    max_openings: int = MAX_OPENINGS

    def run(self) -> OfferReport:
        report = OfferReport()
        now = self.now()
        report.expired_offers, report.expired_entries = waitlist_offers.expire(self.db, now)
        for org, offer_id in waitlist_offers.unqueued_offers(self.db, now - self.stale_after):
            with self.db.acting_for(org):
                if self._retry(org, offer_id, report) == "queued":
                    report.requeued += 1
        for org, opening_id in waitlist_offers.openings_due(self.db, self.max_openings):
            report.openings += 1
            with self.db.acting_for(org):
                try:
                    self._opening(org, opening_id, report)
                except Exception:
                    # Nothing of it marked processed: the next pass works it again.
                    report.failed += 1
                    logger.error(
                        "waitlist opening not worked; the next pass tries again",
                        extra={"opening_id": opening_id, "organization_id": org, **error_fields()},
                    )
        return report

    # -- openings -----------------------------------------------------------------------------
    def _opening(self, org: str, opening_id: int, report: OfferReport) -> None:
        opening = waitlist_offers.get_opening(self.db, org, opening_id)
        if opening is None or opening.processed_at is not None:
            return
        now = self.now()
        settings = waitlist_settings(self.db, org)
        window = booking_window(self.db, org)
        too_late = opening.ends_at <= now + timedelta(minutes=window.lead_minutes + MIN_OFFER_MINUTES)
        if not settings.enabled or too_late:
            waitlist_offers.mark_processed(self.db, org, opening.id, now)
            report.closed += 1
            return
        state = waitlist_offers.opening_state(self.db, opening, window.timezone)
        room = settings.batch_size - state.live_offers
        made = failed = waiting_on_others = 0
        slots: dict[tuple[str, date, date], list[Slot]] = {}
        for candidate in state.candidates:
            if made >= room:
                break
            if candidate.offered_here:
                continue
            if candidate.live_offer:  # one offer at a time: it may take this one when that one ends
                waiting_on_others += 1
                continue
            if noshow.standing(self.db, org, candidate.contact_id, now, window.timezone).refused:
                continue  # past the no-show policy's limit: an offer is booked by a tap, without staff
            free = self._free_slots(org, opening, candidate, window, now, slots)
            picked = pick_slot(free, opening, candidate.day_part, now, settings.offer_minutes, window.lead_minutes)
            if picked is None:
                continue
            slot, expires = picked
            outcome = self._claim_and_queue(org, opening, candidate, slot, expires, report)
            made += outcome == "made"
            failed += outcome == "failed"
        if not (made or failed or waiting_on_others or state.live_offers):
            waitlist_offers.mark_processed(self.db, org, opening.id, now)
            report.closed += 1

    def _free_slots(
        self,
        org: str,
        opening: Opening,
        candidate: Candidate,
        window: BookingWindow,
        now: datetime,
        cache: dict[tuple[str, date, date], list[Slot]],
    ) -> list[Slot]:
        """The entry's service's free slots of the opening's member on the opening's days within
        the entry's (one availability read per service and days, per opening)."""
        zone = ZoneInfo(window.timezone)
        first = max(candidate.first_day, opening.starts_at.astimezone(zone).date())
        last = min(candidate.last_day, (opening.ends_at - timedelta(microseconds=1)).astimezone(zone).date())
        if first > last:
            return []
        key = (candidate.service.id, first, last)
        if key not in cache:
            service: Service = candidate.service
            cache[key] = available_slots(
                self.db, org, service, window, first, last, now=now, member_id=opening.member_id
            )
        return cache[key]

    def _claim_and_queue(
        self, org: str, opening: Opening, candidate: Candidate, slot: Slot, expires: datetime, report: OfferReport
    ) -> Literal["made", "none", "failed"]:
        try:
            offer = waitlist_offers.claim_offer(
                self.db,
                org,
                candidate.entry_id,
                opening.id,
                slot.member_id,
                candidate.service.id,
                slot.starts_at,
                slot.ends_at,
                expires,
                self.now(),
            )
        except Exception:
            # No row to keep the error on: the opening stays, the next pass claims again.
            logger.error(
                "waitlist offer not claimed; the next pass tries again", extra={"step": "claim", **error_fields()}
            )
            report.failed += 1
            return "failed"
        if offer is None:
            report.already_claimed += 1
            return "none"
        report.claimed += 1
        self._queue(offer, report)
        return "made"

    # -- offers -------------------------------------------------------------------------------
    @property
    def _sender(self) -> ClaimedSender[SkipReason]:
        return ClaimedSender(self.db, self.outbound, OFFER_ROWS, self.give_up_after)

    def _retry(self, org: str, offer_id: str, report: OfferReport) -> Outcome | None:
        try:
            stale = waitlist_offers.get_offer(self.db, org, offer_id)
        except Exception as exc:
            self._sender.failed(org, offer_id, "content", exc, report)
            return "failed"
        if stale is None or stale.status != "claimed":
            return None
        return self._queue(stale, report)

    def _queue(self, offer: Offer, report: OfferReport) -> Outcome:
        def build() -> OutboundJob | SkipReason:
            now = self.now()
            content = waitlist_offers.offer_content(self.db, offer.organization_id, offer.id)
            why = unsendable(content, now)
            if why is not None or content is None:
                return why or "gone"
            return offer_job(offer, content, now)

        return self._sender.queue(offer.organization_id, offer.id, build, report)
