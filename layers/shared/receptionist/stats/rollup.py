"""The daily roll-up (docs/stats.md): each business's local days counted, priced and written to
daily_business_stats, one row per day, so the dashboard and the operator's costs read one row a
day instead of every message.

Which days: every run recomputes the business's last TRAILING_DAYS local days (today included):
what a day counts keeps arriving after it ends (Gupshup's delivery statuses and failures move a
message out of the priced ones, a staff reply to an evening escalation comes the next morning, a
reminder is answered the day after). Once a night (the run in the business's local hour
NIGHTLY_HOUR) it recomputes NIGHTLY_DAYS instead: outcomes staff record late (completed,
no-show) and erasures reach older days. A day is always recomputed whole from its source rows
and rewritten (idempotent: the same rows give the same day), so a late event is corrected by the
next run whose window covers its day. Older days are corrected by a backfill
(`python -m receptionist.stats`).

Prices: the model's tokens at receptionist.model_prices (the turn's model, else the deployment's);
WhatsApp templates at the rate card valid on that day (receptionist.stats.whatsapp_prices); AWS
at the bench's price model per inbound message (receptionist.stats.aws_prices).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from receptionist.crm import stats_rollup
from receptionist.crm.connection import Database
from receptionist.crm.stats_rollup import Business, DayCounts
from receptionist.deadline import Deadline
from receptionist.model_prices import cost_usd
from receptionist.stats.aws_prices import aws_cost_usd
from receptionist.stats.latency import FIRST_REPLY_MS_EDGES, STAFF_REPLY_SECONDS_EDGES, histogram
from receptionist.stats.whatsapp_prices import card_on, market_of

logger = logging.getLogger(__name__)

TRAILING_DAYS: Final = 3
NIGHTLY_DAYS: Final = 35
NIGHTLY_HOUR: Final = 3
_CENTS = Decimal("0.000001")


def window(now: datetime, timezone: str) -> tuple[date, date]:
    """The local days [since, until) a run at `now` recomputes for a business in `timezone`."""
    local = now.astimezone(ZoneInfo(timezone))
    until = local.date() + timedelta(days=1)
    span = NIGHTLY_DAYS if local.hour == NIGHTLY_HOUR else TRAILING_DAYS
    return until - timedelta(days=span), until


def _usd(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(_CENTS)


def model_cost(counts: DayCounts, default_model: str) -> Decimal:
    """The day's tokens at list prices: each turn's model, else the deployment's; a model without
    a listed price adds nothing (its tokens are still counted)."""
    total = Decimal(0)
    for usage in counts.usage:
        cost = cost_usd(usage.model or default_model, usage.prompt_tokens, usage.completion_tokens)
        if cost is None:
            logger.warning("model without a price; its tokens are not costed", extra={"model": usage.model})
            continue
        total += Decimal(str(cost))
    return total.quantize(_CENTS)


def whatsapp(counts: DayCounts) -> dict[str, Any]:
    """The day's template messages by category and their price at the card valid that day.
    UTILITY inside the customer's 24-hour window is free; a template whose category is not known
    (not synced from Gupshup) is priced as UTILITY, the category of reminders and waitlist offers."""
    card = card_on(counts.day)
    out: dict[str, Any] = {
        "wa_service": counts.wa_service,
        "wa_utility_free": 0,
        "wa_utility": 0,
        "wa_marketing": 0,
        "wa_authentication": 0,
    }
    cost = Decimal(0)
    for sends in counts.templates:
        category = (sends.category or "UTILITY").upper()
        market = market_of(sends.prefix)
        if category == "MARKETING":
            out["wa_marketing"] += sends.count
            cost += card.price(market, "marketing") * sends.count
        elif category == "AUTHENTICATION":
            out["wa_authentication"] += sends.count
            cost += card.price(market, "authentication") * sends.count
        elif sends.in_window:
            out["wa_utility_free"] += sends.count
        else:
            out["wa_utility"] += sends.count
            cost += card.price(market, "utility") * sends.count
    out["whatsapp_cost_usd"] = cost.quantize(_CENTS)
    out["rate_card"] = card.id
    return out


def priced(counts: DayCounts, default_model: str) -> dict[str, Any]:
    """The daily_business_stats row of a day's counts (without organization_id and computed_at)."""
    staff_waits = counts.staff_reply_seconds
    return {
        "day": counts.day.isoformat(),
        "conversations": counts.conversations,
        "inbound_messages": counts.inbound_messages,
        "turns": counts.turns,
        "resolved_alone": counts.resolved_alone,
        "booked_assistant": counts.booked_assistant,
        "booked_console": counts.booked_console,
        "booked_reminder": counts.booked_reminder,
        "booked_waitlist": counts.booked_waitlist,
        "booked_other": counts.booked_other,
        "confirmed": counts.confirmed,
        "cancelled": counts.cancelled,
        "moved": counts.moved,
        "completed": counts.completed,
        "no_shows": counts.no_shows,
        "reminders_sent": counts.reminders_sent,
        "reminders_confirmed": counts.reminders_confirmed,
        "escalations": counts.escalations,
        "staff_replies": len(staff_waits),
        "staff_reply_seconds": histogram(staff_waits, STAFF_REPLY_SECONDS_EDGES) if staff_waits else [],
        "first_replies": len(counts.first_reply_ms),
        "first_reply_ms": histogram(counts.first_reply_ms, FIRST_REPLY_MS_EDGES) if counts.first_reply_ms else [],
        "prompt_tokens": counts.prompt_tokens,
        "completion_tokens": counts.completion_tokens,
        "model_cost_usd": model_cost(counts, default_model),
        **whatsapp(counts),
        "aws_cost_usd": aws_cost_usd(counts.inbound_messages),
    }


@dataclass
class RollupReport:
    businesses: int = 0  # businesses rolled up this run
    days: int = 0  # day rows written
    failed: int = 0  # businesses whose roll-up failed (each alone; the next run recomputes them)
    left: int = 0  # businesses the time left did not reach (the next run's)

    def counts(self, prefix: str = "stats_") -> dict[str, int]:
        return {
            f"{prefix}businesses": self.businesses,
            f"{prefix}days": self.days,
            f"{prefix}failed": self.failed,
            f"{prefix}left": self.left,
        }


class RollupPass:
    """The hourly pass (RemindersFunction, event {"pass": "stats"}) and the backfill's engine."""

    def __init__(
        self,
        db: Database,
        default_model: str,
        businesses: Callable[[Database], list[Business]] = stats_rollup.businesses,
    ) -> None:
        self.db = db
        self.default_model = default_model
        self.businesses = businesses  # every business and its zone (tests narrow it to their own)

    def business_days(self, business: Business, since: date, until: date) -> int:
        """Recompute and rewrite the business's local days [since, until): the rows written."""
        with self.db.acting_for(business.organization_id):
            rows = [priced(c, self.default_model) for c in stats_rollup.day_counts(self.db, business, since, until)]
            return stats_rollup.write_days(self.db, business.organization_id, rows)

    def run(
        self,
        now: datetime,
        deadline: Deadline | None = None,
        days: Callable[[datetime, str], tuple[date, date]] = window,
    ) -> RollupReport:
        report = RollupReport()
        everyone = self.businesses(self.db)
        for index, business in enumerate(everyone):
            if deadline is not None and deadline.remaining() <= 0:
                report.left = len(everyone) - index
                logger.warning("stats pass out of time; the rest is the next run's", extra={"left": report.left})
                break
            try:
                since, until = days(now, business.timezone)
                report.days += self.business_days(business, since, until)
                report.businesses += 1
            except Exception as exc:  # one business's failure never holds the others back
                report.failed += 1
                logger.exception(
                    "stats roll-up failed for a business; the next run recomputes it",
                    extra={"organization_id": business.organization_id, "error": type(exc).__name__},
                )
        return report

    def backfill(self, since: date, until: date, organization_ids: Iterable[str] | None = None) -> RollupReport:
        """Recompute [since, until) for the given businesses (every business when None), a month
        at a time (one statement's work stays bounded)."""
        report = RollupReport()
        wanted = set(organization_ids) if organization_ids is not None else None
        for business in self.businesses(self.db):
            if wanted is not None and business.organization_id not in wanted:
                continue
            start, written = since, 0
            try:
                while start < until:
                    end = min(until, start + timedelta(days=31))
                    written += self.business_days(business, start, end)
                    start = end
            except Exception as exc:  # reported; the other businesses go on
                report.failed += 1
                logger.exception(
                    "stats backfill failed for a business",
                    extra={"organization_id": business.organization_id, "error": type(exc).__name__},
                )
                continue
            report.days += written
            report.businesses += 1
        return report
