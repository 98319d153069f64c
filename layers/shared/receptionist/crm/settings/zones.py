"""The time zones a business may use (agent_settings.timezone), as the database's check allows
them: the console's forms, ops.onboard and the operator pages check a name here before writing."""

from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@cache
def time_zone_names() -> frozenset[str]:
    """The zone names a business may use: the tz database's zones as the tzdata package lists them
    (it ships in every function's layer, so each one loads them whatever its image carries), but
    'Factory'. The database's check pins the same list (public.iana_time_zones(), migration
    20261207010100, compared with the package in tests/integration/crm/test_time_zones.py)."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listed.split()) - {"Factory"}


def valid_timezone(name: str) -> bool:
    """An IANA zone name every function loads, as agent_settings' check wants it: never an
    abbreviation ('CEST'), another spelling ('europe/madrid'), a POSIX rule or a file of this
    machine ('localtime'). The database also checks that PostgreSQL knows it."""
    if name not in time_zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def zone_choices() -> tuple[str, ...]:
    """The zones a form offers, sorted: Area/Location names only (no 'UTC', no 'EST5EDT')."""
    return tuple(sorted(z for z in available_timezones() if "/" in z and valid_timezone(z)))
