"""How long a business keeps each kind of data: its three windows, their defaults and bounds, and
the cutoffs they give at a moment.

- `text_months` (agent_settings.retention_months, default 12): a customer with no activity for
  this long (no message either way, no appointment booked, changed or starting, no consent or
  escalation change, no new contact) is removed whole, as an erasure: their conversation with every
  message, transcript and photo description, the summary, escalations, consent history, contact,
  the agent's memory, media and traces; their appointments stay as anonymous rows.
- `media_days` (media_retention_days, default 30): a voice note's or photo's copy is deleted this
  long after it arrived, whatever the conversation does (its transcript or description is text).
- `usage_months` (usage_retention_months, default 24): usage rows (tokens per turn) and budget
  notices are deleted.

Blocked customers are kept until their own date (blocked_customers.blocked_until, set when blocked
from agent_settings.block_years), then destroyed. The bounds are the database's checks (migration
20261207110000_retention.sql; tests/integration/privacy/test_retention_rules.py compares them), and
which of them applies is decided there, with the database's clock: this module says what they mean
(the console's help, the docs, the tests).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

# (lowest, highest) of each window. Text: up to 15 years, the longest clinical-records rule in Spain
# (Catalonia, Ley 21/2000 art. 12, as amended by Ley 16/2010), for a clinic that makes its chats part
# of the record. Media: the bucket's ExpireMedia rule (365 days in prod) is the ceiling.
BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "text_months": (1, 180),
    "media_days": (1, 365),
    "usage_months": (1, 120),
}
# The database's column (agent_settings) behind each window.
COLUMNS: Final[dict[str, str]] = {
    "text_months": "retention_months",
    "media_days": "media_retention_days",
    "usage_months": "usage_retention_months",
}


@dataclass(frozen=True)
class Windows:
    """One business's retention windows."""

    text_months: int = 12
    media_days: int = 30
    usage_months: int = 24

    def __post_init__(self) -> None:
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}")


DEFAULT: Final = Windows()


def months_before(at: datetime, months: int) -> datetime:
    """`at` minus whole months as PostgreSQL's `at - make_interval(months => n)` computes it: the
    same day of the month, or the month's last day when it has fewer (31 March - 1 month = 28 or
    29 February)."""
    total = at.year * 12 + (at.month - 1) - months
    year, month = divmod(total, 12)
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Cutoffs:
    """What is due at a moment: activity, arrival and usage before these."""

    text: datetime  # a customer whose last activity is before this is removed
    media: datetime  # a media copy that arrived at or before this is deleted
    usage: datetime  # usage rows and budget notices before this are deleted


def cutoffs(windows: Windows, at: datetime) -> Cutoffs:
    return Cutoffs(
        text=months_before(at, windows.text_months),
        media=at - timedelta(days=windows.media_days),
        usage=months_before(at, windows.usage_months),
    )
