"""A reminder belongs to one start time (issue 24, point 1). After a move (crm.appointments.reschedule:
the path of "Cambiar" through the assistant and of the console) the new time is reminded, the old
time's reminders are void, and a tap on an old reminder changes nothing and says the current time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from reminders_kit import Business, World

from receptionist.adapters.turn_crm import TurnCrm
from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database
from receptionist.crm.models import ChatIdentity
from receptionist.i18n import formats
from receptionist.processor.media import Processed
from receptionist.processor.reminder_answers import ReminderTurn, answer_reminders
from receptionist.reminders.service import PassReport, ReminderPass
from receptionist.turns import BufferedMessage

DAY = timedelta(days=1)


@pytest.fixture
def crm(world: World) -> Iterator[TurnCrm]:
    db = Database(world.app_url)  # the functions' role: row level security applies
    yield TurnCrm(db)
    db.close()


def _run(world: World, at: datetime, **kw: Any) -> PassReport:
    db = Database(world.app_url)
    try:
        return ReminderPass(db, world.queue(), **kw).run(at, DAY)
    finally:
        db.close()


def _booked_and_reminded(world: World) -> tuple[Business, str, str, datetime]:
    """(business, appointment, customer, start): booked, and its 24 h reminder went out."""
    shop = world.business()
    world.open_every_day(shop)
    starts = world.at.replace(hour=12) + 2 * DAY  # its moves (whole days) stay clear of midnight
    appointment, customer = world.appointment(shop, starts)
    first = _run(world, starts - DAY)
    assert (first.due, first.claimed, first.queued) == (1, 1, 1)
    return shop, appointment, customer, starts


def test_a_moved_appointment_is_reminded_again_at_its_new_time(world: World) -> None:
    shop, appointment, customer, starts = _booked_and_reminded(world)
    moved_to = starts + 3 * DAY
    world.move(shop, appointment, moved_to, now=starts - DAY + timedelta(hours=1))

    assert _run(world, moved_to - DAY - timedelta(seconds=1)).due == 0  # not before its time
    second = _run(world, moved_to - DAY)
    assert (second.due, second.claimed, second.queued) == (1, 1, 1)
    assert _run(world, moved_to - DAY).claimed == 0  # and once

    rows = world.reminders(shop)
    assert [(r["appointment_id"], r["due_at"], r["status"]) for r in rows] == [
        (appointment, starts - DAY, "queued"),
        (appointment, moved_to - DAY, "queued"),
    ]
    old_job, new_job = world.jobs()
    assert old_job.params[1] == starts.strftime("%d/%m/%Y a las %H:%M")
    assert new_job.params[1] == moved_to.strftime("%d/%m/%Y a las %H:%M")
    assert (
        new_job.conversation == str(ConversationKey(shop.app, customer))
        and new_job.job_id == f"reminder#{rows[1]['id']}"
    )
    assert rows[0]["token"] != rows[1]["token"]


def test_moved_back_to_a_time_already_reminded_it_is_not_reminded_twice(world: World) -> None:
    shop, appointment, _, starts = _booked_and_reminded(world)
    world.move(shop, appointment, starts + DAY, now=starts - DAY)
    world.move(shop, appointment, starts, now=starts - DAY)
    assert _run(world, starts - DAY + timedelta(hours=1)).due == 0
    assert len(world.reminders(shop)) == 1


def test_a_move_made_after_the_new_time_s_reminder_was_due_is_not_reminded(world: World) -> None:
    """As for a late booking: the customer has just agreed on that time."""
    shop, appointment, _, starts = _booked_and_reminded(world)
    moved_to = starts + 12 * timedelta(hours=1)  # its reminder would be due at starts - 12 h
    world.move(shop, appointment, moved_to, now=starts - DAY)
    world.owner.execute(  # the move happened after that (history's time is the database's clock)
        "update appointment_history set at = %s where appointment_id = %s and action = 'rescheduled'",
        (moved_to - DAY + timedelta(hours=2), appointment),
    )
    assert _run(world, moved_to - DAY + timedelta(hours=3)).due == 0


def _answer(crm: TurnCrm, shop: Business, customer: str, token: str, action: str, now: datetime) -> ReminderTurn:
    """The processor's answer to a tap on a reminder's button (Gupshup's quick_reply shape)."""
    org = crm.organization(shop.app)
    assert org is not None
    identity = ChatIdentity("identity", shop.id, customer, None, None, True, False, None)
    payload = {"text": action.title(), "type": "button", "postbackText": f"reminder:{token}:{action}"}
    tap = BufferedMessage("sk", f"m-{action}", "quick_reply", {"type": "quick_reply", "payload": payload}, 0)
    with crm.acting_for(shop.id):
        return answer_reminders(crm, org, identity, [tap], [Processed("quick_reply", action.title())], now, "turn")


@pytest.mark.parametrize("action", ["cancel", "confirm", "change"])
def test_a_tap_on_the_old_reminder_changes_nothing_and_says_the_current_time(
    world: World, crm: TurnCrm, action: str
) -> None:
    shop, appointment, customer, starts = _booked_and_reminded(world)
    (old,) = world.reminders(shop)
    moved_to = starts + 3 * DAY
    world.move(shop, appointment, moved_to, now=starts - DAY + timedelta(hours=1))

    turn = _answer(crm, shop, customer, old["token"], action, now=starts - DAY + timedelta(hours=2))

    assert turn.reply is not None and turn.notes == []  # a fixed sentence, not the model
    assert formats.day_and_time(moved_to, "es") in turn.reply and "no he cambiado nada" in turn.reply
    row = world.owner.fetch_one("select status, starts_at from appointments where id = %s", (appointment,))
    assert row == {"status": "pending", "starts_at": moved_to}
    history = world.owner.fetch_all("select action from appointment_history where appointment_id = %s", (appointment,))
    assert [h["action"] for h in history] == ["rescheduled"]  # the move, and nothing after it
    assert world.owner.fetch_one("select answer from appointment_reminders where id = %s", (old["id"],)) == {
        "answer": None
    }


def test_a_tap_on_the_new_time_s_reminder_still_cancels(world: World, crm: TurnCrm) -> None:
    shop, appointment, customer, starts = _booked_and_reminded(world)
    moved_to = starts + 3 * DAY
    world.move(shop, appointment, moved_to, now=starts - DAY + timedelta(hours=1))
    assert _run(world, moved_to - DAY).queued == 1
    new = world.reminders(shop)[1]
    turn = _answer(crm, shop, customer, new["token"], "cancel", now=moved_to - DAY + timedelta(hours=1))
    assert turn.reply is not None and "hemos cancelado" in turn.reply
    row = world.owner.fetch_one("select status from appointments where id = %s", (appointment,))
    assert row == {"status": "cancelled"}


def test_a_move_between_reading_the_tap_and_applying_it_changes_nothing(world: World, crm: TurnCrm) -> None:
    """The cancel itself is conditional on the reminder's start time (one statement), so a move by
    staff in between cannot be undone by the old reminder's tap."""
    shop, appointment, customer, starts = _booked_and_reminded(world)
    (old,) = world.reminders(shop)
    with crm.acting_for(shop.id):
        read = crm.reminder_for_customer(shop.id, customer, old["token"])
    assert read is not None and not read.moved
    moved_to = starts + 3 * DAY
    world.move(shop, appointment, moved_to, now=starts - DAY + timedelta(hours=1))

    with crm.acting_for(shop.id):
        applied = crm.answer_reminder(shop.id, read, "cancelled", "turn-late")

    assert (applied.status, applied.error) == ("pending", "moved")
    assert applied.starts_at is not None and applied.starts_at == moved_to
    row = world.owner.fetch_one("select status, starts_at from appointments where id = %s", (appointment,))
    assert row == {"status": "pending", "starts_at": moved_to}
