"""A customer's tap on a waitlist offer, on the real database as the functions' role (row level
security): accept books the slot in one transaction with the offer locked, the database decides a
race (one booking, the other offer 'lost' and its entry still waiting), an expired offer books
nothing, decline is recorded, taps are idempotent and another customer's token changes nothing."""

from __future__ import annotations

import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm_kit import OrgFactory

from receptionist.crm import appointments
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact
from receptionist.crm.waitlist_answers import ACTOR, OfferAction, OfferAnswer, answer_offer

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2034, 2, 1, 9, 0, tzinfo=UTC)
WINDOW = BookingWindow("Europe/Madrid", 0, 365, 30)
SLOT = datetime(2034, 2, 6, 9, 30, tzinfo=MADRID)  # a Monday, within make_org's 09:00-11:00


_OFFER = "select * from waitlist_offers where id = %s"
_ENTRY = "select * from waitlist_entries where id = %s"


class Business:
    """One business of make_org, with customers waiting and offers made as the offer pass would."""

    def __init__(self, db: Database, make_org: OrgFactory) -> None:
        self.db = db
        self.ids = make_org()
        self.org = self.ids["org"]

    def customer(self) -> str:
        return f"347{uuid.uuid4().int % 10**8:08d}"

    def offer(self, phone: str, *, status: str = "sent", expires: datetime | None = None) -> tuple[str, str, str]:
        """(entry id, offer id, token) of a waiting entry of `phone` offered SLOT."""
        contact = find_or_create_contact(self.db, self.org, phone, "Cliente")
        entry = self.db.fetch_one(
            "insert into waitlist_entries (organization_id, contact_id, service_id, first_day, last_day)"
            " values (%s, %s, %s, '2034-02-06', '2034-02-08') returning id::text",
            (self.org, contact.id, self.ids["service"]),
        )
        token = secrets.token_urlsafe(24)
        assert entry is not None
        offer = self.db.fetch_one(
            "insert into waitlist_offers (organization_id, entry_id, member_id, service_id, starts_at, ends_at, token,"
            " status, expires_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning id::text",
            (
                self.org,
                entry["id"],
                self.ids["member"],
                self.ids["service"],
                SLOT,
                SLOT + timedelta(minutes=30),
                token,
                status,
                expires or NOW + timedelta(minutes=30),
            ),
        )
        assert offer is not None
        return entry["id"], offer["id"], token

    def row(self, table: str, row_id: str) -> dict[str, Any]:
        sql = {"waitlist_offers": _OFFER, "waitlist_entries": _ENTRY}[table]
        found = self.db.fetch_one(sql, (row_id,))
        assert found is not None
        return found

    def appointments_at_slot(self) -> list[dict[str, Any]]:
        return self.db.fetch_all(
            "select id::text, contact_id::text, status from appointments where organization_id = %s and starts_at = %s",
            (self.org, SLOT),
        )


def _tap(
    app_db: Database, b: Business, phone: str, token: str, action: OfferAction, now: datetime = NOW
) -> OfferAnswer:
    with app_db.acting_for(b.org):
        return answer_offer(app_db, b.org, phone, token, action, WINDOW, now=now)


def test_accept_books_the_slot_and_a_second_tap_says_the_same(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    b = Business(db, make_org)
    phone = b.customer()
    entry, offer, token = b.offer(phone)

    first = _tap(app_db, b, phone, token, "accept")
    again = _tap(app_db, b, phone, token, "accept")
    decline_after = _tap(app_db, b, phone, token, "decline")

    assert first == again == decline_after
    assert (first.outcome, first.service, first.member, first.starts_at) == ("booked", "Corte", "Ana", SLOT)
    (booked,) = b.appointments_at_slot()
    assert b.row("waitlist_offers", offer)["status"] == "accepted"
    assert str(b.row("waitlist_offers", offer)["appointment_id"]) == booked["id"]
    assert b.row("waitlist_entries", entry)["status"] == "booked"
    assert str(b.row("waitlist_entries", entry)["booked_appointment_id"]) == booked["id"]
    history = db.fetch_one("select actor from appointment_history where appointment_id = %s", (booked["id"],))
    assert history == {"actor": ACTOR}


def test_an_offer_the_pass_sent_but_did_not_mark_queued_can_be_accepted(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    """The offer pass died between the send and marking the offer queued: the customer has the
    buttons and taps them before the next pass re-sends the claim (the same job, a duplicate)."""
    b = Business(db, make_org)
    phone = b.customer()
    entry, offer, token = b.offer(phone, status="claimed")

    assert _tap(app_db, b, phone, token, "accept").outcome == "booked"
    assert b.row("waitlist_offers", offer)["status"] == "accepted"
    assert b.row("waitlist_entries", entry)["status"] == "booked" and len(b.appointments_at_slot()) == 1


def test_two_customers_accepting_the_same_slot_at_once_one_gets_it(
    db: Database, app_url: str, make_org: OrgFactory
) -> None:
    b = Business(db, make_org)
    taps = [(phone, *b.offer(phone)) for phone in (b.customer(), b.customer())]
    barrier = threading.Barrier(2)
    answers: dict[str, str] = {}

    def accept(phone: str, token: str) -> None:
        own = Database(app_url)
        try:
            own.fetch_one("select 1")  # connected before the barrier: the taps themselves race
            barrier.wait()
            answers[phone] = _tap(own, b, phone, token, "accept").outcome
        finally:
            own.close()

    threads = [threading.Thread(target=accept, args=(phone, token)) for phone, _, _, token in taps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(answers.values()) == ["booked", "lost"]
    (booked,) = b.appointments_at_slot()
    for phone, entry, offer, _ in taps:
        won = answers[phone] == "booked"
        assert b.row("waitlist_offers", offer)["status"] == ("accepted" if won else "lost")
        assert b.row("waitlist_entries", entry)["status"] == ("booked" if won else "waiting")  # the loser stays on
    assert len({booked["contact_id"]}) == 1


def test_the_same_tap_twice_at_once_books_once(db: Database, app_url: str, make_org: OrgFactory) -> None:
    # A double tap, or a retried turn racing the first: the offer's lock serialises them.
    b = Business(db, make_org)
    phone = b.customer()
    _, offer, token = b.offer(phone)
    barrier = threading.Barrier(2)
    answers: list[str] = []

    def accept() -> None:
        own = Database(app_url)
        try:
            own.fetch_one("select 1")
            barrier.wait()
            answers.append(_tap(own, b, phone, token, "accept").outcome)
        finally:
            own.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert answers == ["booked", "booked"]
    (booked,) = b.appointments_at_slot()
    assert str(b.row("waitlist_offers", offer)["appointment_id"]) == booked["id"]


def test_a_slot_booked_meanwhile_is_lost_and_the_customer_stays_waiting(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    b = Business(db, make_org)
    phone = b.customer()
    entry, offer, token = b.offer(phone)
    other = find_or_create_contact(db, b.org, b.customer(), "Otra")
    taken = appointments.book(db, b.org, other.id, b.ids["service"], b.ids["member"], SLOT, WINDOW, now=NOW)
    assert taken.ok

    answer = _tap(app_db, b, phone, token, "accept")

    assert answer.outcome == "lost" and _tap(app_db, b, phone, token, "accept").outcome == "lost"
    assert [a["id"] for a in b.appointments_at_slot()] == [taken.appointment.id if taken.appointment else ""]
    assert b.row("waitlist_offers", offer)["status"] == "lost"
    assert b.row("waitlist_entries", entry)["status"] == "waiting"


def test_an_expired_offer_books_nothing_and_the_customer_stays_waiting(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    b = Business(db, make_org)
    phone = b.customer()
    entry, offer, token = b.offer(phone, expires=NOW + timedelta(minutes=5))

    answer = _tap(app_db, b, phone, token, "accept", now=NOW + timedelta(minutes=5))

    assert answer.outcome == "expired"
    assert b.appointments_at_slot() == []
    assert b.row("waitlist_offers", offer)["status"] == "sent"  # the offer pass expires it and offers the slot on
    assert b.row("waitlist_entries", entry)["status"] == "waiting"


def test_decline_is_recorded_and_a_later_accept_books_nothing(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    b = Business(db, make_org)
    phone = b.customer()
    entry, offer, token = b.offer(phone)

    declined = _tap(app_db, b, phone, token, "decline")
    accepted = _tap(app_db, b, phone, token, "accept")

    assert (declined.outcome, accepted.outcome) == ("declined", "closed")
    assert b.row("waitlist_offers", offer)["status"] == "declined"
    assert b.row("waitlist_offers", offer)["answered_at"] == NOW
    assert b.row("waitlist_entries", entry)["status"] == "waiting" and b.appointments_at_slot() == []


def test_a_withdrawn_entry_or_an_offer_not_sent_books_nothing(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    b = Business(db, make_org)
    phone = b.customer()
    entry, _, token = b.offer(phone)
    db.execute("update waitlist_entries set status = 'withdrawn' where id = %s", (entry,))
    skipped_phone = b.customer()
    _, _, skipped = b.offer(skipped_phone, status="skipped")

    assert _tap(app_db, b, phone, token, "accept").outcome == "closed"
    assert _tap(app_db, b, skipped_phone, skipped, "accept").outcome == "closed"
    assert b.appointments_at_slot() == []


def test_another_customers_or_another_businesss_token_changes_nothing(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    b = Business(db, make_org)
    phone = b.customer()
    _, offer, token = b.offer(phone)
    elsewhere = Business(db, make_org)

    assert _tap(app_db, b, b.customer(), token, "accept") == OfferAnswer("unknown")
    assert _tap(app_db, elsewhere, phone, token, "accept") == OfferAnswer("unknown")
    assert b.row("waitlist_offers", offer)["status"] == "sent" and b.appointments_at_slot() == []
