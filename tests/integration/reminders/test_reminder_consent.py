"""Reminders follow the consent register (issue 25, point 4): a patient booked by phone, who never
wrote, is reminded once staff record their reminder consent at the front desk (as the console's
role); a customer who wrote is reminded (their first message granted it); nobody is reminded
after an opt-out (written BAJA, the front desk, Gupshup's event), nor after writing "ALTA" (service
replies only); a claim whose customer withdrew consent before it went out is skipped as no_consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reminders_kit import World

from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats, consent, reminders
from receptionist.crm.connection import Database
from receptionist.reminders.service import PassReport, ReminderPass

DAY = timedelta(days=1)
STAFF = "staff:recepcion@clinica.example"


def _run(world: World, at: datetime) -> PassReport:
    db = Database(world.app_url)  # as the functions' role
    try:
        return ReminderPass(db, world.queue()).run(at, DAY)
    finally:
        db.close()


def _at_front_desk(world: World, console_url: str, business: str, purpose: str, state: str, **who: str) -> str:
    db = Database(console_url)  # as the console's role
    try:
        with db.acting_for(business):
            recorded = consent.record_at_front_desk(
                db,
                business,
                purpose,
                state,
                actor=STAFF,
                at=datetime.now(UTC),
                **who,  # type: ignore[arg-type]
            )
    finally:
        db.close()
    assert recorded is not None
    return recorded.identity_id


def test_a_patient_booked_by_phone_is_reminded_once_staff_record_consent(world: World, console_url: str) -> None:
    shop = world.business()
    starts = world.at + 3 * DAY
    appointment, contact, phone = world.phone_booking(shop, starts)
    assert _run(world, starts - DAY).due == 0  # never wrote, no consent: not reminded
    assert world.reminders(shop) == []

    identity = _at_front_desk(world, console_url, shop.id, "reminders", "granted", contact_id=contact)
    report = _run(world, starts - DAY + timedelta(minutes=5))
    assert (report.due, report.claimed, report.queued) == (1, 1, 1)
    (job,) = world.jobs()
    assert job.conversation == str(ConversationKey(shop.app, phone)) and job.params[0] == "Pilar"
    row = world.owner.fetch_one(
        "select contact_id::text, last_inbound_at from chat_identities where id = %s", (identity,)
    )
    assert row == {"contact_id": contact, "last_inbound_at": None}  # the identity the notifier sends to
    assert [r["appointment_id"] for r in world.reminders(shop)] == [appointment]


def test_withdrawn_at_the_front_desk_no_more_reminders(world: World, console_url: str) -> None:
    shop = world.business(offsets=[1440, 120])
    starts = world.at + 3 * DAY
    _, phone = world.appointment(shop, starts)  # wrote on WhatsApp: reminders granted
    assert _run(world, starts - DAY).queued == 1
    identity = chats.find_identity(world.owner, shop.id, phone)
    assert identity is not None
    _at_front_desk(world, console_url, shop.id, "reminders", "withdrawn", identity_id=identity.id)
    assert _run(world, starts - timedelta(minutes=120)).due == 0


def test_no_reminders_after_an_opt_out_nor_after_alta(world: World) -> None:
    shop = world.business()
    starts = world.at + 3 * DAY
    _, phone = world.appointment(shop, starts)
    identity = chats.find_identity(world.owner, shop.id, phone)
    assert identity is not None
    written = starts - 2 * DAY
    consent.opt_out(world.owner, shop.id, identity.id, at=written, source="written", reference="t1#out")
    assert _run(world, starts - DAY).due == 0
    consent.opt_in(
        world.owner, shop.id, identity.id, at=written + timedelta(hours=1), source="written", reference="t2#in"
    )
    assert _run(world, starts - DAY).due == 0  # "ALTA" brings back service replies, not reminders
    assert world.reminders(shop) == []


def test_a_claim_whose_customer_withdrew_before_it_went_out_is_skipped(world: World, console_url: str) -> None:
    shop = world.business()
    starts = world.at + 3 * DAY
    appointment, phone = world.appointment(shop, starts)
    db = Database(world.app_url)
    try:
        with db.acting_for(shop.id):  # a pass that claimed it and died before queueing it
            claimed = reminders.claim_reminder(db, shop.id, appointment, 1440, starts - DAY)
            assert claimed is not None
    finally:
        db.close()
    identity = chats.find_identity(world.owner, shop.id, phone)
    assert identity is not None
    db = Database(world.app_url)
    try:
        with db.acting_for(shop.id):  # what the notifier reads right before it sends
            timing = reminders.reminder_timing(db, shop.id, claimed.id)
            assert timing is not None and timing.consented and timing.void(starts - DAY) is None
            _at_front_desk(world, console_url, shop.id, "reminders", "withdrawn", identity_id=identity.id)
            timing = reminders.reminder_timing(db, shop.id, claimed.id)
            assert timing is not None and timing.void(starts - DAY) == "no_consent"
    finally:
        db.close()
    db = Database(world.app_url)
    try:
        report = ReminderPass(db, world.queue(), now=lambda: starts).run(starts - DAY + timedelta(minutes=5), DAY)
    finally:
        db.close()
    assert (report.requeued, report.skipped) == (0, 1)
    assert world.jobs() == []
    row = world.owner.fetch_one("select status, skip_reason from appointment_reminders where id = %s", (claimed.id,))
    assert row == {"status": "skipped", "skip_reason": "no_consent"}
