"""The recall pass (docs/recalls.md): due per the rule (marketing consent, not opted out, the last
completed visit of a service with an interval that long ago, nothing booked, no no-show since, no
recall within the interval, one per customer), only while the business is open in its time zone,
claimed and queued exactly once as an "offer" job with the template's two quick replies (also when
a pass repeats or dies between claim and send), skipped when the customer or business changed
meanwhile, scoped to its business; a booking after it is counted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from pydantic import BaseModel
from recalls_kit import (
    INTERVAL,
    TEMPLATE,
    Shop,
    add_appointment,
    customer,
    moment,
    new_service,
    open_hours,
    recall_shop,
    recalls_of,
)
from reminders_kit import World

from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.adapters.turn_crm import TurnCrm
from receptionist.crm import chats, outcomes, recalls
from receptionist.crm.connection import Database
from receptionist.crm.export import CrmCustomerData
from receptionist.reminders.recalls import RecallPass, RecallReport

DAY = timedelta(days=1)


def _run(world: World, at: datetime, queue: Any = None, **kw: Any) -> RecallReport:
    db = Database(world.app_url)  # the functions' role: row level security applies
    try:
        return RecallPass(db, queue or world.queue(), **kw).run(at)
    finally:
        db.close()


def _mine(world: World, shop: Shop) -> list[Any]:
    return [j for j in world.jobs() if j.conversation.startswith(f"{shop.app}#")]


def test_a_customer_is_recalled_once_when_the_interval_has_passed(world: World) -> None:
    at = moment()
    shop = recall_shop(world)
    lucia = customer(world, shop, at - INTERVAL * DAY - timedelta(hours=2))
    early = customer(world, shop, at - (INTERVAL - 1) * DAY, name="Pilar")  # due tomorrow

    first = _run(world, at)
    assert (first.claimed, first.queued, first.skipped, first.failed) == (1, 1, 0, 0)
    (row,) = recalls_of(world, shop)
    assert row["contact_id"] == lucia["contact"] and row["status"] == "queued" and row["queued_at"] is not None
    (job,) = _mine(world, shop)
    assert job.kind == "offer" and job.job_id == f"offer#recall:{row['id']}" and job.offer_ref == f"recall:{row['id']}"
    assert job.conversation == f"{shop.app}#{lucia['phone']}"
    assert job.template_id == TEMPLATE and job.params == ["Lucía", "Corte"]
    assert job.postbacks == [f"recall:{row['token']}:book", f"recall:{row['token']}:no"]
    assert job.text == "Hola Lucía, ya toca tu Corte."

    again = _run(world, at + timedelta(minutes=5))  # the next run: nothing new for her
    assert (again.claimed, again.queued) == (0, 0)
    assert _mine(world, shop) == []
    assert early["contact"] not in {r["contact_id"] for r in recalls_of(world, shop)}


@pytest.mark.parametrize(
    "case", ["no_consent", "opted_out", "booked", "no_show_since", "disabled", "no_interval", "long_ago", "cancelled"]
)
def test_no_recall_for(world: World, case: str) -> None:
    at = moment()
    shop = recall_shop(world, enabled=case != "disabled", interval=None if case == "no_interval" else INTERVAL)
    visited = at - (INTERVAL + (40 if case == "long_ago" else 1)) * DAY  # long ago: past the 30-day catch-up
    someone = customer(
        world,
        shop,
        visited,
        marketing=case != "no_consent",
        opted_out=case == "opted_out",
        status="cancelled" if case == "cancelled" else "completed",
    )
    if case == "booked":
        add_appointment(world, shop, someone["contact"], at + 3 * DAY, status="pending")
    if case == "no_show_since":
        add_appointment(world, shop, someone["contact"], visited + 5 * DAY, status="no_show")
    report = _run(world, at)
    assert (report.claimed, report.queued) == (0, 0)
    assert recalls_of(world, shop) == [] and _mine(world, shop) == []


def test_at_most_one_recall_per_customer_per_interval(world: World) -> None:
    """Two recalled services due on the same days: one recall, then none within the interval."""
    at = moment()
    shop = recall_shop(world)
    whitening = new_service(world, shop, "Blanqueamiento", INTERVAL)
    someone = customer(world, shop, at - (INTERVAL + 1) * DAY)
    add_appointment(world, shop, someone["contact"], at - (INTERVAL + 2) * DAY, service=whitening)
    assert _run(world, at).queued == 1
    assert _run(world, at + 10 * DAY).queued == 0  # the other service is still due, but within the interval
    rows = recalls_of(world, shop)
    assert len(rows) == 1 and len(_mine(world, shop)) == 1


def test_recalls_go_out_only_while_the_business_is_open_in_its_time_zone(world: World) -> None:
    at = moment()
    at = at.replace(hour=7)  # 08:00 in Madrid in winter, 09:00 in summer: an hour before / after 09:00
    shop = recall_shop(world, timezone="Europe/Madrid")
    open_hours(world, shop, {d: ("09:00", "14:00") for d in range(1, 8)})
    customer(world, shop, at - (INTERVAL + 1) * DAY)
    local_hour = at.astimezone(ZoneInfo("Europe/Madrid")).hour
    opens = at + timedelta(hours=9 - local_hour)
    closed = _run(world, opens - timedelta(minutes=5))
    assert (closed.due, closed.closed, closed.claimed) == (1, 1, 0)
    assert recalls_of(world, shop) == []
    opened = _run(world, opens)
    assert (opened.claimed, opened.queued, opened.closed) == (1, 1, 0)
    assert len(_mine(world, shop)) == 1


class _CrashingQueue:
    """The pass dies while sending: before the message reaches SQS, or right after."""

    def __init__(self, world: World, *, after_send: bool) -> None:
        self.real = world.queue()
        self.after_send = after_send

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        if self.after_send:
            self.real.send(message, group=group, dedup_id=dedup_id)
        raise RuntimeError("the process died here")


@pytest.mark.parametrize("after_send", [False, True], ids=["before_send", "after_send"])
def test_a_pass_that_dies_between_claim_and_send_loses_nothing_and_sends_once(world: World, after_send: bool) -> None:
    at = moment()
    shop = recall_shop(world)
    customer(world, shop, at - (INTERVAL + 1) * DAY)
    crashed = _run(world, at, _CrashingQueue(world, after_send=after_send))
    assert (crashed.claimed, crashed.queued, crashed.failed) == (1, 0, 1)
    (row,) = recalls_of(world, shop)
    assert row["status"] == "claimed" and row["attempts"] == 1 and row["last_error"].startswith("send: RuntimeError")

    assert _run(world, at).requeued == 0  # younger than stale_after: its own pass may still send it
    healed = _run(world, at, stale_after=timedelta(0))
    assert (healed.requeued, healed.claimed) == (1, 0)
    assert _run(world, at, stale_after=timedelta(0)).requeued == 0
    (row,) = recalls_of(world, shop)
    assert row["status"] == "queued"
    assert [j.job_id for j in _mine(world, shop)] == [f"offer#recall:{row['id']}"]  # SQS dropped the copy


def test_a_pass_that_dies_after_sending_before_marking_sends_once(world: World) -> None:
    at = moment()
    shop = recall_shop(world)
    customer(world, shop, at - (INTERVAL + 1) * DAY)
    db = Database(world.app_url)
    real_mark = recalls.mark_recall

    def dying_mark(*args: Any, **kwargs: Any) -> bool:
        if args[3] == "queued":
            raise RuntimeError("the process died here")
        return real_mark(*args, **kwargs)

    try:
        recalls.mark_recall = dying_mark  # type: ignore[assignment]
        crashed = RecallPass(db, world.queue()).run(at)
    finally:
        recalls.mark_recall = real_mark  # type: ignore[assignment]
        db.close()
    assert (crashed.claimed, crashed.queued, crashed.failed) == (1, 0, 1)
    healed = _run(world, at, stale_after=timedelta(0))
    assert healed.requeued == 1
    (row,) = recalls_of(world, shop)
    assert row["status"] == "queued"
    assert [j.job_id for j in _mine(world, shop)] == [f"offer#recall:{row['id']}"]


@pytest.mark.parametrize("change", ["no_consent", "booked", "not_approved", "not_marketing", "disabled"])
def test_a_claim_is_skipped_when_the_customer_or_business_changed(world: World, change: str) -> None:
    at = moment()
    shop = recall_shop(world)
    someone = customer(world, shop, at - (INTERVAL + 1) * DAY)
    crashed = _run(world, at, _CrashingQueue(world, after_send=False))
    assert crashed.claimed == 1
    if change == "no_consent":
        world.owner.execute(
            "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, actor, at)"
            " values (%s, %s, 'marketing', 'withdrawn', 'front_desk', 'staff:ana@example.com', %s)",
            (shop.id, someone["identity"], at),
        )
    elif change == "booked":
        add_appointment(world, shop, someone["contact"], at + 2 * DAY, status="pending")
    elif change == "not_approved":
        world.owner.execute("update message_templates set status = 'PAUSED' where organization_id = %s", (shop.id,))
    elif change == "not_marketing":
        world.owner.execute("update message_templates set category = 'UTILITY' where organization_id = %s", (shop.id,))
    else:
        world.owner.execute("update agent_settings set recalls_enabled = false where organization_id = %s", (shop.id,))
    healed = _run(world, at, stale_after=timedelta(0))
    assert (healed.skipped, healed.queued) == (1, 0)
    (row,) = recalls_of(world, shop)
    expected = {"no_consent": "no_consent", "booked": "not_due", "disabled": "disabled"}.get(change, "no_template")
    assert (row["status"], row["skip_reason"]) == ("skipped", expected)
    assert _mine(world, shop) == []


def test_recalls_belong_to_their_business(world: World) -> None:
    at = moment()
    shop, other = recall_shop(world), recall_shop(world)
    someone = customer(world, shop, at - (INTERVAL + 1) * DAY)
    _run(world, at)
    (row,) = recalls_of(world, shop)
    db = Database(world.app_url)
    try:
        with db.acting_for(other.id):
            assert db.fetch_all("select id from recalls where id = %s", (row["id"],)) == []
            assert recalls.get_recall(db, other.id, row["id"]) is None
            assert recalls.recall_for_customer(db, other.id, someone["phone"], row["token"]) is None
            assert recalls.record_answer(db, other.id, row["id"], "no", "turn-x") is False
            with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no row in another's name
                db.execute(
                    "insert into recalls (organization_id, contact_id, service_id, due_on) values (%s, %s, %s, %s)",
                    (shop.id, someone["contact"], shop.service, at.date()),
                )
        with db.acting_for(shop.id):
            assert recalls.recall_for_customer(db, shop.id, "34999999999", row["token"]) is None  # another customer
            found = recalls.recall_for_customer(db, shop.id, someone["phone"], row["token"])
            assert found is not None and found.service == "Corte"
            assert recalls.record_answer(db, shop.id, row["id"], "no", "turn-1") is True
            assert recalls.record_answer(db, shop.id, row["id"], "book", "turn-2") is False  # the first stays
        assert db.fetch_all("select id from recalls") == []  # no tenant set: nothing
    finally:
        db.close()
    (row,) = recalls_of(world, shop)
    assert (row["status"], row["answer"]) == ("declined", "no")


def test_a_booking_within_14_days_is_counted_and_the_metrics_take_one_round_trip(world: World) -> None:
    at = moment()
    shop = recall_shop(world)
    booker = customer(world, shop, at - (INTERVAL + 1) * DAY)
    late = customer(world, shop, at - (INTERVAL + 1) * DAY, name="Pilar")
    quiet = customer(world, shop, at - (INTERVAL + 1) * DAY, name="Rosa")
    assert _run(world, at).queued == 3
    db = Database(world.app_url)
    try:
        with db.acting_for(shop.id):
            for row in recalls_of(world, shop):
                assert recalls.mark_offer(db, shop.id, row["id"], "sent", at=at + timedelta(minutes=1))
                assert not recalls.mark_offer(db, shop.id, row["id"], "sent", at=at + timedelta(minutes=2))  # once
    finally:
        db.close()
    booked = add_appointment(world, shop, booker["contact"], at + 20 * DAY, status="pending", created=at + 3 * DAY)
    add_appointment(world, shop, late["contact"], at + 30 * DAY, status="pending", created=at + 15 * DAY)
    by_contact = {r["contact_id"]: r for r in recalls_of(world, shop)}
    assert (by_contact[booker["contact"]]["status"], by_contact[booker["contact"]]["booked_appointment_id"]) == (
        "booked",
        booked,
    )
    assert by_contact[late["contact"]]["status"] == "sent" and by_contact[quiet["contact"]]["status"] == "sent"

    db = Database(world.app_url)
    try:
        before = db.round_trips
        metrics = outcomes.recall_metrics(db, shop.id, at - DAY, at + DAY)
        assert db.round_trips - before == 1
        assert (metrics.sent, metrics.booked) == (3, 1)
        assert outcomes.recall_metrics(db, other_org(world), at - DAY, at + DAY).sent == 0
        assert outcomes.recall_metrics(db, shop.id, at + DAY, at + 2 * DAY).sent == 0  # by the day it was sent
    finally:
        db.close()


def other_org(world: World) -> str:
    return recall_shop(world).id


def test_the_processor_s_crm_answers_a_tap_once_in_two_round_trips(world: World) -> None:
    at = moment()
    shop = recall_shop(world)
    someone = customer(world, shop, at - (INTERVAL + 1) * DAY)
    _run(world, at)
    (row,) = recalls_of(world, shop)
    db = Database(world.app_url)
    try:
        crm = TurnCrm(db)
        with crm.acting_for(shop.id):
            trips = db.round_trips
            found = crm.recall_for_customer(shop.id, someone["phone"], row["token"])
            assert found is not None and (found.service, found.service_id) == ("Corte", shop.service)
            assert crm.answer_recall(shop.id, found.recall_id, "book", "turn-1") is True
            assert db.round_trips - trips == 2  # the token, the answer: one statement each
            assert crm.answer_recall(shop.id, found.recall_id, "book", "turn-1") is False  # a retried turn
    finally:
        db.close()
    (row,) = recalls_of(world, shop)
    assert (row["status"], row["answer"]) == ("queued", "book")  # booked only once an appointment follows


def test_a_customer_s_export_lists_their_recalls(world: World) -> None:
    at = moment()
    shop = recall_shop(world)
    someone = customer(world, shop, at - (INTERVAL + 1) * DAY)
    other = customer(world, shop, at - (INTERVAL + 1) * DAY, name="Pilar")
    _run(world, at)
    records = CrmCustomerData(world.owner).records(shop.id, someone["phone"])
    assert records is not None
    (recall,) = records.recalls
    assert (recall.service, recall.status, recall.answer) == ("Corte", "queued", None)
    assert recall.due_on == (at - DAY).date()
    theirs = CrmCustomerData(world.owner).records(shop.id, other["phone"])
    assert theirs is not None and len(theirs.recalls) == 1  # each customer's own, not the business's
    # What a block keeps in the vault (privacy_customer_record) has them too, without the token.
    vault = world.owner.fetch_one("select public.privacy_customer_record(%s, %s) as r", (shop.id, someone["phone"]))
    assert vault is not None
    (kept,) = vault["r"]["recalls"]
    assert kept["status"] == "queued" and "token" not in kept


def test_the_notifier_marks_a_recall_sent_then_failed_through_its_offer_marker(world: World) -> None:
    at = moment()
    shop = recall_shop(world)
    someone = customer(world, shop, at - (INTERVAL + 1) * DAY)
    _run(world, at)
    (row,) = recalls_of(world, shop)
    (job,) = _mine(world, shop)
    db = Database(world.app_url)  # the notifier's role
    try:
        crm = DeliveryCrm(db)
        with crm.acting_for(shop.id):
            identity = crm.identity(shop.id, someone["phone"])
            assert identity is not None
            part = chats.record_outbound(db, shop.id, identity.id, text=job.text or "", turn_id=job.job_id,
                                         part_index=0)  # fmt: skip
            chats.mark_sent(db, shop.id, part, "gs-recall-1")
            crm.mark_offer(shop.id, job.offer_ref or "", "sent")
            assert crm.offer_of_message(shop.id, "gs-recall-1") == f"recall:{row['id']}"
        (sent,) = recalls_of(world, shop)
        assert sent["status"] == "sent" and sent["sent_at"] is not None
        with crm.acting_for(shop.id):
            crm.mark_offer(shop.id, job.offer_ref or "", "failed", "delivery: 1002")
    finally:
        db.close()
    (failed,) = recalls_of(world, shop)
    assert (failed["status"], failed["last_error"]) == ("failed", "delivery: 1002")
