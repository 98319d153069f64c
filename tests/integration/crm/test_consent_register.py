"""The consent register on real PostgreSQL (migration 20261207080100, crm/consent.py): per customer
and purpose, append-only events with source and time; the current state is the latest event; a
first message grants service and reminders; an opt-out withdraws everything, an opt-in grants
service only; the front desk records for a conversation or a contact who never wrote; both roles
only append, under row level security; reminders follow reminder consent; customers from before
the register get their events from the migration."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from crm_kit import OrgFactory

from devstack.migrate import MIGRATIONS, apply_migrations, migration_files
from receptionist.crm import chats, consent
from receptionist.crm.connection import Database

T0 = datetime(2031, 1, 10, 9, 0, tzinfo=UTC)
CONSENT_MIGRATION = "20261207080100"


def _number() -> str:
    return f"346{uuid.uuid4().int % 10**8:08d}"


def _events(db: Database, identity: str) -> list[tuple[str, str, str, str | None]]:
    rows = db.fetch_all(
        "select purpose, state, source, reference from consent_events where chat_identity_id = %s order by id",
        (identity,),
    )
    return [(r["purpose"], r["state"], r["source"], r["reference"]) for r in rows]


def _state(db: Database, org: str, identity: str) -> dict[str, bool]:
    with db.acting_for(org):
        return {s.purpose: s.granted for s in consent.states(consent.history(db, org, identity))}


def test_a_first_message_grants_service_and_reminders_once(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    org = make_org()["org"]
    number = _number()
    with app_db.acting_for(org):
        before = app_db.round_trips
        first = chats.touch_identity(app_db, org, number, "Lucía", T0)
        assert app_db.round_trips - before == 1  # in the statement that creates the identity
        chats.touch_identity(app_db, org, number, None, T0 + timedelta(minutes=5))
        chats.touch_identity(app_db, org, number, None, None)  # not a message (an event, a fallback)
    assert _events(db, first.id) == [
        ("service", "granted", "whatsapp", "first_message"),
        ("reminders", "granted", "whatsapp", "first_message"),
    ]
    assert _state(db, org, first.id) == {"service": True, "reminders": True, "marketing": False}
    # An identity that exists without a message (Gupshup's event came first) gets them with its first one.
    other = _number()
    with app_db.acting_for(org):
        bare = chats.touch_identity(app_db, org, other, None, None)
        assert _events(db, bare.id) == []
        chats.touch_identity(app_db, org, other, None, T0)
    assert [e[0] for e in _events(db, bare.id)] == ["service", "reminders"]


def test_opt_out_withdraws_everything_and_opt_in_grants_service_only(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    org = make_org()["org"]
    with app_db.acting_for(org):
        identity = chats.touch_identity(app_db, org, _number(), None, T0).id
        assert consent.opt_out(app_db, org, identity, at=T0 + timedelta(hours=1), source="written", reference="t1#out")
        # The same reference again (a retried turn): nothing more; already out: nothing more.
        assert not consent.opt_out(
            app_db, org, identity, at=T0 + timedelta(hours=1), source="written", reference="t1#out"
        )
        assert not consent.opt_out(app_db, org, identity, at=T0 + timedelta(hours=2), source="gupshup", reference="e2")
        assert consent.own_change(app_db, org, identity, "t1") == "out"
        assert consent.own_change(app_db, org, identity, "t2") is None
        # An opt-in older than the opt-out (events out of order) is ignored.
        assert not consent.opt_in(app_db, org, identity, at=T0, source="gupshup", reference="e0")
        assert consent.opt_in(app_db, org, identity, at=T0 + timedelta(hours=3), source="written", reference="t3#in")
        assert consent.own_change(app_db, org, identity, "t3") == "in"
    assert _events(db, identity)[2:] == [
        ("service", "withdrawn", "written", "t1#out"),
        ("reminders", "withdrawn", "written", "t1#out"),
        ("marketing", "withdrawn", "written", "t1#out"),
        ("service", "granted", "written", "t3#in"),
    ]
    assert _state(db, org, identity) == {"service": True, "reminders": False, "marketing": False}
    row = db.fetch_one("select opted_out, opt_changed_at from chat_identities where id = %s", (identity,))
    assert row == {"opted_out": False, "opt_changed_at": T0 + timedelta(hours=3)}


def test_the_front_desk_records_for_a_contact_who_never_wrote(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    org = make_org()["org"]
    number = _number()
    contact = db.fetch_one(
        "insert into contacts (organization_id, name, phone) values (%s, 'Pilar', %s) returning id::text as id",
        (org, number),
    )
    assert contact is not None
    with console_db.acting_for(org):  # as the console's own role
        assert consent.identity_of_contact(console_db, org, contact["id"]) is None
        recorded = consent.record_at_front_desk(
            console_db, org, "reminders", "granted", actor="staff:ana@clinica.example", at=T0, contact_id=contact["id"]
        )
        assert recorded is not None
        assert consent.identity_of_contact(console_db, org, contact["id"]) == recorded.identity_id
        # Again for the same contact: the same identity, one more event.
        again = consent.record_at_front_desk(
            console_db, org, "marketing", "granted", actor="staff:ana@clinica.example", at=T0, contact_id=contact["id"]
        )
        assert again is not None and again.identity_id == recorded.identity_id
    identity = db.fetch_one(
        "select customer_number, contact_id::text, display_name, opted_out, last_inbound_at, disclosure_due"
        " from chat_identities where id = %s",
        (recorded.identity_id,),
    )
    assert identity == {
        "customer_number": number,
        "contact_id": contact["id"],
        "display_name": "Pilar",
        "opted_out": False,
        "last_inbound_at": None,  # never wrote: no 24-hour window
        "disclosure_due": True,  # the first reply they ever get will say it is an AI
    }
    rows = db.fetch_all(
        "select purpose, state, source, actor from consent_events where chat_identity_id = %s order by id",
        (recorded.identity_id,),
    )
    assert [tuple(r.values()) for r in rows] == [
        ("reminders", "granted", "front_desk", "staff:ana@clinica.example"),
        ("marketing", "granted", "front_desk", "staff:ana@clinica.example"),
    ]


def test_front_desk_service_withdrawn_is_an_opt_out(db: Database, console_db: Database, make_org: OrgFactory) -> None:
    org = make_org()["org"]
    identity = chats.touch_identity(db, org, _number(), None, T0).id
    with console_db.acting_for(org):
        consent.record_at_front_desk(
            console_db, org, "service", "withdrawn", actor="staff:ana@x.example", at=T0, identity_id=identity
        )
    assert db.fetch_one("select opted_out from chat_identities where id = %s", (identity,)) == {"opted_out": True}
    with console_db.acting_for(org):
        consent.record_at_front_desk(
            console_db, org, "service", "granted", actor="staff:ana@x.example", at=T0, identity_id=identity
        )
    assert db.fetch_one("select opted_out from chat_identities where id = %s", (identity,)) == {"opted_out": False}
    # Without a named staff account the table refuses a front-desk event.
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, at)"
            " values (%s, %s, 'marketing', 'granted', 'front_desk', now())",
            (org, identity),
        )


@pytest.mark.parametrize("role", ["app", "console"])
def test_the_register_is_append_only_and_each_business_s_own(
    role: str, db: Database, app_db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    org, other = make_org()["org"], make_org()["org"]
    identity = chats.touch_identity(db, org, _number(), None, T0).id
    foreign = chats.touch_identity(db, other, _number(), None, T0).id
    database = app_db if role == "app" else console_db
    before = _events(db, identity)
    for sql in (
        "update consent_events set state = 'granted'",
        "delete from consent_events",
        "truncate consent_events",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), database.acting_for(org):
            database.execute(sql)
    assert _events(db, identity) == before
    with database.acting_for(org):
        assert consent.history(database, org, foreign) == []  # another business's customer: nothing
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            database.execute(
                "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, at)"
                " values (%s, %s, 'marketing', 'granted', 'import', now())",
                (other, foreign),
            )
        recorded = consent.record_at_front_desk(
            database, org, "marketing", "granted", actor="staff:x@y.example", at=T0, identity_id=foreign
        )
        assert recorded is None  # not this business's customer


def test_erasing_the_identity_erases_its_consent_history(db: Database, make_org: OrgFactory) -> None:
    org = make_org()["org"]
    identity = chats.touch_identity(db, org, _number(), None, T0).id
    assert _events(db, identity)
    db.execute("delete from chat_identities where id = %s", (identity,))  # what erasure does (the tables' owner)
    assert _events(db, identity) == []


def test_customers_from_before_the_register_get_their_events(fresh_database: str, tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for version, _, path in migration_files(MIGRATIONS):
        if version < CONSENT_MIGRATION:
            shutil.copy(path, before / path.name)
    apply_migrations(fresh_database, before)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        org = conn.execute("insert into organizations (name) values ('Antes') returning id").fetchone()
        assert org is not None
        wrote, opted_out, never_wrote = (
            conn.execute(
                "insert into chat_identities (organization_id, customer_number, last_inbound_at, opted_out,"
                " opt_changed_at) values (%s, %s, %s, %s, %s) returning id",
                (org[0], number, last, out, changed),
            ).fetchone()
            for number, last, out, changed in (
                ("34600000001", T0, False, None),
                ("34600000002", T0, True, T0 + timedelta(days=1)),
                ("34600000003", None, False, None),  # created by an event: never wrote
            )
        )
        assert wrote and opted_out and never_wrote
        conn.execute(
            "insert into chat_messages (organization_id, chat_identity_id, direction, processed_text, status,"
            " created_at) values (%s, %s, 'inbound', 'Hola', 'received', %s)",
            (org[0], wrote[0], T0 - timedelta(days=30)),
        )
    apply_migrations(fresh_database)
    with psycopg.connect(fresh_database) as conn:
        rows = conn.execute(
            "select chat_identity_id, purpose, state, source, at from consent_events order by id"
        ).fetchall()
        disclosure_due = conn.execute("select bool_and(disclosure_due) from chat_identities").fetchone()
    assert [r[1:] for r in rows if r[0] == wrote[0]] == [
        ("reminders", "granted", "whatsapp", T0 - timedelta(days=30)),  # at their first message
        ("service", "granted", "whatsapp", T0 - timedelta(days=30)),
    ]
    assert [r[1:4] for r in rows if r[0] == opted_out[0]] == [
        ("reminders", "granted", "whatsapp"),
        ("service", "granted", "whatsapp"),
        ("marketing", "withdrawn", "gupshup"),
        ("reminders", "withdrawn", "gupshup"),
        ("service", "withdrawn", "gupshup"),
    ]
    assert [r for r in rows if r[0] == never_wrote[0]] == []
    assert disclosure_due == (True,)  # nobody was told before: everyone's next reply says it
