"""Delivery states linked across Gupshup's and WhatsApp's ids, the one-round-trip conversation
context, opt-out ordering, and contact normalization, on the real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from crm_kit import DEMO_ORG, OrgFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.contacts import (
    InvalidEmailError,
    InvalidPhoneError,
    contact_by_phone,
    find_or_create_contact,
    normalize_email,
)


def _number() -> str:
    return f"348{uuid.uuid4().int % 10**8:08d}"


def _outbound(db: Database, gupshup_id: str) -> str:
    ident = chats.touch_identity(db, DEMO_ORG, _number(), None, None)
    mid = chats.record_outbound(db, DEMO_ORG, ident.id, text="Hola", turn_id=f"turn-{uuid.uuid4()}")
    chats.mark_sent(db, DEMO_ORG, mid, gupshup_id)
    return mid


def _status(db: Database, message_id: str) -> str:
    row = db.fetch_one("select status from chat_messages where id = %s", (message_id,))
    assert row
    return str(row["status"])


def test_statuses_reported_under_whatsapps_id_reach_the_message(db: Database) -> None:
    gs, wa = f"gs-{uuid.uuid4()}", f"wamid.{uuid.uuid4().hex}"
    mid = _outbound(db, gs)
    # "enqueued" carries Gupshup's id and links WhatsApp's; it is older than "sent" (mark_sent).
    assert not chats.record_status(db, DEMO_ORG, gs, "enqueued", whatsapp_message_id=wa)
    # Later events name only WhatsApp's id (no gsId): still found.
    assert chats.record_status(db, DEMO_ORG, wa, "delivered")
    assert chats.record_status(db, DEMO_ORG, wa, "read", gupshup_message_id=gs)
    assert _status(db, mid) == "read"
    assert not chats.record_status(db, DEMO_ORG, wa, "delivered")
    assert not chats.record_status(db, DEMO_ORG, "wamid.unknown", "read")  # unknown message: nothing
    assert not chats.record_status(db, DEMO_ORG, gs, "deleted")  # not a delivery state we track
    # Another organization's status for the same ids touches nothing here.
    other = str(uuid.uuid4())
    assert not chats.record_status(db, other, gs, "failed")
    assert _status(db, mid) == "read"


def test_failed_replaces_anything_but_read_and_nothing_replaces_it(db: Database) -> None:
    gs = f"gs-{uuid.uuid4()}"
    mid = _outbound(db, gs)
    assert chats.record_status(db, DEMO_ORG, gs, "delivered")
    assert chats.record_status(db, DEMO_ORG, gs, "failed", "131047: re-engagement message")
    for later in ("enqueued", "sent", "delivered", "read", "failed"):
        assert not chats.record_status(db, DEMO_ORG, gs, later)
    row = db.fetch_one("select status, error from chat_messages where id = %s", (mid,))
    assert row and row["status"] == "failed" and row["error"] == "131047: re-engagement message"


def test_status_order_holds_for_every_sequence_of_events(db: Database) -> None:
    order = ["enqueued", "sent", "delivered", "read"]
    for events in (
        ["read", "sent", "enqueued", "delivered"],
        ["delivered", "sent", "read", "failed"],
        ["sent", "failed", "read"],
    ):
        gs = f"gs-{uuid.uuid4()}"
        mid = _outbound(db, gs)  # starts at "sent" (the send API accepted it)
        seen = "sent"
        for event in events:
            changed = chats.record_status(db, DEMO_ORG, gs, event)
            if seen == "failed":
                expected = seen
            elif event == "failed":
                expected = "failed" if seen != "read" else seen
            else:
                expected = event if order.index(event) > order.index(seen) else seen
            assert changed == (expected != seen)
            seen = expected
            assert _status(db, mid) == seen


def test_inbound_messages_are_recorded_once(db: Database) -> None:
    ident = chats.touch_identity(db, DEMO_ORG, _number(), None, datetime(2031, 1, 1, tzinfo=UTC))
    for text in ("primera", "primera (reintento)"):
        chats.record_inbound(
            db,
            DEMO_ORG,
            ident.id,
            provider_message_id="wamid.same",
            kind="audio",
            raw={"url": "u"},
            processed_text=text,
        )
    rows = db.fetch_all(
        "select kind, processed_text from chat_messages where chat_identity_id = %s and direction = 'inbound'",
        (ident.id,),
    )
    assert [(r["kind"], r["processed_text"]) for r in rows] == [("audio", "primera (reintento)")]


def test_an_older_opt_event_does_not_undo_a_newer_one(db: Database) -> None:
    ident = chats.touch_identity(db, DEMO_ORG, _number(), None, None)
    t0 = datetime(2031, 5, 1, 12, tzinfo=UTC)
    assert chats.set_opted_out(db, DEMO_ORG, ident.id, True, at=t0)
    assert not chats.set_opted_out(db, DEMO_ORG, ident.id, False, at=t0 - timedelta(minutes=1))  # late, older
    found = chats.find_identity(db, DEMO_ORG, ident.customer_number)
    assert found and found.opted_out
    assert chats.set_opted_out(db, DEMO_ORG, ident.id, False, at=t0 + timedelta(minutes=1))
    found = chats.find_identity(db, DEMO_ORG, ident.customer_number)
    assert found and not found.opted_out


def test_escalation_is_one_statement_idempotent_per_turn(db: Database) -> None:
    ident = chats.touch_identity(db, DEMO_ORG, _number(), None, None)
    before = db.round_trips
    first = chats.open_escalation(db, DEMO_ORG, ident.id, "quiere hablar con una persona", "turn-esc-1")
    assert db.round_trips - before == 1 and first[1] is True
    assert chats.open_escalation(db, DEMO_ORG, ident.id, "otra razón", "turn-esc-1") == first  # a retry
    # Another turn while this one is open: no second escalation, staff are not told again.
    assert chats.open_escalation(db, DEMO_ORG, ident.id, "otra vez", "turn-esc-2") == (first[0], False)
    again = db.fetch_one("select count(*) as n from escalations where chat_identity_id = %s", (ident.id,))
    assert again == {"n": 1}
    found = chats.find_identity(db, DEMO_ORG, ident.customer_number)
    assert found and not found.bot_enabled
    chats.hand_back_to_bot(db, DEMO_ORG, ident.id)
    open_left = db.fetch_one(
        "select count(*) as n from escalations where chat_identity_id = %s and status = 'open'", (ident.id,)
    )
    assert open_left and open_left["n"] == 0


def test_contacts_are_normalized_and_scoped_to_their_organization(db: Database, make_org: OrgFactory) -> None:
    number = _number()
    a = find_or_create_contact(db, DEMO_ORG, f"+{number[:2]} {number[2:5]} {number[5:]}", "  Ana   María ", None)
    assert (a.phone, a.name, a.email) == (number, "Ana María", None)
    b = find_or_create_contact(db, DEMO_ORG, number, None, "  Ana.Maria@Correo.España.ES ")
    assert b.id == a.id and b.name == "Ana María" and b.email == "ana.maria@correo.xn--espaa-rta.es"
    for bad in ("ana@", "@correo.es", "ana maria@correo.es", "ana@correo", "ana@@correo.es", "ana@correo..es"):
        with pytest.raises(InvalidEmailError):
            find_or_create_contact(db, DEMO_ORG, number, None, bad)
    with pytest.raises(InvalidPhoneError):
        find_or_create_contact(db, DEMO_ORG, "call me", "Ana")
    other = make_org()
    c = find_or_create_contact(db, other["org"], number, "Ana (otra clínica)")
    assert c.id != a.id
    found = contact_by_phone(db, DEMO_ORG, number)
    assert found and found.id == a.id
    assert contact_by_phone(db, DEMO_ORG, "not a phone") is None


@pytest.fixture(scope="module")
def email_probe(seeded_url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A table with exactly the contacts table's e-mail CHECK, to test values one by one."""
    conn = psycopg.connect(seeded_url, autocommit=True)
    check = conn.execute(
        "select pg_get_constraintdef(oid) from pg_constraint where conname = 'contacts_email_check'"
    ).fetchone()
    assert check
    conn.execute(
        psycopg.sql.SQL("create temp table email_probe (email text, {})").format(
            psycopg.sql.SQL(str(check[0]).replace(" NOT VALID", ""))
        )
    )
    return conn


_EMAILISH = st.text(alphabet="abcXYZ019.-_+@ñé'", min_size=1, max_size=24) | st.emails()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(candidate=_EMAILISH)
def test_python_and_database_agree_on_what_an_email_is(
    email_probe: psycopg.Connection[tuple[object, ...]], candidate: str
) -> None:
    try:
        normalized: str | None = normalize_email(candidate)
    except InvalidEmailError:
        normalized = None
    if normalized is not None:
        email_probe.execute("insert into email_probe values (%s)", (normalized,))  # the DB accepts it
        assert normalize_email(normalized) == normalized  # and normalizing is idempotent
    else:
        # What Python refuses, the database refuses too (or it was not a normalizable form).
        for value in {candidate, candidate.strip().lower()}:
            try:
                email_probe.execute("insert into email_probe values (%s)", (value,))
            except psycopg.errors.CheckViolation:
                continue
            pytest.fail(f"database accepted {value!r} that normalize_email refuses")
