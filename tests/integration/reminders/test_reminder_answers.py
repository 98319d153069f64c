"""A customer's answer to a reminder, on the real CRM under row level security (the processor's
TurnCrm as the functions' role): the token finds the reminder only in its business and for its
customer; Confirmar / Cancelar change the appointment through the CRM once; the answer is kept
for the outcome metrics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from reminders_kit import Business, World

from receptionist.adapters.turn_crm import TurnCrm
from receptionist.crm.connection import Database
from receptionist.crm.reminders import AnsweredReminder
from receptionist.reminders.service import ReminderPass

DAY = timedelta(days=1)


@pytest.fixture
def crm(world: World) -> Iterator[TurnCrm]:
    db = Database(world.app_url)
    yield TurnCrm(db)
    db.close()


def _reminded(world: World, shop: Business, crm: TurnCrm) -> tuple[str, str, str]:
    """(appointment, customer, token): an appointment whose reminder went out."""
    appointment, customer = world.appointment(shop, world.at + DAY)
    assert ReminderPass(crm.db, world.queue()).run(world.at, DAY).queued == 1
    token = world.owner.fetch_one("select token from appointment_reminders where appointment_id = %s", (appointment,))
    assert token
    return appointment, customer, token["token"]


def _state(world: World, appointment: str) -> tuple[str, list[tuple[str, str | None]], str | None, str | None]:
    row = world.owner.fetch_one(
        "select a.status, r.answer, r.answer_turn from appointments a"
        " join appointment_reminders r on r.appointment_id = a.id where a.id = %s",
        (appointment,),
    )
    history = world.owner.fetch_all(
        "select action, actor from appointment_history where appointment_id = %s order by at", (appointment,)
    )
    assert row
    return row["status"], [(h["action"], h["actor"]) for h in history], row["answer"], row["answer_turn"]


def _find(crm: TurnCrm, org: str, customer: str, token: str) -> AnsweredReminder | None:
    with crm.acting_for(org):
        return crm.reminder_for_customer(org, customer, token)


def test_a_token_is_found_only_in_its_business_and_for_its_customer(world: World, crm: TurnCrm) -> None:
    shop, other = world.business(), world.business()
    appointment, customer, token = _reminded(world, shop, crm)
    _, stranger = world.appointment(shop, world.at + 2 * DAY)
    found = _find(crm, shop.id, customer, token)
    assert found is not None and found.appointment_id == appointment and found.service == "Corte"
    assert _find(crm, shop.id, stranger, token) is None  # another customer of the same business
    assert _find(crm, other.id, customer, token) is None  # the same number in another business
    assert _find(crm, shop.id, customer, "0" * 32) is None


def test_confirm_then_cancel_change_the_appointment_once_each(world: World, crm: TurnCrm) -> None:
    shop = world.business()
    appointment, customer, token = _reminded(world, shop, crm)
    with crm.acting_for(shop.id):
        trips = crm.db.round_trips
        reminder = crm.reminder_for_customer(shop.id, customer, token)
        assert reminder is not None
        assert crm.answer_reminder(shop.id, reminder, "confirmed", "turn-1").status == "confirmed"
        assert crm.db.round_trips - trips == 3  # the token, the confirm, the answer: one statement each
        assert crm.answer_reminder(shop.id, reminder, "confirmed", "turn-1").status == "confirmed"  # a retry
    status, history, answer, turn = _state(world, appointment)
    assert (status, answer, turn) == ("confirmed", "confirmed", "turn-1")
    assert [h for h in history if h[0] != "booked"] == [("confirmed", "customer:reminder")]

    with crm.acting_for(shop.id):
        applied = crm.answer_reminder(shop.id, reminder, "cancelled", "turn-2")
        assert (applied.status, applied.error) == ("cancelled", None)
        again = crm.answer_reminder(shop.id, reminder, "confirmed", "turn-3")  # too late: it is cancelled
        assert (again.status, again.error) == ("cancelled", "not_active")
    status, history, answer, _ = _state(world, appointment)
    assert status == "cancelled" and answer == "cancelled"  # the refused tap is not an answer
    assert [h[0] for h in history if h[0] != "booked"] == ["confirmed", "cancelled"]


def test_a_written_reply_answers_the_waiting_reminder_once_and_its_retry_finds_it_again(
    world: World, crm: TurnCrm
) -> None:
    shop = world.business()
    appointment, customer, _ = _reminded(world, shop, crm)
    with crm.acting_for(shop.id):
        waiting = crm.awaiting_reminder(shop.id, customer, world.at, "turn-a")
        assert waiting is not None and waiting.appointment_id == appointment
        crm.answer_reminder(shop.id, waiting, "typed", "turn-a")
        # The same turn run again (its first attempt failed after recording) still gets the context...
        assert crm.awaiting_reminder(shop.id, customer, world.at, "turn-a") is not None
        # ...a later turn does not: the reminder is answered.
        assert crm.awaiting_reminder(shop.id, customer, world.at, "turn-b") is None
        crm.answer_reminder(shop.id, waiting, "typed", "turn-b")  # a written reply never replaces an answer
    status, history, answer, turn = _state(world, appointment)
    assert (status, answer, turn) == ("pending", "typed", "turn-a")
    assert [h for h in history if h[0] != "booked"] == []


def test_no_reminder_waits_once_the_appointment_is_cancelled_or_past(world: World, crm: TurnCrm) -> None:
    shop = world.business()
    appointment, customer, _ = _reminded(world, shop, crm)
    with crm.acting_for(shop.id):
        assert crm.awaiting_reminder(shop.id, customer, world.at + 2 * DAY, "t") is None  # it has passed
    world.owner.execute("update appointments set status = 'cancelled' where id = %s", (appointment,))
    with crm.acting_for(shop.id):
        assert crm.awaiting_reminder(shop.id, customer, world.at, "t") is None
