"""What kind of business it is and its no-show policy (crm/noshow.py; migration
20261210030000_noshow_policy.sql): read with when the policy in force last came on, and saved
(organizations.kind and noshow_policies) by the owner's settings page. The history of what was
in force is the database's: its triggers append a row whenever a save changes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.noshow import NoShowPolicy, policy_from
from receptionist.crm.settings.errors import InvalidSetting


@dataclass(frozen=True)
class NoShowSettings:
    policy: NoShowPolicy  # as stored (enabled None: the kind's default)
    on_since: datetime | None  # when the policy in force last came on; None while it is off
    changed_at: datetime | None  # the owner's last save; None: never changed
    timezone: str = "Europe/Madrid"  # the business's

    @property
    def on_since_day(self) -> date | None:
        """The day (the business's) the policy in force came on."""
        return self.on_since.astimezone(ZoneInfo(self.timezone)).date() if self.on_since else None


# The latest history row that turned the policy on after it was off (or first recorded on), if
# the policy is still on.
_SETTINGS = """
with h as (
    select at, enabled, lag(enabled) over (order by at, id) as was
    from noshow_policy_history where organization_id = %(org)s
), latest as (
    select enabled from h order by at desc limit 1
)
select o.kind, p.enabled, p.no_show_limit, p.window_months, p.changed_at,
       coalesce((select st.timezone from agent_settings st where st.organization_id = o.id), 'Europe/Madrid')
         as timezone,
       case when (select enabled from latest)
            then (select max(at) from h where enabled and not coalesce(was, false)) end as on_since
from organizations o
left join noshow_policies p on p.organization_id = o.id
where o.id = %(org)s
"""


def noshow_settings(db: Database, organization_id: str) -> NoShowSettings:
    """The business's kind and policy, and since when it is on. One round trip."""
    row = db.fetch_one(_SETTINGS, {"org": organization_id})
    if row is None:
        return NoShowSettings(NoShowPolicy(), None, None)
    return NoShowSettings(policy_from(row), row["on_since"], row["changed_at"], row["timezone"])


def save_noshow_settings(db: Database, organization_id: str, wanted: NoShowPolicy) -> None:
    """The kind and the policy, in the caller's transaction (the console's, with its audit line).
    The tables' checks stay the last word: a value they refuse is InvalidSetting, never a 500."""
    try:
        with db.transaction():
            db.execute("update organizations set kind = %s where id = %s", (wanted.kind, organization_id))
            db.execute(
                """
                insert into noshow_policies (organization_id, enabled, no_show_limit, window_months, changed_at)
                values (%s, %s, %s, %s, now())
                on conflict (organization_id) do update set
                    enabled = excluded.enabled, no_show_limit = excluded.no_show_limit,
                    window_months = excluded.window_months, changed_at = excluded.changed_at
                """,
                (organization_id, wanted.enabled, wanted.limit, wanted.months),
            )
    except errors.CheckViolation as exc:
        raise InvalidSetting("noshow_bad_value") from exc
