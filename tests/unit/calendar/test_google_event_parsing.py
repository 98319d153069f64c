"""Google's event resources and error answers read into the port's values (no network)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from receptionist.adapters.google_calendar import _account, _api_error, event_body, parse_event
from receptionist.calendar.provider import (
    AccessTokenRejected,
    AppointmentEvent,
    CalendarRefused,
    CalendarUnavailable,
    EventTime,
    SyncTokenGone,
)


def test_a_timed_event_keeps_its_instant_and_the_zone_it_was_written_in() -> None:
    event = parse_event(
        {
            "id": "abc123",
            "status": "confirmed",
            "start": {"dateTime": "2026-12-10T15:00:00+01:00", "timeZone": "Europe/Madrid"},
            "end": {"dateTime": "2026-12-10T14:30:00Z"},
            "summary": "never read",
        },
        "America/Lima",
    )
    assert event.start == EventTime(instant=datetime(2026, 12, 10, 14, tzinfo=UTC), zone="Europe/Madrid")
    assert event.start is not None and event.start.instant is not None
    assert event.start.instant.utcoffset() == timedelta(hours=1)
    assert event.end == EventTime(instant=datetime(2026, 12, 10, 14, 30, tzinfo=UTC))
    assert event.zone == "America/Lima" and not event.transparent and event.appointment_id is None


def test_a_time_without_an_offset_is_read_in_its_zone_else_the_calendars() -> None:
    event = parse_event(
        {"id": "e1", "start": {"dateTime": "2026-03-29T09:00:00", "timeZone": "Europe/Madrid"},
         "end": {"dateTime": "2026-03-29T10:00:00"}},
        "America/Lima",
    )  # fmt: skip
    assert event.start is not None and event.start.instant == datetime(2026, 3, 29, 7, tzinfo=UTC)  # CEST already
    assert event.end is not None and event.end.instant == datetime(2026, 3, 29, 10, tzinfo=ZoneInfo("America/Lima"))
    assert event.status == "confirmed"  # no status given


def test_an_all_day_event_is_days_in_the_calendars_zone() -> None:
    event = parse_event(
        {"id": "d1", "status": "tentative", "start": {"date": "2026-12-24"}, "end": {"date": "2026-12-26"},
         "transparency": "transparent"},
        "America/Lima",
    )  # fmt: skip
    assert event.start == EventTime(day=date(2026, 12, 24), zone="America/Lima")
    assert event.end == EventTime(day=date(2026, 12, 26), zone="America/Lima")
    assert event.status == "tentative" and event.transparent


def test_a_series_a_cancelled_instance_and_a_deleted_event() -> None:
    series = parse_event(
        {
            "id": "s1",
            "start": {"dateTime": "2026-12-07T15:00:00+01:00", "timeZone": "Europe/Madrid"},
            "end": {"dateTime": "2026-12-07T16:00:00+01:00", "timeZone": "Europe/Madrid"},
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Madrid:20261214T150000"],
        }
    )
    assert series.recurrence == ("RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Madrid:20261214T150000")
    instance = parse_event(
        {"id": "s1_20261221T140000Z", "status": "cancelled", "recurringEventId": "s1",
         "originalStartTime": {"dateTime": "2026-12-21T15:00:00+01:00", "timeZone": "Europe/Madrid"}}
    )  # fmt: skip
    assert instance.recurring_event_id == "s1" and instance.start is None
    assert instance.original_start == EventTime(instant=datetime(2026, 12, 21, 14, tzinfo=UTC), zone="Europe/Madrid")
    gone = parse_event({"id": "g1", "status": "cancelled"})
    assert gone.status == "cancelled" and gone.start is None and gone.end is None and gone.recurrence == ()


def test_our_own_event_is_told_by_its_private_property() -> None:
    event = parse_event(
        {"id": "rc0123", "start": {"dateTime": "2026-12-10T10:00:00-05:00"},
         "end": {"dateTime": "2026-12-10T10:30:00-05:00"},
         "extendedProperties": {"private": {"receptionistAppointmentId": "0123"}, "shared": {"x": "y"}}}
    )  # fmt: skip
    assert event.appointment_id == "0123"
    shared_only = parse_event({"id": "e2", "extendedProperties": {"shared": {"receptionistAppointmentId": "0123"}}})
    assert shared_only.appointment_id is None  # only the private property (others cannot forge it on our event)


@pytest.mark.parametrize(
    "raw",
    [
        {"status": "confirmed"},  # no id
        {"id": "x1", "status": "maybe"},
        {"id": "x2", "start": {"dateTime": "not a time"}},
        {"id": "x3", "start": {"dateTime": "2026-12-10T10:00:00", "timeZone": "Mars/Olympus"}},
    ],
)
def test_an_unreadable_event_is_a_value_error(raw: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        parse_event(raw)


def test_the_event_we_write_says_whose_appointment_it_is_and_its_status() -> None:
    start = datetime(2026, 12, 10, 10, tzinfo=timezone(timedelta(hours=-5)))
    event = AppointmentEvent("rcabc", "abc", "Limpieza · Lucía P.", "Reservada por el asistente.", start,
                             start + timedelta(minutes=30), "America/Lima", tentative=True)  # fmt: skip
    body = event_body(event)
    assert body["start"] == {"dateTime": "2026-12-10T10:00:00-05:00", "timeZone": "America/Lima"}
    assert body["status"] == "tentative" and body["transparency"] == "opaque"
    assert body["extendedProperties"] == {"private": {"receptionistAppointmentId": "abc"}}
    confirmed = event_body(AppointmentEvent(**{**event.__dict__, "tentative": False}))
    assert confirmed["status"] == "confirmed"  # a patch with it revives a deleted event


def _google_error(status: int, reason: str) -> bytes:
    return json.dumps(
        {"error": {"code": status, "message": "Quoted request text", "errors": [{"reason": reason}]}}
    ).encode()


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (500, "backendError", CalendarUnavailable),
        (503, "backendError", CalendarUnavailable),
        (429, "rateLimitExceeded", CalendarUnavailable),
        (403, "userRateLimitExceeded", CalendarUnavailable),
        (403, "forbidden", CalendarRefused),
        (401, "authError", AccessTokenRejected),
        (410, "fullSyncRequired", SyncTokenGone),
        (404, "notFound", CalendarRefused),
        (400, "invalid", CalendarRefused),
    ],
)
def test_api_errors_map_to_the_ports_errors_without_googles_message(status: int, reason: str, kind: type) -> None:
    error = _api_error(status, _google_error(status, reason), "events.list")
    assert type(error) is kind
    assert reason in str(error) and "Quoted request text" not in str(error)


def test_an_unreadable_error_body_still_maps_by_status() -> None:
    assert isinstance(_api_error(502, b"<html>Bad gateway</html>", "events.insert"), CalendarUnavailable)


def test_the_account_comes_from_an_id_token_when_there_is_one() -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"email": "dentista@example.com"}).encode()).rstrip(b"=").decode()
    assert _account(f"eyJhbGciOiJub25lIn0.{claims}.") == "dentista@example.com"
    assert _account(None) is None and _account("not-a-jwt") is None and _account("a.!!!.c") is None
