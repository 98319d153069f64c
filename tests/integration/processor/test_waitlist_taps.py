"""A waitlist offer's Aceptar tap through the processor as its handler builds it (moto, PostgreSQL
with the demo seed under the functions' role): the slot is booked without the model and the
customer told once, also when the turn dies right after the booking committed."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from receptionist.crm.contacts import find_or_create_contact
from receptionist.messages import InboundTicket

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
LIMPIEZA = "00000000-0000-4000-8001-000000000001"
RUIZ = "00000000-0000-4000-8002-000000000002"
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=ZoneInfo("UTC"))  # the harness's clock
# Wednesdays at 17:30 with Dr. Ruiz: a slot no other test books (the session's database is shared).
SLOTS = {"none": "2031-04-23 17:30", "answer_waitlist_offer": "2031-04-30 17:30"}
BOOKED = "¡Hecho! Te hemos reservado Limpieza dental con Dr. Andrés Ruiz el miércoles"


class Boom(RuntimeError):
    pass


def _offer(harness: Any, slot: str) -> str:
    """A waiting entry of the harness's customer offered `slot`, as the offer pass leaves it; its token."""
    db = harness.db
    contact = find_or_create_contact(db, DEMO_ORG, harness.customer, "Lucía")
    start = datetime.fromisoformat(slot).replace(tzinfo=ZoneInfo("Europe/Madrid"))
    entry = db.fetch_one(
        "insert into waitlist_entries (organization_id, contact_id, service_id, first_day, last_day)"
        " values (%s, %s, %s, %s, %s) returning id::text",
        (DEMO_ORG, contact.id, LIMPIEZA, start.date(), start.date()),
    )
    assert entry is not None
    token = secrets.token_urlsafe(24)
    db.execute(
        "insert into waitlist_offers (organization_id, entry_id, member_id, service_id, starts_at, ends_at, token,"
        " status, expires_at) values (%s, %s, %s, %s, %s, %s, %s, 'sent', %s)",
        (DEMO_ORG, entry["id"], RUIZ, LIMPIEZA, start, start + timedelta(minutes=30), token, NOW + timedelta(hours=1)),
    )
    return token


def _tap(harness: Any, token: str) -> InboundTicket:
    """Gupshup's quick reply of a template button, as the webhook buffers it."""
    return harness.receive(
        {"text": "Aceptar", "type": "button", "postbackText": f"waitlist:{token}:accept"}, kind="quick_reply"
    )


@pytest.mark.parametrize("crash", list(SLOTS))
def test_an_accept_tap_books_once_and_is_answered_once(harness: Any, crash: str) -> None:
    token = _offer(harness, SLOTS[crash])
    ticket = _tap(harness, token)
    if crash != "none":  # the booking committed, then the turn died before recording its answer
        crm = harness.service.crm
        real = crm.answer_waitlist_offer

        def dies(*args: Any, **kwargs: Any) -> Any:
            crm.answer_waitlist_offer = real
            real(*args, **kwargs)
            raise Boom("crash after the booking")

        crm.answer_waitlist_offer = dies
        with pytest.raises(Boom):
            harness.handle(ticket)

    report = harness.handle(ticket)

    assert report.outcome in ("reminder_answer", "replayed")
    replies = [j for j in harness.jobs() if j["kind"] == "reply"]
    assert len({j["job_id"] for j in replies}) == 1 and BOOKED in replies[0]["text"]
    booked = harness.db.fetch_all(
        "select a.id from appointments a join contacts c on c.id = a.contact_id where c.phone = %s", (harness.customer,)
    )
    assert len(booked) == 1
    assert harness.openai.completions() == []  # no model call
