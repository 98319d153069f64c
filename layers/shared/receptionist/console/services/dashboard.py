"""The owner's dashboard (issue 31, point 3): what the assistant did for the business over the last
7, 30 or 90 days of its own calendar, read from the daily roll-up (crm/business_stats.py: one row
per local day; a day without a row counts zeros) and summed here.

Counts add up day by day; latency percentiles cannot (a month's p95 is not a mean of daily ones),
so the days' histograms are merged bucket by bucket and the percentile is read from the sum
(receptionist.stats.latency). The same days make the CSV export: one line per day, numbers only
(the roll-up keeps no customer, number or words), under stable English column names so a
spreadsheet or a script keeps reading it whatever language the console is in."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

from receptionist.crm import business_stats
from receptionist.crm.business_stats import DayStats
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount
from receptionist.crm.settings.persona import persona
from receptionist.stats.latency import (
    FIRST_REPLY_MS_EDGES,
    STAFF_REPLY_SECONDS_EDGES,
    Percentile,
    merged,
    percentile,
)

PERIODS: Final[tuple[int, ...]] = (7, 30, 90)
DEFAULT_PERIOD: Final = 30
BOOKING_SOURCES: Final[tuple[str, ...]] = ("assistant", "console", "reminder", "waitlist", "other")
# The owner's counts: summed over a period, one CSV column each. Costs, tokens and WhatsApp
# categories are the operator's (its costs page), not the owner's: not summed, shown or exported.
COUNTS: Final[tuple[str, ...]] = (
    "conversations",
    "inbound_messages",
    "turns",
    "resolved_alone",
    *(f"booked_{source}" for source in BOOKING_SOURCES),
    "confirmed",
    "cancelled",
    "moved",
    "completed",
    "no_shows",
    "reminders_sent",
    "reminders_confirmed",
    "escalations",
    "staff_replies",
    "first_replies",
)
# The CSV's columns, in order: the day, its counts, then the day's latency percentiles (an upper
# bound in the unit its name says; ">N" in the open last bucket; empty when nothing was measured).
CSV_COLUMNS: Final[tuple[str, ...]] = (
    "day",
    *COUNTS,
    "staff_reply_p50_seconds",
    "first_reply_p50_ms",
    "first_reply_p95_ms",
)


def period_of(raw: str | None) -> int:
    """The period a link asked for; anything but 7, 30 or 90 (a typo, an old bookmark) shows the
    default one rather than an error page: the page says which period it shows."""
    try:
        days = int(raw or "")
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def filled(rows: Sequence[DayStats], since: date, until: date) -> list[DayStats]:
    """One DayStats per day in [since, until), oldest first: the rows, and zeros where none."""
    by_day = {row.day: row for row in rows}
    every = (since + timedelta(days=n) for n in range((until - since).days))
    return [by_day.get(day, DayStats(day)) for day in every]


def summed(days: Sequence[DayStats], first: date) -> DayStats:
    """The period as one DayStats dated `first`: its counts added, its histograms merged."""
    counts = {name: sum(getattr(day, name) for day in days) for name in COUNTS}
    return replace(
        DayStats(first),
        staff_reply_seconds=tuple(merged((d.staff_reply_seconds for d in days), STAFF_REPLY_SECONDS_EDGES)),
        first_reply_ms=tuple(merged((d.first_reply_ms for d in days), FIRST_REPLY_MS_EDGES)),
        **counts,  # type: ignore[arg-type]  # every name in COUNTS is an int field
    )


def share(part: int, whole: int) -> Decimal | None:
    """part / whole, None when there is no whole (no conversations: no share to show)."""
    return None if whole == 0 else Decimal(part) / Decimal(whole)


@dataclass(frozen=True)
class Latency:
    """A period's (or a day's) waits read from its histograms."""

    first_reply_p50: Percentile | None  # ms
    first_reply_p95: Percentile | None  # ms
    staff_reply_p50: Percentile | None  # seconds

    @classmethod
    def of(cls, day: DayStats) -> Latency:
        return cls(
            percentile(day.first_reply_ms, FIRST_REPLY_MS_EDGES, 0.5),
            percentile(day.first_reply_ms, FIRST_REPLY_MS_EDGES, 0.95),
            percentile(day.staff_reply_seconds, STAFF_REPLY_SECONDS_EDGES, 0.5),
        )


def series(days: Sequence[DayStats]) -> dict[str, list[int | float | None]]:
    """What the charts draw, one value per day (dashboard.js reads it from the page): conversations
    and those resolved alone, bookings by source, and the first reply's p50 / p95 in seconds (None:
    no reply measured that day, a gap in the line)."""
    out: dict[str, list[int | float | None]] = {
        "conversations": [d.conversations for d in days],
        "resolved_alone": [d.resolved_alone for d in days],
        "escalations": [d.escalations for d in days],
    }
    for source in BOOKING_SOURCES:
        out[f"booked_{source}"] = [getattr(d, f"booked_{source}") for d in days]
    latencies = [Latency.of(d) for d in days]
    out["first_reply_p50_s"] = [_seconds(x.first_reply_p50) for x in latencies]
    out["first_reply_p95_s"] = [_seconds(x.first_reply_p95) for x in latencies]
    return out


def _seconds(ms: Percentile | None) -> float | None:
    return None if ms is None else ms.value / 1000


def _csv_value(found: Percentile | None) -> str:
    if found is None:
        return ""
    return f">{found.value}" if found.over else str(found.value)


def csv_text(days: Sequence[DayStats]) -> str:
    """The days as CSV (RFC 4180 line ends): a header of CSV_COLUMNS, then one line per day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day in days:
        latency = Latency.of(day)
        writer.writerow(
            [
                day.day.isoformat(),
                *(getattr(day, name) for name in COUNTS),
                _csv_value(latency.staff_reply_p50),
                _csv_value(latency.first_reply_p50),
                _csv_value(latency.first_reply_p95),
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class Dashboard:
    period: int  # days
    first: date  # the period's first local day
    last: date  # and its last (today, in the business's zone)
    days: list[DayStats]  # every day of the period, oldest first (zeros where no row)
    total: DayStats  # the period summed
    latency: Latency  # the period's

    @property
    def resolved_share(self) -> Decimal | None:
        return share(self.total.resolved_alone, self.total.conversations)

    @property
    def no_show_share(self) -> Decimal | None:
        """No-shows of the appointments whose outcome was recorded (completed or no-show)."""
        return share(self.total.no_shows, self.total.no_shows + self.total.completed)

    def booked_by(self) -> list[tuple[str, int]]:
        return [(source, getattr(self.total, f"booked_{source}")) for source in BOOKING_SOURCES]


def dashboard_of(rows: Sequence[DayStats], today: date, period: int) -> Dashboard:
    first = today - timedelta(days=period - 1)
    days = filled(rows, first, today + timedelta(days=1))
    total = summed(days, first)
    return Dashboard(period, first, today, days, total, Latency.of(total))


@dataclass
class DashboardService:
    db: Database  # acting for the account's organization
    account: StaffAccount
    now: Callable[[], datetime]

    def today(self) -> date:
        zone = ZoneInfo(persona(self.db, self.account.organization_id).timezone)
        return self.now().astimezone(zone).date()

    def dashboard(self, period: int) -> Dashboard:
        """The last `period` local days up to today, today included (its row grows as the roll-up runs)."""
        today = self.today()
        first = today - timedelta(days=period - 1)
        rows = business_stats.days(self.db, self.account.organization_id, first, today + timedelta(days=1))
        return dashboard_of(rows, today, period)
