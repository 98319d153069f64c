"""Availability in the organization's timezone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crm_kit import BLANQUEAMIENTO, DEMO_ORG, OrgFactory

from receptionist.crm.availability import BookingWindow, available_slots
from receptionist.crm.catalogue import get_service
from receptionist.crm.connection import Database


def _slots(db: Database, o: dict[str, str], tz: str, day: date, now: datetime, **window: int) -> list[datetime]:
    service = get_service(db, o["org"], o["service"])
    assert service
    w = BookingWindow(tz, window.get("lead", 0), window.get("horizon", 365), window.get("step", 30))
    return [s.starts_at for s in available_slots(db, o["org"], service, w, day, day, now=now)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_madrid_opening_hour_shifts_in_utc_across_spring_forward(db: Database, make_org: OrgFactory) -> None:
    o = make_org("Europe/Madrid")
    now = utc(2026, 3, 1)
    # Friday 27 March: CET (UTC+1) -> 09:00 local is 08:00 UTC. Monday 30 March: CEST (UTC+2) -> 07:00 UTC.
    assert [s.astimezone(UTC) for s in _slots(db, o, "Europe/Madrid", date(2026, 3, 27), now)] == [
        utc(2026, 3, 27, 8, 0),
        utc(2026, 3, 27, 8, 30),
        utc(2026, 3, 27, 9, 0),
        utc(2026, 3, 27, 9, 30),
    ]
    assert _slots(db, o, "Europe/Madrid", date(2026, 3, 30), now)[0].astimezone(UTC) == utc(2026, 3, 30, 7, 0)
    assert _slots(db, o, "Europe/Madrid", date(2026, 3, 30), now)[0].strftime("%H:%M %z") == "09:00 +0200"


def test_local_times_skipped_by_spring_forward_are_not_offered(db: Database, make_org: OrgFactory) -> None:
    o = make_org("Europe/Madrid", hours=[(7, "01:00", "04:00")], duration=30)  # Sundays 01:00-04:00
    slots = _slots(db, o, "Europe/Madrid", date(2026, 3, 29), utc(2026, 3, 1))
    assert [s.strftime("%H:%M") for s in slots] == ["01:00", "01:30", "03:00", "03:30"]
    # 01:30 CET + 30 min ends at 03:00 CEST: a real half hour.
    assert slots[1].astimezone(UTC) == utc(2026, 3, 29, 0, 30)
    assert slots[2].astimezone(UTC) == utc(2026, 3, 29, 1, 0)


def test_fall_back_day_keeps_wall_clock_hours(db: Database, make_org: OrgFactory) -> None:
    o = make_org("Europe/Madrid")
    now = utc(2026, 10, 1)
    sunday = _slots(db, o, "Europe/Madrid", date(2026, 10, 25), now)  # the change happens at 03:00 CEST
    monday = _slots(db, o, "Europe/Madrid", date(2026, 10, 26), now)
    assert sunday[0].astimezone(UTC) == utc(2026, 10, 25, 8, 0)  # 09:00 CET
    assert monday[0].astimezone(UTC) == utc(2026, 10, 26, 8, 0)
    assert utc(2026, 10, 24, 7, 0) == _slots(db, o, "Europe/Madrid", date(2026, 10, 24), now)[0].astimezone(UTC)


def test_lima_has_no_daylight_saving(db: Database, make_org: OrgFactory) -> None:
    o = make_org("America/Lima")
    for day in (date(2026, 1, 15), date(2026, 3, 30), date(2026, 7, 15), date(2026, 10, 26)):
        assert _slots(db, o, "America/Lima", day, utc(2026, 1, 1))[0].astimezone(UTC) == datetime(
            day.year, day.month, day.day, 14, 0, tzinfo=UTC
        )


def test_lead_time_horizon_and_busy_slots(db: Database, make_org: OrgFactory) -> None:
    o = make_org("Europe/Madrid")
    day = date(2026, 5, 4)
    now = utc(2026, 5, 4, 7, 10)  # 09:10 local
    # Lead time of 60 min: the first slot is 10:30 local (10:00 would start only 50 min from now).
    assert [s.strftime("%H:%M") for s in _slots(db, o, "Europe/Madrid", day, now, lead=60)] == ["10:30"]
    assert _slots(db, o, "Europe/Madrid", day + timedelta(days=3), now, horizon=2) == []
    contact = db.fetch_one(
        "insert into contacts (organization_id, phone) values (%s, '34600000111') returning id::text", (o["org"],)
    )
    assert contact
    db.execute(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
        " values (%s, %s, %s, %s, '2026-05-05 07:30Z', '2026-05-05 08:00Z')",
        (o["org"], contact["id"], o["service"], o["member"]),
    )
    db.execute(
        "insert into member_time_off (organization_id, member_id, starts_at, ends_at) values"
        " (%s, %s, '2026-05-05 08:30Z', '2026-05-05 09:00Z')",
        (o["org"], o["member"]),
    )
    times = [s.strftime("%H:%M") for s in _slots(db, o, "Europe/Madrid", date(2026, 5, 5), now)]
    assert times == ["09:00", "10:00"]  # 09:30 booked, 10:30 off


def test_only_members_who_do_the_service_are_offered(db: Database) -> None:
    blanqueamiento = get_service(db, DEMO_ORG, BLANQUEAMIENTO)
    assert blanqueamiento
    w = BookingWindow("Europe/Madrid", 0, 365, 30)
    slots = available_slots(db, DEMO_ORG, blanqueamiento, w, date(2031, 2, 3), date(2031, 2, 3), now=utc(2031, 1, 1))
    assert {s.member_name for s in slots} == {"Dra. Laura Gómez"}
    times = [s.starts_at.strftime("%H:%M") for s in slots]
    assert times[:2] == ["09:00", "09:30"]
    assert "13:00" in times and "13:30" not in times and "14:00" not in times  # split shift: closed 14-16
    assert "16:00" in times
