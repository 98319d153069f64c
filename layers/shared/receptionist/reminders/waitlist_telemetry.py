"""What an offer pass's report means as telemetry: one log line and EMF metrics per run.

Counts only, never numbers or names. Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus
the `service` dimension):
  WaitlistOffersQueued    offer jobs this run put on the outbound queue (new and re-sent)
  WaitlistOffersRequeued  of those, claims of an earlier run that died before queueing
  WaitlistOffersSkipped   claimed but not sendable (no template outside the window, no app, opted out)
  WaitlistOffersExpired   live offers whose time was up
  WaitlistOffersFailed    offers or openings a step failed for in this run: each alone, tried again
  WaitlistOffersGivenUp   of those, offers at their last try, now 'failed' for good (alarmed:
                          WaitlistGivenUpAlarm in template.yaml)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.reminders.waitlist import OfferReport
from receptionist.telemetry import Event, Failure

OFFERS_QUEUED: Final = "WaitlistOffersQueued"
OFFERS_REQUEUED: Final = "WaitlistOffersRequeued"
OFFERS_SKIPPED: Final = "WaitlistOffersSkipped"
OFFERS_EXPIRED: Final = "WaitlistOffersExpired"
OFFERS_FAILED: Final = "WaitlistOffersFailed"
OFFERS_GIVEN_UP: Final = "WaitlistOffersGivenUp"


def describe(report: OfferReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        # A run that could not finish (the database unreachable): the next minute's run goes on.
        return Event("waitlist pass failed; the next run goes on", level="error", fields=fields, with_error=True)
    return Event(
        "waitlist pass done; some offers failed" if report.failed else "waitlist pass done",
        level="error" if report.failed else "info",
        fields={**report.counts(), **fields},
        counts={
            OFFERS_QUEUED: report.queued,
            OFFERS_REQUEUED: report.requeued,
            OFFERS_SKIPPED: report.skipped,
            OFFERS_EXPIRED: report.expired_offers,
            OFFERS_FAILED: report.failed,
            OFFERS_GIVEN_UP: report.given_up,
        },
    )
