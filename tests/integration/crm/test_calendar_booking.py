"""A member's own calendar in availability and booking (issue 28, points 3 and 4): busy blocks
remove slots like time off, a broken connection offers none, and a booking or a move is re-checked
in the calendar (a SlotGuard) for members with a connected calendar only; a calendar that cannot
answer leaves the decision to the synced blocks and is counted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from calendar_kit import CalendarStub, RecordingGuard, TokenStub, add_member, connect, customer
from crm_kit import OrgFactory

from receptionist.calendar.provider import CalendarEvent, CalendarUnavailable, EventChanges, EventTime, GrantRevoked
from receptionist.calendar.slot_guard import ProviderSlotGuard
from receptionist.calendar.tokens import AccessTokens
from receptionist.crm import appointments, calendar_busy, calendar_connections
from receptionist.crm.appointments import CALENDAR_BROKEN, CALENDAR_TAKEN
from receptionist.crm.availability import BookingWindow, available_slots
from receptionist.crm.catalogue import get_service
from receptionist.crm.connection import Database
from receptionist.deadline import Deadline

NOW = datetime(2031, 3, 1, tzinfo=UTC)
WINDOW = BookingWindow("Europe/Madrid", 0, 365, 30)
MADRID = ZoneInfo("Europe/Madrid")
DAY = date(2031, 3, 10)


def _at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=MADRID)


def _slots(db: Database, org: dict[str, str], member: str | None = None) -> list[tuple[str, str]]:
    service = get_service(db, org["org"], org["service"])
    assert service is not None
    found = available_slots(db, org["org"], service, WINDOW, DAY, DAY, now=NOW, member_id=member)
    return [(s.member_id, s.starts_at.strftime("%H:%M")) for s in found]


def test_calendar_busy_blocks_remove_slots_and_events_without_a_block_do_not(
    db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    connection = connect(db, org["org"], org["member"])
    before = _slots(db, org)
    assert [t for _, t in before] == ["09:00", "09:30", "10:00", "10:30"]
    # The sync stored three events: a meeting, one shown as free (transparent) and the mirror of one
    # of our appointments; only the meeting is busy time (calendar/busy.py), so only it has a block.
    meeting = CalendarEvent("meeting", "confirmed", EventTime(instant=_at("2031-03-10 09:15")),
                            EventTime(instant=_at("2031-03-10 10:00")))  # fmt: skip
    free = CalendarEvent("free", "confirmed", EventTime(instant=_at("2031-03-10 10:00")),
                         EventTime(instant=_at("2031-03-10 11:00")), transparent=True)  # fmt: skip
    ours = CalendarEvent("rcours", "confirmed", EventTime(instant=_at("2031-03-10 10:30")),
                         EventTime(instant=_at("2031-03-10 11:00")), appointment_id="x")  # fmt: skip
    calendar_busy.store_changes(db, org["org"], connection.id, EventChanges([meeting, free, ours], "t", True), NOW)
    calendar_busy.replace_blocks(
        db,
        org["org"],
        connection.id,
        org["member"],
        [("meeting", meeting.start.instant, meeting.end.instant)],  # type: ignore[union-attr]
    )
    assert [t for _, t in _slots(db, org)] == ["10:00", "10:30"]
    # Like time off: a booking there is "not available", never "taken by another customer".
    refused = appointments.book(
        db,
        org["org"],
        customer(db, org["org"]),
        org["service"],
        org["member"],
        _at("2031-03-10 09:30"),
        WINDOW,
        now=NOW,
    )
    assert (refused.failure, refused.appointment) == ("not_available", None)


def test_a_broken_connection_offers_no_slots_until_connected_again(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    other = add_member(db, org["org"])
    connection = connect(db, org["org"], org["member"])
    assert {m for m, _ in _slots(db, org)} == {org["member"], other}
    assert calendar_connections.mark_broken(db, org["org"], connection.id, "invalid_grant", NOW)
    assert {m for m, _ in _slots(db, org)} == {other}  # the other member is still offered
    assert _slots(db, org, member=org["member"]) == []
    refused = appointments.book(
        db,
        org["org"],
        customer(db, org["org"]),
        org["service"],
        org["member"],
        _at("2031-03-10 09:00"),
        WINDOW,
        now=NOW,
    )
    assert (refused.failure, refused.detail) == ("not_available", CALENDAR_BROKEN)
    connect(db, org["org"], org["member"])  # connected again: the same row, working
    assert calendar_connections.get(db, org["org"], connection.id).status == "connected"  # type: ignore[union-attr]
    assert org["member"] in {m for m, _ in _slots(db, org)}


def test_a_slot_taken_in_the_calendar_meanwhile_is_refused(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    connect(db, org["org"], org["member"])
    guard = RecordingGuard("busy")
    contact = customer(db, org["org"])
    refused = appointments.book(
        db, org["org"], contact, org["service"], org["member"], _at("2031-03-10 09:00"), WINDOW, now=NOW,
        slot_guard=guard, deadline=Deadline.never(),
    )  # fmt: skip
    assert (refused.failure, refused.detail, refused.appointment) == ("slot_taken", CALENDAR_TAKEN, None)
    assert guard.asked == [(org["member"], _at("2031-03-10 09:00"), _at("2031-03-10 09:30"))]
    assert db.fetch_one("select count(*) as n from appointments where organization_id = %s", (org["org"],)) == {"n": 0}
    guard.verdict = "free"
    booked = appointments.book(
        db, org["org"], contact, org["service"], org["member"], _at("2031-03-10 09:00"), WINDOW, now=NOW,
        slot_guard=guard,
    )  # fmt: skip
    assert booked.appointment is not None


def test_an_unanswered_check_leaves_it_to_the_synced_blocks_and_is_counted(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    connection = connect(db, org["org"], org["member"])
    calendar_busy.replace_blocks(
        db, org["org"], connection.id, org["member"], [("synced", _at("2031-03-10 10:00"), _at("2031-03-10 11:00"))]
    )
    calendar = CalendarStub(busy=[(_at("2031-03-10 09:00"), _at("2031-03-10 11:00"))], error=CalendarUnavailable("503"))
    guard = ProviderSlotGuard(
        lambda o, m: calendar_connections.for_member(db, o, m),
        AccessTokens(calendar, TokenStub()),  # type: ignore[arg-type]
        calendar,  # type: ignore[arg-type]
        on_revoked=lambda c: None,
    )
    contact = customer(db, org["org"])

    def book(start: str) -> appointments.BookingResult:
        return appointments.book(
            db, org["org"], contact, org["service"], org["member"], _at(start), WINDOW, now=NOW, slot_guard=guard,
            deadline=Deadline.after(10),
        )  # fmt: skip

    assert book("2031-03-10 09:00").appointment is not None  # free in the synced blocks: booked
    assert guard.fallbacks == 1 and calendar.calls == 1
    assert book("2031-03-10 10:00").failure == "not_available"  # busy in them: refused before any call
    assert guard.fallbacks == 1 and calendar.calls == 1


def test_members_without_a_connected_calendar_are_never_re_checked(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    other = add_member(db, org["org"])
    guard = RecordingGuard("busy")
    contact = customer(db, org["org"])
    for member in (org["member"], other):
        booked = appointments.book(
            db, org["org"], contact, org["service"], member, _at("2031-03-10 09:00"), WINDOW, now=NOW, slot_guard=guard
        )
        assert booked.appointment is not None
    moved = appointments.reschedule(
        db, org["org"], contact, booked.appointment.id, _at("2031-03-10 10:00"), WINDOW, now=NOW, slot_guard=guard
    )
    assert moved.appointment is not None and moved.appointment.starts_at == _at("2031-03-10 10:00")
    assert guard.asked == []


def test_a_move_is_re_checked_outside_its_own_time_and_refused_when_taken(db: Database, make_org: OrgFactory) -> None:
    org = make_org(duration=60)
    connect(db, org["org"], org["member"])
    contact = customer(db, org["org"])
    booked = appointments.book(
        db, org["org"], contact, org["service"], org["member"], _at("2031-03-10 09:00"), WINDOW, now=NOW
    )
    assert booked.appointment is not None
    guard = RecordingGuard("busy")
    refused = appointments.reschedule(
        db, org["org"], contact, booked.appointment.id, _at("2031-03-10 09:30"), WINDOW, now=NOW, slot_guard=guard
    )
    assert (refused.failure, refused.detail) == ("slot_taken", CALENDAR_TAKEN)
    assert refused.appointment is not None and refused.appointment.starts_at == _at("2031-03-10 09:00")
    # Only 10:00-10:30 was asked: 09:30-10:00 is the appointment's own event in that calendar.
    assert guard.asked == [(org["member"], _at("2031-03-10 10:00"), _at("2031-03-10 10:30"))]
    row = db.fetch_one("select starts_at from appointments where id = %s", (booked.appointment.id,))
    assert row == {"starts_at": _at("2031-03-10 09:00")}


def test_a_grant_revoked_at_the_check_breaks_the_connection_and_refuses(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    connection = connect(db, org["org"], org["member"])
    calendar = CalendarStub()
    calendar.revoked = GrantRevoked("invalid_grant")
    guard = ProviderSlotGuard(
        lambda o, m: calendar_connections.for_member(db, o, m),
        AccessTokens(calendar, TokenStub()),  # type: ignore[arg-type]
        calendar,  # type: ignore[arg-type]
        on_revoked=lambda c: calendar_connections.mark_broken(db, c.organization_id, c.id, "invalid_grant", NOW),
    )
    refused = appointments.book(
        db, org["org"], customer(db, org["org"]), org["service"], org["member"], _at("2031-03-10 09:00"), WINDOW,
        now=NOW, slot_guard=guard,
    )  # fmt: skip
    assert (refused.failure, refused.detail) == ("not_available", CALENDAR_BROKEN)
    assert calendar_connections.get(db, org["org"], connection.id).status == "broken"  # type: ignore[union-attr]
    assert _slots(db, org) == [] and guard.fallbacks == 0
