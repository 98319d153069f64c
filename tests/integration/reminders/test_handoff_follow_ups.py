"""The handoff follow-ups (receptionist/reminders/handoff.py) on a real PostgreSQL and a moto SQS
FIFO queue, on a frozen clock: an escalation asked for outside the hours (staff told now, or at the
opening), one nobody takes (notified again at N minutes, once; the offer to take a message at M),
one taken or answered in time (nothing), and a pass that dies between the claim and the send (the
job goes out once). Each test has its own business, its own moment (world.at) and customers."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel
from reminders_kit import Business, World

from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.agent.handoff_wording import OPENING_NOTICE, RENOTIFY_NOTICE
from receptionist.crm import chats, handoff, inbox
from receptionist.crm.connection import Database
from receptionist.crm.handoff_rules import plan
from receptionist.i18n.catalogues import message
from receptionist.reminders.handoff import HandoffPass, HandoffReport

MADRID = ZoneInfo("Europe/Madrid")
REASON = "Pide hablar con una persona"


@pytest.fixture
def app_db(world: World) -> Iterator[Database]:
    db = Database(world.app_url)
    yield db
    db.close()


class Clinic:
    """A business of its own, open Monday to Friday 09:00-20:00 in Madrid, on a Monday of its own."""

    def __init__(self, world: World, app_db: Database, *, notice: str = "now") -> None:
        self.world, self.db = world, app_db
        self.business: Business = world.business(template=None, timezone="Europe/Madrid")
        for weekday in range(1, 6):
            world.owner.execute(
                "insert into opening_hours (organization_id, weekday, starts, ends) values (%s, %s, '09:00', '20:00')",
                (self.business.id, weekday),
            )
        world.owner.execute(
            "insert into notification_settings (organization_id, staff_numbers, escalation_template_id,"
            " outside_hours_notice) values (%s, '{34600000009}', 'aviso', %s)",
            (self.business.id, notice),
        )
        local = world.at.astimezone(MADRID)
        self.monday = local.date() + timedelta(days=(7 - local.weekday()) % 7 or 7)

    def at(self, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
        """`day` days after the clinic's Monday, local time."""
        d = self.monday + timedelta(days=day)
        return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=MADRID)

    def escalate(self, at: datetime) -> tuple[str, str, str]:
        """(escalation id, identity id, customer number): a customer asks for a person at `at`,
        recorded as the escalate_to_human tool records it."""
        number = f"3465{random.randrange(10**7, 10**8)}"
        org = self.business.id
        with self.db.acting_for(org):
            identity = chats.touch_identity(self.db, org, number, "Lucía", at)
            decided = plan(handoff.opening_hours(self.db, org, at), handoff.handoff_settings(self.db, org), at)
            escalation, opened = chats.open_escalation(
                self.db, org, identity.id, REASON, f"turn-{uuid.uuid4().hex[:8]}",
                at=at, waiting_since=decided.waiting_since, notify_at=decided.notify_at,
            )  # fmt: skip
        assert opened
        return escalation, identity.id, number

    def run(self, at: datetime, queue: Any = None) -> HandoffReport:
        return HandoffPass(self.db, queue or self.world.queue()).run(at)

    def escalation(self, escalation_id: str) -> dict[str, Any]:
        row = self.world.owner.fetch_one("select * from escalations where id = %s", (escalation_id,))
        assert row
        return row


def test_outside_the_hours_it_waits_for_the_opening_and_is_notified_again_at_n_minutes_after_it(
    world: World, app_db: Database
) -> None:
    clinic = Clinic(world, app_db)  # staff told at once (the default)
    escalation, _, _ = clinic.escalate(clinic.at(0, 23))
    assert clinic.escalation(escalation)["waiting_since"] == clinic.at(1, 9)
    assert clinic.escalation(escalation)["notify_at"] is None  # notified with the turn
    for at in (clinic.at(0, 23, 30), clinic.at(1, 3), clinic.at(1, 9), clinic.at(1, 9, 9)):
        clinic.run(at)
    assert world.jobs() == []  # nothing at night, nothing before N minutes of opening
    report = clinic.run(clinic.at(1, 9, 10))
    (job,) = world.jobs()
    assert report.renotified == 1 and job.kind == "escalation" and job.job_id == f"handoff#{escalation}#renotify"
    assert job.reason == RENOTIFY_NOTICE.format(minutes=10, reason=REASON)


def test_at_opening_the_notice_left_for_the_opening_goes_then_once(world: World, app_db: Database) -> None:
    clinic = Clinic(world, app_db, notice="at_opening")
    escalation, _, number = clinic.escalate(clinic.at(4, 21))  # Friday night: the next opening is Monday
    assert clinic.escalation(escalation)["notify_at"] == clinic.at(7, 9)
    clinic.run(clinic.at(5, 12))  # Saturday
    clinic.run(clinic.at(7, 8, 59))
    assert world.jobs() == []
    report = clinic.run(clinic.at(7, 9))
    (job,) = world.jobs()
    assert report.notified == 1 and job.kind == "escalation" and job.job_id == f"handoff#{escalation}#notice"
    assert job.reason == OPENING_NOTICE.format(reason=REASON) and job.conversation.endswith(f"#{number}")
    clinic.run(clinic.at(7, 9, 5))
    assert world.jobs() == []  # once


def test_nobody_takes_it_notified_again_at_n_once_then_the_offer_at_m(world: World, app_db: Database) -> None:
    clinic = Clinic(world, app_db)
    escalation, identity, number = clinic.escalate(clinic.at(1, 10))
    clinic.run(clinic.at(1, 10, 9, 59))
    assert world.jobs() == []
    clinic.run(clinic.at(1, 10, 10))
    assert [j.job_id for j in world.jobs()] == [f"handoff#{escalation}#renotify"]
    clinic.run(clinic.at(1, 10, 15))
    clinic.run(clinic.at(1, 10, 29))
    assert world.jobs() == []  # notified again once
    report = clinic.run(clinic.at(1, 10, 30))
    (offer,) = world.jobs()
    assert report.offered == 1 and offer.kind == "reply" and offer.text == message("es", "handoff_message_offer")
    assert offer.turn_id == offer.job_id == f"handoff#{escalation}#offer"
    clinic.run(clinic.at(1, 11))
    assert world.jobs() == []
    # The customer's answer is kept for staff on the escalation, and the inbox says it waits.
    org = clinic.business.id
    with app_db.acting_for(org):
        assert handoff.note_customer_message(app_db, org, identity, "turn-msg", "Llamadme a las 5", clinic.at(1, 11))
        assert handoff.note_customer_message(app_db, org, identity, "turn-msg", "Llamadme a las 5", clinic.at(1, 11))
        assert not handoff.note_customer_message(app_db, org, identity, "turn-other", "otra cosa", clinic.at(1, 12))
    row = clinic.escalation(escalation)
    assert (row["customer_message"], row["message_turn"]) == ("Llamadme a las 5", "turn-msg")
    (summary,) = [
        s for s in inbox.list_conversations(world.owner, org, show="unassigned") if s.customer_number == number
    ]
    assert summary.waiting_since == clinic.at(1, 10) and summary.message_left


@pytest.mark.parametrize("how", ["assigned", "staff_answered"])
def test_taken_or_answered_in_time_nothing_follows(world: World, app_db: Database, how: str) -> None:
    clinic = Clinic(world, app_db)
    escalation, identity, _ = clinic.escalate(clinic.at(2, 10))
    org = clinic.business.id
    if how == "assigned":
        sub = f"sub-{uuid.uuid4().hex}"
        world.owner.execute(
            "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, 'staff')",
            (sub, org, f"{sub}@example.com"),
        )
        world.owner.execute("update chat_identities set assigned_to = %s where id = %s", (sub, identity))
    else:
        world.owner.execute(
            "insert into chat_messages (organization_id, chat_identity_id, direction, kind, processed_text, status,"
            " sent_by, created_at) values (%s, %s, 'outbound', 'text', 'Hola, soy Ana', 'sent', 'staff:a@x.com', %s)",
            (org, identity, clinic.at(2, 10, 5)),
        )
    for minute in (10, 30, 45):
        clinic.run(clinic.at(2, 10, minute))
    assert world.jobs() == []
    row = clinic.escalation(escalation)
    assert row["renotify_claimed_at"] is None and row["offer_claimed_at"] is None


class _DiesOnSend:
    """The pass dies between the claim and the send (the queue call fails), or between the send
    and marking it queued (the call reaches the queue, then the pass dies)."""

    def __init__(self, queue: Any, *, after_sending: bool) -> None:
        self.queue, self.after_sending = queue, after_sending

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        if self.after_sending:
            self.queue.send(message, group=group, dedup_id=dedup_id)
        raise ConnectionError("the pass died here")


@pytest.mark.parametrize("after_sending", [False, True])
def test_a_pass_that_dies_between_claim_and_send_is_finished_once_by_a_later_pass(
    world: World, app_db: Database, after_sending: bool
) -> None:
    clinic = Clinic(world, app_db)
    escalation, _, _ = clinic.escalate(clinic.at(3, 10))
    crashed = clinic.run(clinic.at(3, 10, 10), _DiesOnSend(world.queue(), after_sending=after_sending))
    row = clinic.escalation(escalation)
    assert crashed.failed == 1 and row["renotify_claimed_at"] == clinic.at(3, 10, 10)
    assert row["renotify_queued_at"] is None
    clinic.run(clinic.at(3, 10, 10, 30))  # the claim is not stale yet: a pass may still be sending it
    resumed = clinic.run(clinic.at(3, 10, 11))
    assert resumed.resent == 1 and resumed.renotified == 1
    clinic.run(clinic.at(3, 10, 12))
    # Once on the queue: the same job id (SQS drops the copy; the notifier's idempotency after that).
    assert [j.job_id for j in world.jobs()] == [f"handoff#{escalation}#renotify"]
    assert clinic.escalation(escalation)["renotify_queued_at"] == clinic.at(3, 10, 11)


def test_two_passes_at_once_claim_each_follow_up_once(world: World, app_db: Database) -> None:
    clinic = Clinic(world, app_db)
    escalation, _, _ = clinic.escalate(clinic.at(2, 12))
    org = clinic.business.id
    with app_db.acting_for(org):
        assert handoff.claim_step(app_db, org, escalation, "renotify", clinic.at(2, 12, 10))  # the other pass
        assert not handoff.claim_step(app_db, org, escalation, "renotify", clinic.at(2, 12, 10))
    report = clinic.run(clinic.at(2, 12, 10))
    assert report.renotified == 0 and world.jobs() == []


def test_the_notifier_reads_the_assignee_s_own_number_in_its_business_only(world: World, app_db: Database) -> None:
    """Escalations have an owner: what the notifier's store answers (assignee_whatsapp(), as the
    functions' role) for a conversation nobody took, one taken by someone with their own number,
    and from another business."""
    clinic = Clinic(world, app_db)
    _, identity, _ = clinic.escalate(clinic.at(2, 11))
    org = clinic.business.id
    store = DeliveryCrm(app_db)
    with app_db.acting_for(org):
        assert store.assignee_number(org, identity) is None  # nobody took it: every staff number
    sub = f"sub-{uuid.uuid4().hex}"
    world.owner.execute(
        "insert into console_users (sub, organization_id, email, role, whatsapp_number)"
        " values (%s, %s, %s, 'staff', '34611222333')",
        (sub, org, f"{sub}@example.com"),
    )
    world.owner.execute("update chat_identities set assigned_to = %s where id = %s", (sub, identity))
    with app_db.acting_for(org):
        assert store.assignee_number(org, identity) == "34611222333"
    other = world.business(template=None)
    with app_db.acting_for(other.id):
        assert store.assignee_number(other.id, identity) is None  # another business sees nothing
    world.owner.execute("delete from console_users where sub = %s", (sub,))  # the account removed
    assert world.owner.fetch_one("select assigned_to from chat_identities where id = %s", (identity,)) == {
        "assigned_to": None
    }


def test_the_offer_is_in_the_customers_language_read_with_the_escalation(world: World, app_db: Database) -> None:
    clinic = Clinic(world, app_db)  # a Spanish business
    escalation, identity, _ = clinic.escalate(clinic.at(1, 10))
    world.owner.execute(
        "update chat_identities set language = 'pt_BR', language_source = 'detected', language_set_at = now()"
        " where id = %s",
        (identity,),
    )
    clinic.run(clinic.at(1, 10, 10))  # the renotify
    world.jobs()
    clinic.run(clinic.at(1, 10, 30))
    (offer,) = world.jobs()
    assert offer.job_id == f"handoff#{escalation}#offer"
    assert offer.text == message("pt_BR", "handoff_message_offer")
    assert offer.text.startswith("Desculpe a espera")
