"""The no-show policy where staff see customers and appointments (crm/noshow.py,
crm/outcomes.noshow_metrics): a customer's no-show count, and the appointments page's figures
before and after the policy came on, with their times as the business's days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from receptionist.crm import noshow, outcomes
from receptionist.crm.connection import Database
from receptionist.crm.noshow import NoShowStanding
from receptionist.crm.outcomes import NoShowMetrics


@dataclass(frozen=True)
class NoShowPanel:
    metrics: NoShowMetrics  # its instants shown as the business's days by the page's formatter (console/times.py)


def noshow_panel(db: Database, organization_id: str, first: date, last: date, timezone: str) -> NoShowPanel:
    """The no-show rate before and after the policy, for the days first..last (inclusive)."""
    since, until = outcomes.local_period(first, last, timezone)
    return NoShowPanel(outcomes.noshow_metrics(db, organization_id, since, until))


def customer_no_shows(
    db: Database, organization_id: str, contact_id: str | None, now: datetime, timezone: str
) -> NoShowStanding | None:
    """The customer's no-shows in the policy's window (None without a contact)."""
    return noshow.standing(db, organization_id, contact_id, now, timezone) if contact_id else None
