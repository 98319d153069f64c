"""The no-show policy (issue 29, point 2; docs/noshow.md): after N no-shows (default 2) in the
last M months (default 6), the assistant no longer books for a customer by itself. Per business
(migration 20261210030000_noshow_policy.sql): on by default for clinics and other businesses, off
for salons, and a setting either way. Only the assistant's new bookings are refused: confirming,
cancelling and moving an existing appointment go on, and staff in the console always book.

The rule is pure (NoShowPolicy, window_start) so its edges are unit-tested; `standing` reads the
business's policy and the customer's no-shows in one round trip and applies it. A customer's
count is computed when asked (appointments with status 'no_show'): nothing is stored about them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from receptionist.crm.availability import is_uuid
from receptionist.crm.connection import Database

Kind = Literal["clinic", "salon", "other"]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
DEFAULT_KIND: Final[Kind] = "clinic"
DEFAULT_LIMIT: Final = 2
DEFAULT_MONTHS: Final = 6
LIMITS: Final = (1, 20)  # the table's checks
MONTHS: Final = (1, 36)

# The reason code a refused booking carries (the tool's result, the escalation's reason).
REASON: Final = "noshow_policy"


def on_by_default(kind: str) -> bool:
    """Clinics and other businesses hold the policy unless they say otherwise; salons do not
    (a missed haircut costs less than a missed treatment, and salons take walk-ins)."""
    return kind != "salon"


@dataclass(frozen=True)
class NoShowPolicy:
    """A business's policy as stored: `enabled` None follows the kind's default."""

    kind: Kind = DEFAULT_KIND
    enabled: bool | None = None
    limit: int = DEFAULT_LIMIT
    months: int = DEFAULT_MONTHS

    @property
    def active(self) -> bool:
        """Whether it is in force (the same rule as the database's noshow_policy_in_force)."""
        return on_by_default(self.kind) if self.enabled is None else self.enabled

    def refuses(self, no_shows: int) -> bool:
        """The assistant may not book for a customer with `no_shows` in the window."""
        return self.active and no_shows >= self.limit


def window_start(now: datetime, months: int, timezone: str) -> datetime:
    """The first instant counted: the same wall time `months` calendar months before `now` in
    the business's time zone (the 31st of a shorter month is its last day). A no-show exactly at
    this instant counts; one a second earlier does not."""
    local = now.astimezone(ZoneInfo(timezone))
    years, month_index = divmod(local.month - 1 - months, 12)
    year, month = local.year + years, month_index + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day, fold=0)


@dataclass(frozen=True)
class NoShowStanding:
    """A customer's no-shows in the policy's window, and whether the assistant may book for them."""

    policy: NoShowPolicy
    no_shows: int
    since: datetime  # the window's first instant

    @property
    def refused(self) -> bool:
        return self.policy.refuses(self.no_shows)


def policy_from(row: dict[str, object] | None) -> NoShowPolicy:
    """A stored policy from a row with kind, enabled, no_show_limit, window_months (NULLs: defaults)."""
    if row is None:
        return NoShowPolicy()
    kind = row.get("kind")
    limit, months, enabled = row.get("no_show_limit"), row.get("window_months"), row.get("enabled")
    return NoShowPolicy(
        kind=next((k for k in KINDS if k == kind), DEFAULT_KIND),
        enabled=enabled if isinstance(enabled, bool) else None,
        limit=limit if isinstance(limit, int) else DEFAULT_LIMIT,
        months=months if isinstance(months, int) else DEFAULT_MONTHS,
    )


# The policy and the customer's no-shows of the longest window the settings allow; the policy's own
# window is applied in Python (window_start), so the rule has one definition.
_STANDING = """
select o.kind, p.enabled, p.no_show_limit, p.window_months,
       coalesce((
           select array_agg(a.starts_at) from appointments a
           where a.organization_id = o.id and a.contact_id = %(contact)s and a.status = 'no_show'
             and a.starts_at >= %(earliest)s and a.starts_at <= %(now)s
       ), '{}') as no_shows
from organizations o
left join noshow_policies p on p.organization_id = o.id
where o.id = %(org)s
"""


def standing(
    db: Database, organization_id: str, contact_id: str | None, now: datetime, timezone: str
) -> NoShowStanding:
    """The business's policy and the customer's no-shows from window_start to `now` (appointments
    marked no-show that started then). One round trip; no contact (a new customer): none."""
    if not is_uuid(organization_id):
        return NoShowStanding(NoShowPolicy(), 0, window_start(now, DEFAULT_MONTHS, timezone))
    row = db.fetch_one(
        _STANDING,
        {
            "org": organization_id,
            "contact": contact_id if contact_id and is_uuid(contact_id) else None,
            "earliest": window_start(now, MONTHS[1], timezone),
            "now": now,
        },
    )
    policy = policy_from(row)
    since = window_start(now, policy.months, timezone)
    missed: list[datetime] = list(row["no_shows"]) if row else []
    return NoShowStanding(policy, sum(1 for at in missed if since <= at <= now), since)
