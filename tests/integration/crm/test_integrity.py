"""Integrity the database enforces by itself, whoever writes (code, dashboard, SQL editor)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import psycopg
import pytest
from crm_kit import DEMO_ORG, GOMEZ, LIMPIEZA, RUIZ, OrgFactory

from receptionist.crm.availability import BookingWindow, available_slots
from receptionist.crm.catalogue import get_service
from receptionist.crm.connection import Database


def _refused(db: Database, sql: str, params: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        db.execute(sql, params)


def test_timezone_language_and_key_references_are_checked(db: Database) -> None:
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, 'Zonas')", (org,))
    insert = "insert into agent_settings (organization_id, timezone, language) values (%s, %s, %s)"
    _refused(db, insert, (org, "Mars/Olympus_Mons", "es"), psycopg.errors.CheckViolation)
    _refused(db, insert, (org, "UTC+3", "es"), psycopg.errors.CheckViolation)  # POSIX: zoneinfo can't load it
    _refused(db, insert, (org, "America/Lima", "spanish"), psycopg.errors.CheckViolation)
    db.execute(insert, (org, "America/Lima", "es"))
    _refused(
        db,
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, 'App1', '34910000001', 'sk-live-not-a-parameter name')",
        (org,),
        psycopg.errors.CheckViolation,
    )


def test_contacts_keep_normalized_emails_and_digit_phones(db: Database) -> None:
    insert = "insert into contacts (organization_id, phone, email) values (%s, %s, %s)"
    for phone, email in (
        ("34600000001", "Ana@Example.com"),  # not lower case
        ("34600000001", "ana@example"),  # no top-level domain
        ("34600000001", "ana..b@example.com"),
        ("34600000001", "ana@-example.com"),
        ("+34600000001", "ana@example.com"),
    ):
        _refused(db, insert, (DEMO_ORG, phone, email), psycopg.errors.CheckViolation)


def test_chat_messages_know_their_kinds_and_directions(db: Database) -> None:
    from receptionist.crm import chats

    ident = chats.touch_identity(db, DEMO_ORG, "34600777001", None, None)
    insert = (
        "insert into chat_messages (organization_id, chat_identity_id, direction, kind, status)"
        " values (%s, %s, %s, %s, %s)"
    )
    _refused(db, insert, (DEMO_ORG, ident.id, "inbound", "reaction", "received"), psycopg.errors.CheckViolation)
    _refused(db, insert, (DEMO_ORG, ident.id, "outbound", "text", "received"), psycopg.errors.CheckViolation)
    _refused(db, insert, (DEMO_ORG, ident.id, "inbound", "text", "sent"), psycopg.errors.CheckViolation)


def test_weekly_hours_of_a_member_never_overlap(db: Database, make_org: OrgFactory) -> None:
    o = make_org(hours=[(1, "09:00", "14:00")])
    insert = "insert into member_hours (organization_id, member_id, weekday, starts, ends) values (%s, %s, %s, %s, %s)"
    _refused(db, insert, (o["org"], o["member"], 1, "13:30", "15:00"), psycopg.errors.ExclusionViolation)
    db.execute(insert, (o["org"], o["member"], 1, "14:00", "16:00"))  # back to back is fine
    db.execute(insert, (o["org"], o["member"], 2, "13:30", "15:00"))  # another day is fine


def test_hours_until_midnight(db: Database, make_org: OrgFactory) -> None:
    o = make_org("Europe/Madrid", hours=[(3, "22:00", "24:00")], duration=30, step=30)
    service = get_service(db, o["org"], o["service"])
    assert service
    window = BookingWindow("Europe/Madrid", 0, 365, 30)
    slots = available_slots(
        db, o["org"], service, window, date(2026, 6, 3), date(2026, 6, 3), now=datetime(2026, 6, 1, tzinfo=UTC)
    )
    assert [s.starts_at.strftime("%H:%M") for s in slots] == ["22:00", "22:30", "23:00", "23:30"]
    assert slots[-1].ends_at == datetime(2026, 6, 3, 22, 0, tzinfo=UTC)  # 00:00 CEST on the 4th


def test_an_organization_wide_closure_blocks_every_member(db: Database) -> None:
    service = get_service(db, DEMO_ORG, LIMPIEZA)
    assert service
    window = BookingWindow("Europe/Madrid", 0, 3650, 30)
    day, now = date(2032, 1, 6), datetime(2031, 12, 1, tzinfo=UTC)  # a Tuesday
    before = available_slots(db, DEMO_ORG, service, window, day, day, now=now)
    assert {s.member_id for s in before} == {GOMEZ, RUIZ}
    db.execute(
        "insert into member_time_off (organization_id, member_id, starts_at, ends_at, reason)"
        " values (%s, null, '2032-01-05 23:00Z', '2032-01-06 23:00Z', 'Reyes')",
        (DEMO_ORG,),
    )
    assert available_slots(db, DEMO_ORG, service, window, day, day, now=now) == []
    assert available_slots(db, DEMO_ORG, service, window, date(2032, 1, 7), date(2032, 1, 7), now=now)


def test_an_appointment_cannot_last_more_than_a_day_or_end_before_it_starts(db: Database) -> None:
    contact = db.fetch_one(
        "insert into contacts (organization_id, phone) values (%s, '34600777002') returning id", (DEMO_ORG,)
    )
    assert contact
    insert = (
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
        " values (%s, %s, %s, %s, %s, %s)"
    )
    for starts, ends in (("2033-01-03 10:00Z", "2033-01-04 10:30Z"), ("2033-01-03 10:00Z", "2033-01-03 09:00Z")):
        _refused(db, insert, (DEMO_ORG, contact["id"], LIMPIEZA, RUIZ, starts, ends), psycopg.errors.CheckViolation)
