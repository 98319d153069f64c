"""compute_slots, the pure heart of availability: wall-clock hours in a real time zone, across
daylight-saving changes, minus busy time; checked by example and against a brute-force oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from receptionist.crm.availability import WeeklyHours, compute_slots, parse_schedule
from receptionist.crm.models import Slot

MADRID = ZoneInfo("Europe/Madrid")
LIMA = ZoneInfo("America/Lima")
ANA = "00000000-0000-4000-8000-00000000000a"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def slots(
    hours: list[tuple[int, int, int]],
    tz: ZoneInfo,
    day: date,
    *,
    duration: int = 30,
    step: int = 30,
    busy: list[tuple[datetime, datetime]] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    last_day: date | None = None,
) -> list[Slot]:
    return compute_slots(
        [WeeklyHours(ANA, "Ana", w, s, e) for w, s, e in hours],
        {ANA: busy or []},
        tz=tz,
        first_day=day,
        last_day=last_day or day,
        duration=timedelta(minutes=duration),
        step=timedelta(minutes=step),
        since=since or utc(2000, 1, 1),
        until=until or utc(2100, 1, 1),
    )


def test_nine_oclock_in_madrid_is_a_different_utc_hour_in_summer() -> None:
    # 2026-03-27 (Fri, CET) and 2026-03-30 (Mon, CEST); 2026-10-23 (Fri, CEST) and 2026-10-26 (Mon, CET).
    every_day = [(d, 9 * 60, 10 * 60) for d in range(1, 8)]
    assert slots(every_day, MADRID, date(2026, 3, 27))[0].starts_at == utc(2026, 3, 27, 8)
    assert slots(every_day, MADRID, date(2026, 3, 30))[0].starts_at == utc(2026, 3, 30, 7)
    assert slots(every_day, MADRID, date(2026, 10, 23))[0].starts_at == utc(2026, 10, 23, 7)
    assert slots(every_day, MADRID, date(2026, 10, 26))[0].starts_at == utc(2026, 10, 26, 8)
    # On the change days themselves (the change happens at night), 09:00 is already the new offset.
    assert slots(every_day, MADRID, date(2026, 3, 29))[0].starts_at == utc(2026, 3, 29, 7)
    assert slots(every_day, MADRID, date(2026, 10, 25))[0].starts_at == utc(2026, 10, 25, 8)


def test_spring_forward_skips_the_missing_hour_and_keeps_real_durations() -> None:
    found = slots([(7, 60, 240)], MADRID, date(2026, 3, 29))  # Sunday 01:00-04:00, 02:00-03:00 does not exist
    assert [s.starts_at.strftime("%H:%M%z") for s in found] == ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"]
    assert [s.starts_at.astimezone(UTC).strftime("%H:%M") for s in found] == ["00:00", "00:30", "01:00", "01:30"]
    # Elapsed time: subtract instants (same-zone aware datetimes subtract as wall clocks in Python).
    assert all(s.ends_at.astimezone(UTC) - s.starts_at.astimezone(UTC) == timedelta(minutes=30) for s in found)


def test_fall_back_offers_the_repeated_hour_once() -> None:
    found = slots([(7, 60, 240)], MADRID, date(2026, 10, 25))  # 02:00-03:00 happens twice
    walls = [s.starts_at.strftime("%H:%M") for s in found]
    assert walls == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    instants = [s.starts_at.astimezone(UTC) for s in found]
    assert instants == sorted(set(instants))  # distinct real instants, in order
    assert instants[2] == utc(2026, 10, 25, 0, 0)  # 02:00 CEST, the first occurrence
    assert instants[4] == utc(2026, 10, 25, 2, 0)  # 03:00 CET


def test_lima_never_shifts() -> None:
    for day in (date(2026, 1, 5), date(2026, 3, 30), date(2026, 7, 6), date(2026, 10, 26), date(2026, 12, 28)):
        first = slots([(1, 9 * 60, 12 * 60)], LIMA, day)[0]
        assert first.starts_at.astimezone(UTC) == datetime.combine(day, time(14), tzinfo=UTC)


def test_split_shift_midnight_end_and_grid() -> None:
    found = slots([(3, 9 * 60, 11 * 60), (3, 16 * 60, 17 * 60), (3, 23 * 60, 24 * 60)], MADRID, date(2026, 6, 3))
    expected = ["09:00", "09:30", "10:00", "10:30", "16:00", "16:30", "23:00", "23:30"]
    assert [s.starts_at.strftime("%H:%M") for s in found] == expected
    fifteen = slots([(3, 9 * 60, 10 * 60)], MADRID, date(2026, 6, 3), duration=45, step=15)
    assert [s.starts_at.strftime("%H:%M") for s in fifteen] == ["09:00", "09:15"]


def test_busy_intervals_lead_time_and_horizon() -> None:
    day = date(2026, 5, 5)  # Tuesday, CEST
    busy = [(utc(2026, 5, 5, 7, 30), utc(2026, 5, 5, 8, 0)), (utc(2026, 5, 5, 7, 45), utc(2026, 5, 5, 8, 15))]
    found = slots([(2, 9 * 60, 12 * 60)], MADRID, day, busy=busy)
    assert [s.starts_at.strftime("%H:%M") for s in found] == ["09:00", "10:30", "11:00", "11:30"]
    lead = slots([(2, 9 * 60, 12 * 60)], MADRID, day, since=utc(2026, 5, 5, 8, 10))
    assert lead[0].starts_at.strftime("%H:%M") == "10:30"
    horizon = slots([(2, 9 * 60, 12 * 60)], MADRID, day, until=utc(2026, 5, 5, 8, 0))
    assert [s.starts_at.strftime("%H:%M") for s in horizon] == ["09:00", "09:30"]


def test_parse_schedule_reads_what_the_query_returns() -> None:
    schedule = parse_schedule(
        {
            "hours": [[ANA, "Ana", 1, 540, 1440]],
            "busy": [
                [ANA, "a", "2026-05-04T07:00:00+00:00", "2026-05-04T07:30:00+00:00"],
                [ANA, "o", "2026-05-04T10:00:00.5+00:00", "2026-05-04T11:00:00+00:00"],
            ],
            "service": None,
            "existing": None,
            "contact": False,
            "target": None,
        }
    )
    assert schedule.hours == [WeeklyHours(ANA, "Ana", 1, 540, 1440)]
    assert schedule.appointments[ANA] == [(utc(2026, 5, 4, 7), utc(2026, 5, 4, 7, 30))]
    assert len(schedule.blocked()[ANA]) == 2 and len(schedule.blocked(include_appointments=False)[ANA]) == 1


# -- property: the same answer as the obvious (slow) algorithm ---------------------------------
def oracle(
    hours: list[tuple[int, int, int]],
    tz: ZoneInfo,
    day: date,
    duration: int,
    step: int,
    busy: list[tuple[datetime, datetime]],
) -> list[datetime]:
    out = []
    for weekday, start, end in hours:
        if weekday != day.isoweekday():
            continue
        midnight = datetime.combine(day, time(0))
        close = (midnight + timedelta(minutes=end)).replace(tzinfo=tz).astimezone(UTC)
        for minute in range(start, end, step):
            wall = midnight + timedelta(minutes=minute)
            instant = wall.replace(tzinfo=tz).astimezone(UTC)
            if instant.astimezone(tz).replace(tzinfo=None) != wall:
                continue
            finish = instant + timedelta(minutes=duration)
            if finish <= close and all(not (b0 < finish and instant < b1) for b0, b1 in busy):
                out.append(instant)
    return sorted(out)


_DAYS = st.sampled_from([date(2026, 3, 29), date(2026, 10, 25), date(2026, 6, 10), date(2027, 3, 28)])


@st.composite
def _case(draw: st.DrawFn) -> tuple[list[tuple[int, int, int]], date, int, int, list[tuple[datetime, datetime]]]:
    day = draw(_DAYS)
    bounds = sorted(draw(st.lists(st.integers(0, 96), min_size=2, max_size=6, unique=True)))
    hours = [(day.isoweekday(), a * 15, b * 15) for a, b in zip(bounds[::2], bounds[1::2], strict=False)]
    base = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=3)
    busy = []
    for offset, length in draw(st.lists(st.tuples(st.integers(0, 30 * 60), st.integers(1, 180)), max_size=8)):
        busy.append((base + timedelta(minutes=offset), base + timedelta(minutes=offset + length)))
    return hours, day, draw(st.sampled_from([15, 20, 30, 45, 60, 90])), draw(st.sampled_from([5, 15, 30])), busy


@settings(max_examples=300, deadline=None)
@given(case=_case(), tz=st.sampled_from([MADRID, LIMA, ZoneInfo("America/Santiago"), ZoneInfo("Australia/Lord_Howe")]))
def test_slots_match_the_brute_force_oracle(
    case: tuple[list[tuple[int, int, int]], date, int, int, list[tuple[datetime, datetime]]], tz: ZoneInfo
) -> None:
    hours, day, duration, step, busy = case
    found = slots(hours, tz, day, duration=duration, step=step, busy=busy)
    assert [s.starts_at.astimezone(UTC) for s in found] == oracle(hours, tz, day, duration, step, busy)
    for s in found:
        assert s.ends_at.astimezone(UTC) - s.starts_at.astimezone(UTC) == timedelta(minutes=duration)
        assert s.starts_at.tzinfo is tz and s.starts_at.date() == day
