"""The no-show policy's rule on its own (crm/noshow.py): the default per kind of business, the
limit, and the window's edges (calendar months back in the business's time zone)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from receptionist.crm.noshow import NoShowPolicy, policy_from, window_start

MADRID = "Europe/Madrid"


# -- defaults per kind -----------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "active"), [("clinic", True), ("other", True), ("salon", False)])
def test_the_policy_follows_the_kind_of_business_unless_the_business_says_otherwise(kind: str, active: bool) -> None:
    assert NoShowPolicy(kind=kind).active is active  # type: ignore[arg-type]
    assert NoShowPolicy(kind=kind, enabled=True).active is True  # type: ignore[arg-type]
    assert NoShowPolicy(kind=kind, enabled=False).active is False  # type: ignore[arg-type]


def test_the_defaults_are_two_no_shows_in_six_months_for_a_clinic() -> None:
    policy = NoShowPolicy()
    assert (policy.kind, policy.enabled, policy.limit, policy.months, policy.active) == ("clinic", None, 2, 6, True)
    assert policy_from(None) == policy
    # A business that never saved a policy: the row's NULLs are the defaults.
    stored = {"kind": "salon", "enabled": None, "no_show_limit": None, "window_months": None}
    assert policy_from(stored) == NoShowPolicy(kind="salon")
    assert policy_from(stored | {"enabled": True, "no_show_limit": 3, "window_months": 12}) == NoShowPolicy(
        "salon", True, 3, 12
    )


# -- the limit -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("no_shows", "refused"), [(0, False), (1, False), (2, True), (5, True)])
def test_the_limit_is_reached_at_n_no_shows(no_shows: int, refused: bool) -> None:
    assert NoShowPolicy(limit=2).refuses(no_shows) is refused


def test_a_policy_that_is_off_refuses_nobody() -> None:
    assert not NoShowPolicy(kind="salon").refuses(10)
    assert not NoShowPolicy(kind="clinic", enabled=False).refuses(10)
    assert NoShowPolicy(kind="salon", enabled=True, limit=1).refuses(1)


# -- the window --------------------------------------------------------------------------------------
def test_the_window_goes_back_m_calendar_months_at_the_same_local_wall_time() -> None:
    now = datetime(2031, 9, 15, 8, 30, tzinfo=UTC)  # 10:30 in Madrid (summer time)
    start = window_start(now, 6, MADRID)
    assert start == datetime(2031, 3, 15, 10, 30, tzinfo=ZoneInfo(MADRID))  # winter time: 09:30 UTC
    assert start.astimezone(UTC) == datetime(2031, 3, 15, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local_now", "months", "expected"),
    [
        (datetime(2031, 8, 31, 12, 0), 6, datetime(2031, 2, 28, 12, 0)),  # the 31st of a shorter month
        (datetime(2032, 8, 31, 12, 0), 6, datetime(2032, 2, 29, 12, 0)),  # a leap year
        (datetime(2031, 1, 10, 0, 0), 1, datetime(2030, 12, 10, 0, 0)),  # across the year
        (datetime(2031, 3, 5, 9, 0), 36, datetime(2028, 3, 5, 9, 0)),  # the longest window
        (datetime(2031, 12, 31, 23, 59), 12, datetime(2030, 12, 31, 23, 59)),
    ],
)
def test_the_window_s_first_day_in_months_of_every_length(local_now: datetime, months: int, expected: datetime) -> None:
    zone = ZoneInfo(MADRID)
    assert window_start(local_now.replace(tzinfo=zone), months, MADRID) == expected.replace(tzinfo=zone)


def test_the_window_is_the_business_s_local_time_not_utc() -> None:
    # 1 March 00:30 in Lima is 1 March 05:30 UTC; six months back is 1 September 00:30 in Lima.
    now = datetime(2031, 3, 1, 5, 30, tzinfo=UTC)
    assert window_start(now, 6, "America/Lima").astimezone(UTC) == datetime(2030, 9, 1, 5, 30, tzinfo=UTC)
    # 31 March 04:30 UTC is 30 March 23:30 in Lima: one month back is 28 February 23:30 there (no
    # 30 February), 1 March 04:30 UTC; counted in UTC it would have been 28 February 04:30 UTC.
    late = datetime(2031, 3, 31, 4, 30, tzinfo=UTC)
    assert window_start(late, 1, "America/Lima") == datetime(2031, 3, 1, 4, 30, tzinfo=UTC)
    assert window_start(late, 1, "UTC") == datetime(2031, 2, 28, 4, 30, tzinfo=UTC)
