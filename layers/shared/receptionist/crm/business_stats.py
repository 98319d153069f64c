"""The daily roll-up's rows (daily_business_stats, migration 20261212010000; docs/stats.md): what
the owner's dashboard and the operator's costs page read, one row per business and local day.

The roll-up (receptionist.stats) writes them; this module only reads, inside
`db.acting_for(organization)` so row level security scopes it to that business. A day without a
row had nothing to count (or is not rolled up yet): readers treat it as zeros.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from receptionist.crm.connection import Database


@dataclass(frozen=True)
class DayStats:
    """One business's day: counts, latency histograms (receptionist.stats.latency's edges) and
    costs in USD priced at `rate_card`."""

    day: date
    conversations: int = 0
    inbound_messages: int = 0
    turns: int = 0
    resolved_alone: int = 0
    booked_assistant: int = 0
    booked_console: int = 0
    booked_reminder: int = 0
    booked_waitlist: int = 0
    booked_other: int = 0
    confirmed: int = 0
    cancelled: int = 0
    moved: int = 0
    completed: int = 0
    no_shows: int = 0
    reminders_sent: int = 0
    reminders_confirmed: int = 0
    escalations: int = 0
    staff_replies: int = 0
    staff_reply_seconds: tuple[int, ...] = ()
    first_replies: int = 0
    first_reply_ms: tuple[int, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_cost_usd: Decimal = Decimal(0)
    wa_service: int = 0
    wa_utility_free: int = 0
    wa_utility: int = 0
    wa_marketing: int = 0
    wa_authentication: int = 0
    whatsapp_cost_usd: Decimal = Decimal(0)
    aws_cost_usd: Decimal = Decimal(0)
    rate_card: str = ""
    computed_at: datetime | None = None

    @property
    def booked(self) -> int:
        return (
            self.booked_assistant
            + self.booked_console
            + self.booked_reminder
            + self.booked_waitlist
            + self.booked_other
        )

    @property
    def cost_usd(self) -> Decimal:
        return self.model_cost_usd + self.whatsapp_cost_usd + self.aws_cost_usd


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(DayStats))
_HISTOGRAMS = ("staff_reply_seconds", "first_reply_ms")


def day_from_row(row: Mapping[str, Any]) -> DayStats:
    values = {name: row[name] for name in COLUMNS}
    for name in _HISTOGRAMS:
        values[name] = tuple(row[name] or ())
    return DayStats(**values)


def days(db: Database, organization_id: str, since: date, until: date) -> list[DayStats]:
    """The business's rows for the days in [since, until), oldest first (days without a row absent)."""
    rows = db.fetch_all(
        f"""
        select {", ".join(COLUMNS)} from daily_business_stats
        where organization_id = %s and day >= %s and day < %s
        order by day
        """,
        (organization_id, since, until),
    )
    return [day_from_row(row) for row in rows]
