"""Each reminder fails alone (issue 24, point 2) and is never sent late (point 3): a reminder whose
work raises for one business is recorded on its row with its reason, counted, tried again by the
next passes a bounded number of times and then given up, while the other business's reminders in
the same pass go out; a claim the queue refused is re-sent only while its appointment is active,
still at the reminder's time and not started, else skipped with the reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import pytest
from pydantic import BaseModel
from reminders_kit import Business, World

from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database, Row
from receptionist.reminders.service import GIVE_UP_AFTER, PassReport, ReminderPass

DAY = timedelta(days=1)


class _BadZoneFor(Database):
    """The functions' role, where one business's settings cannot be read: its reminder content
    raises as ZoneInfo('CEST') did (the database no longer stores such a zone: 20261207010100)."""

    def __init__(self, url: str, broken: str) -> None:
        super().__init__(url)
        self.broken = broken

    def fetch_one(self, sql: str, params: Any = None) -> Row | None:
        if "reminder_template_params" in sql and params and params[0] == self.broken:
            raise ZoneInfoNotFoundError("No time zone found with key CEST")
        return super().fetch_one(sql, params)


class _DownQueue:
    """The outbound queue refusing every send (SQS unreachable)."""

    def __init__(self) -> None:
        self.attempts = 0

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        self.attempts += 1
        raise ConnectionError("the outbound queue is down")


def _rows(world: World, shop: Business) -> list[dict[str, Any]]:
    return world.owner.fetch_all(
        "select appointment_id::text, status, attempts, last_error, skip_reason from appointment_reminders"
        " where organization_id = %s order by due_at",
        (shop.id,),
    )


def test_one_business_s_failing_reminder_does_not_stop_another_s_and_is_given_up_with_its_reason(
    world: World,
) -> None:
    broken, healthy = world.business(), world.business()
    starts = world.at + DAY
    world.appointment(broken, starts)  # due first: the pass meets it before the other's
    theirs, _ = world.appointment(healthy, starts + timedelta(minutes=5))
    db = _BadZoneFor(world.app_url, broken.id)
    try:
        reports = [
            ReminderPass(db, world.queue(), stale_after=timedelta(0)).run(world.at + timedelta(minutes=10), DAY)
            for _ in range(GIVE_UP_AFTER + 1)
        ]
    finally:
        db.close()

    first = reports[0]
    assert (first.due, first.claimed, first.queued, first.failed, first.given_up) == (2, 2, 1, 1, 0)
    assert [(r.requeued, r.failed, r.given_up) for r in reports[1:]] == [(0, 1, 0)] * (GIVE_UP_AFTER - 2) + [
        (0, 1, 1),  # the fifth try: given up
        (0, 0, 0),  # and then left alone
    ]
    assert [r["status"] for r in _rows(world, healthy)] == ["queued"]
    assert [ConversationKey.parse(j.conversation).app for j in world.jobs()] == [healthy.app]  # once
    (row,) = _rows(world, broken)
    assert (row["status"], row["attempts"]) == ("failed", GIVE_UP_AFTER)
    # The step, the error's type and where our code met it; never the message.
    assert row["last_error"].startswith("content: ZoneInfoNotFoundError at receptionist.crm.reminders:")
    assert "CEST" not in row["last_error"]
    assert _rows(world, healthy)[0]["appointment_id"] == theirs


def test_a_claim_the_queue_refused_is_retried_then_given_up(world: World) -> None:
    shop = world.business()
    world.appointment(shop, world.at + DAY)
    queue = _DownQueue()
    db = Database(world.app_url)
    try:
        reports = [
            ReminderPass(db, queue, stale_after=timedelta(0)).run(world.at, DAY) for _ in range(GIVE_UP_AFTER + 1)
        ]
        assert [(r.failed, r.given_up) for r in reports] == [(1, 0)] * (GIVE_UP_AFTER - 1) + [(1, 1), (0, 0)]
        assert queue.attempts == GIVE_UP_AFTER
        # The queue is back: a given-up reminder stays given up (a later pass does not send it late).
        assert ReminderPass(db, world.queue(), stale_after=timedelta(0)).run(world.at, DAY).queued == 0
    finally:
        db.close()
    (row,) = _rows(world, shop)
    assert (row["status"], row["attempts"]) == ("failed", GIVE_UP_AFTER)
    assert row["last_error"].startswith("send: ConnectionError at ")
    assert world.jobs() == []


def _refused_once(world: World, shop: Business, at: datetime) -> None:
    """A pass whose queue was down: the reminder is claimed, not sent."""
    db = Database(world.app_url)
    try:
        report = ReminderPass(db, _DownQueue()).run(at, DAY)
    finally:
        db.close()
    assert (report.claimed, report.failed) == (1, 1)
    assert [(r["status"], r["attempts"]) for r in _rows(world, shop)] == [("claimed", 1)]


def _later_pass(world: World, at: datetime) -> PassReport:
    db = Database(world.app_url)
    try:
        return ReminderPass(db, world.queue(), stale_after=timedelta(0)).run(at, DAY)
    finally:
        db.close()


def test_a_refused_claim_is_sent_once_the_queue_is_back_while_its_appointment_is_to_come(world: World) -> None:
    shop = world.business()
    starts = world.at + DAY
    world.appointment(shop, starts)
    _refused_once(world, shop, world.at)
    report = _later_pass(world, starts - timedelta(minutes=1))
    assert (report.requeued, report.queued, report.skipped) == (1, 1, 0)
    assert [(r["status"], r["skip_reason"]) for r in _rows(world, shop)] == [("queued", None)]
    assert len(world.jobs()) == 1


@pytest.mark.parametrize("case", ["started", "cancelled", "moved"])
def test_a_refused_claim_is_never_sent_late(world: World, case: str) -> None:
    shop = world.business()
    world.open_every_day(shop)
    starts = world.at.replace(hour=12) + DAY  # moved by whole days: clear of midnight
    appointment, _ = world.appointment(shop, starts)
    _refused_once(world, shop, starts - DAY)
    at = starts - DAY + timedelta(hours=1)
    if case == "started":
        at = starts  # the queue came back when the appointment began
    elif case == "cancelled":
        world.owner.execute("update appointments set status = 'cancelled' where id = %s", (appointment,))
    else:
        world.move(shop, appointment, starts + 2 * DAY, now=at)

    report = _later_pass(world, at)

    assert (report.requeued, report.queued, report.skipped) == (0, 0, 1)
    (row,) = _rows(world, shop)
    assert (row["status"], row["skip_reason"]) == ("skipped", case)
    assert world.jobs() == []
