"""The budget pass (receptionist/reminders/budgets.py) on its real parts: PostgreSQL as the
functions' role (row level security), the outbound FIFO queue in moto, and ops' SNS topic in moto
with an SQS queue subscribed to it (what ops would receive). A business whose month (in its own
zone) reached its budget gets one staff notice in its language and ops one message; a business
under budget, without one, or over it only in another month gets none; each window between the
claim and a mark crashes here and the next pass finishes the job without telling anyone twice (but
ops, when SNS took the message and the pass died before marking it: at least once, said so)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from reminders_kit import World

from devstack.aws import moto_client
from receptionist.adapters.ops_alerts import SnsOpsAlerts
from receptionist.crm import budgets
from receptionist.crm.connection import Database
from receptionist.messages import OutboundJob
from receptionist.reminders.budgets import BudgetPass, BudgetReport


@dataclass
class Ops:
    """The alarm topic, and a queue subscribed to it that reads what ops get."""

    sns: Any
    topic: str
    sqs: Any
    inbox: str

    def received(self) -> list[dict[str, str]]:
        out = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.inbox, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return out
            for m in got:
                body = json.loads(m["Body"])
                out.append({"subject": body.get("Subject", ""), "message": body["Message"]})
                self.sqs.delete_message(QueueUrl=self.inbox, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture
def ops(moto_endpoint: str) -> Iterator[Ops]:
    sns = moto_client("sns", moto_endpoint, "us-east-1")
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    topic = sns.create_topic(Name=f"alarms-{uuid.uuid4().hex[:8]}")["TopicArn"]
    inbox = sqs.create_queue(QueueName=f"ops-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    yield Ops(sns, topic, sqs, inbox)
    sns.delete_topic(TopicArn=topic)
    sqs.delete_queue(QueueUrl=inbox)


def business(world: World, *, budget: str | None, timezone: str = "UTC", language: str = "es") -> str:
    org = str(uuid.uuid4())
    world.owner.execute(
        "insert into organizations (id, name, monthly_budget_usd) values (%s, %s, %s)",
        (org, f"Clínica Presupuesto {org[:6]}", budget),
    )
    world.owner.execute(
        "insert into agent_settings (organization_id, timezone, language) values (%s, %s, %s)",
        (org, timezone, language),
    )
    return org


def spent(world: World, org: str, day: date, model: str, whatsapp: str = "0", aws: str = "0") -> None:
    """The roll-up's row for that day (written as the stats pass would)."""
    world.owner.execute(
        "insert into daily_business_stats (organization_id, day, conversations, model_cost_usd, whatsapp_cost_usd,"
        " aws_cost_usd, rate_card) values (%s, %s, 3, %s, %s, %s, 'meta-2025-07-01')",
        (org, day, Decimal(model), Decimal(whatsapp), Decimal(aws)),
    )


def moment(world: World) -> datetime:
    """Mid-month, at noon UTC: the 15th of the world's own month."""
    return world.at.replace(day=15, hour=12, minute=0, second=0, microsecond=0)


def run(world: World, ops: Ops, at: datetime, *, queue: Any = None, alerts: Any = None, **kw: Any) -> BudgetReport:
    db = Database(world.app_url)  # the functions' role: row level security applies
    try:
        return BudgetPass(db, queue or world.queue(), alerts or SnsOpsAlerts(ops.topic, ops.sns), **kw).run(at)
    finally:
        db.close()


def notices(world: World, org: str) -> list[OutboundJob]:
    """The business's staff notices on the queue (received and deleted), each in its staff's FIFO group."""
    found: list[OutboundJob] = []
    while True:
        batch = world.sqs.receive_message(
            QueueUrl=world.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return [j for j in found if j.organization_id == org]
        for message in batch:
            job = OutboundJob.model_validate_json(message["Body"])
            assert message["Attributes"]["MessageGroupId"] == job.group
            found.append(job)
            world.sqs.delete_message(QueueUrl=world.queue_url, ReceiptHandle=message["ReceiptHandle"])


def alert(world: World, org: str) -> dict[str, Any] | None:
    return world.owner.fetch_one("select * from budget_alerts where organization_id = %s", (org,))


def test_a_business_over_its_monthly_budget_is_told_once_owner_and_ops(world: World, ops: Ops) -> None:
    at = moment(world)
    org = business(world, budget="100.00")
    spent(world, org, at.date().replace(day=2), model="60", whatsapp="30.50", aws="9.50")  # exactly 100
    spent(world, org, (at - timedelta(days=40)).date(), model="500")  # another month: not this one's

    report = run(world, ops, at)
    assert (report.due, report.owners_told, report.ops_told, report.failed) == (1, 1, 1, 0)
    (job,) = notices(world, org)
    assert job.kind == "staff_notice" and job.job_id == f"staff_notice#budget#{org}#{at:%Y-%m}"
    assert job.text is not None
    assert job.text.startswith(f"Presupuesto mensual de Clínica Presupuesto {org[:6]} alcanzado: 100,00")
    assert "US$" in job.text or "USD" in job.text
    (told,) = ops.received()
    assert told["subject"] == f"Monthly budget reached: business {org} {at:%Y-%m}"
    assert (
        "USD 100.00 spent of USD 100.00 (100%)" in told["message"]
        and f"Clínica Presupuesto {org[:6]}" in told["message"]
    )
    row = alert(world, org)
    assert row is not None and row["owner_queued_at"] == at and row["ops_published_at"] == at
    assert (row["month"], row["cost_usd"], row["budget_usd"], row["tries"]) == (
        at.date().replace(day=1),
        Decimal("100.000000"),
        Decimal("100.00"),
        1,
    )

    # Later that month, more spent: nobody is told again; the next month starts afresh.
    spent(world, org, at.date().replace(day=20), model="40")
    again = run(world, ops, at + timedelta(days=10), stale_after=timedelta(0))
    assert again.owners_told == again.ops_told == 0
    next_month = (at.replace(day=1) + timedelta(days=32)).replace(day=3)
    assert run(world, ops, next_month).due == 0  # nothing spent yet in it
    assert notices(world, org) == [] and ops.received() == []


def test_the_owner_is_told_in_the_business_s_language(world: World, ops: Ops) -> None:
    at = moment(world)
    org = business(world, budget="50", language="en")
    spent(world, org, at.date(), model="75")
    assert run(world, ops, at).owners_told == 1
    (job,) = notices(world, org)
    assert job.text == (
        f"Clínica Presupuesto {org[:6]} has reached its monthly budget: $75.00 spent in {at:%B %Y}, of $50.00."
        " The assistant keeps answering; the operator will be in touch."
    )
    assert len(ops.received()) == 1


@pytest.mark.parametrize(
    ("budget", "model"), [(None, "5000"), ("200", "159.99"), ("200", "199.999999")], ids=["no_budget", "under", "near"]
)
def test_a_business_under_its_budget_or_without_one_is_not_told(
    world: World, ops: Ops, budget: str | None, model: str
) -> None:
    at = moment(world)
    org = business(world, budget=budget)
    spent(world, org, at.date(), model=model)
    assert run(world, ops, at).due == 0
    assert notices(world, org) == [] and ops.received() == [] and alert(world, org) is None


def test_the_month_is_the_business_s_own(world: World, ops: Ops) -> None:
    """At 02:00 UTC on the 1st it is still the last day of the month before in Lima: that month's
    costs are the ones that count there, and the alert names that month."""
    first = world.at.replace(day=1, hour=2, minute=0, second=0, microsecond=0) + timedelta(days=62)
    first = first.replace(day=1)
    lima = business(world, budget="10", timezone="America/Lima")
    utc = business(world, budget="10")
    last_day = (first - timedelta(days=1)).date()
    for org in (lima, utc):
        spent(world, org, last_day, model="11")
    report = run(world, ops, first)
    assert report.due == 1
    assert [j.job_id for j in notices(world, lima)] == [f"staff_notice#budget#{lima}#{last_day:%Y-%m}"]
    assert notices(world, utc) == []
    row = alert(world, lima)
    assert row is not None and row["month"] == last_day.replace(day=1)
    assert len(ops.received()) == 1


class _DyingQueue:
    """The pass dies while queueing the owner's notice: before SQS has it, or right after."""

    def __init__(self, world: World, *, after_send: bool) -> None:
        self.real = world.queue()
        self.after_send = after_send

    def send(self, message: Any, *, group: str, dedup_id: str) -> str:
        if self.after_send:
            self.real.send(message, group=group, dedup_id=dedup_id)
        raise RuntimeError("the process died here")


class _DyingSns:
    """SNS refuses (nothing published), or the pass dies right after SNS took the message."""

    def __init__(self, ops: Ops, *, after_publish: bool) -> None:
        self.real = SnsOpsAlerts(ops.topic, ops.sns)
        self.after_publish = after_publish

    def publish(self, subject: str, message: str) -> str:
        if self.after_publish:
            self.real.publish(subject, message)
        raise RuntimeError("the process died here")


def _heal(world: World, ops: Ops, org: str, at: datetime) -> BudgetReport:
    """Within the claim's freshness nobody takes it; after it, the next pass does what is left."""
    assert run(world, ops, at + timedelta(minutes=5)).due == 0
    healed = run(world, ops, at + timedelta(hours=1))
    assert healed.retried == 1 and healed.failed == 0
    assert run(world, ops, at + timedelta(hours=2)).due == 0  # done: never again this month
    row = alert(world, org)
    assert row is not None and row["owner_queued_at"] is not None and row["ops_published_at"] is not None
    assert row["tries"] == 2
    return healed


@pytest.mark.parametrize("after_send", [False, True], ids=["before_send", "after_send"])
def test_a_pass_that_dies_queueing_the_owner_s_notice_tells_the_owner_once(
    world: World, ops: Ops, after_send: bool
) -> None:
    at = moment(world)
    org = business(world, budget="20")
    spent(world, org, at.date(), model="25")
    crashed = run(world, ops, at, queue=_DyingQueue(world, after_send=after_send))
    assert (crashed.owners_told, crashed.ops_told, crashed.failed) == (0, 1, 1)  # ops heard all the same
    row = alert(world, org)
    assert (
        row is not None and row["owner_queued_at"] is None and row["last_error"].startswith("owner send: RuntimeError")
    )
    healed = _heal(world, ops, org, at)
    assert (healed.owners_told, healed.ops_told) == (1, 0)
    assert [j.job_id for j in notices(world, org)] == [f"staff_notice#budget#{org}#{at:%Y-%m}"]  # SQS dropped a copy
    assert len(ops.received()) == 1


def test_a_pass_that_dies_after_queueing_before_marking_tells_the_owner_once(world: World, ops: Ops) -> None:
    at = moment(world)
    org = business(world, budget="20")
    spent(world, org, at.date(), model="25")
    real_mark = budgets.mark_told

    def dying_mark(db: Database, organization_id: str, month: date, notice: str, when: datetime) -> None:
        if notice == "owner":
            raise RuntimeError("the process died here")
        real_mark(db, organization_id, month, notice, when)  # type: ignore[arg-type]

    budgets.mark_told = dying_mark  # type: ignore[assignment]
    try:
        crashed = run(world, ops, at)
    finally:
        budgets.mark_told = real_mark
    assert (crashed.owners_told, crashed.ops_told, crashed.failed) == (0, 1, 1)
    row = alert(world, org)
    assert row is not None and row["last_error"].startswith("owner mark: RuntimeError")
    healed = _heal(world, ops, org, at)
    assert (healed.owners_told, healed.ops_told) == (1, 0)
    assert len(notices(world, org)) == 1 and len(ops.received()) == 1


def test_a_pass_that_dies_between_the_claim_and_any_notice_loses_nothing(world: World, ops: Ops) -> None:
    at = moment(world)
    org = business(world, budget="20")
    spent(world, org, at.date(), model="25")
    real_claim = budgets.claim_alert

    def claim_then_die(*args: Any) -> Any:
        real_claim(*args)
        raise RuntimeError("the process died here")

    budgets.claim_alert = claim_then_die  # type: ignore[assignment]
    try:
        crashed = run(world, ops, at)
    finally:
        budgets.claim_alert = real_claim
    assert (crashed.due, crashed.owners_told, crashed.ops_told, crashed.failed) == (1, 0, 0, 1)
    row = alert(world, org)
    assert row is not None and row["owner_queued_at"] is None and row["ops_published_at"] is None
    healed = _heal(world, ops, org, at)
    assert (healed.owners_told, healed.ops_told) == (1, 1)
    assert len(notices(world, org)) == 1 and len(ops.received()) == 1


def test_sns_refusing_is_retried_by_the_next_pass_and_ops_hear_once(world: World, ops: Ops) -> None:
    at = moment(world)
    org = business(world, budget="20")
    spent(world, org, at.date(), model="25")
    crashed = run(world, ops, at, alerts=_DyingSns(ops, after_publish=False))
    assert (crashed.owners_told, crashed.ops_told, crashed.failed) == (1, 0, 1)  # the owner heard all the same
    row = alert(world, org)
    assert row is not None and row["last_error"].startswith("ops send: RuntimeError")
    healed = _heal(world, ops, org, at)
    assert (healed.owners_told, healed.ops_told) == (0, 1)
    assert len(notices(world, org)) == 1 and len(ops.received()) == 1


def test_a_pass_that_dies_after_sns_took_the_message_tells_ops_again_once(world: World, ops: Ops) -> None:
    """SNS standard topics do not deduplicate: this one window tells ops twice (the same subject),
    never more, and the owner once."""
    at = moment(world)
    org = business(world, budget="20")
    spent(world, org, at.date(), model="25")
    crashed = run(world, ops, at, alerts=_DyingSns(ops, after_publish=True))
    assert (crashed.owners_told, crashed.ops_told, crashed.failed) == (1, 0, 1)
    healed = _heal(world, ops, org, at)
    assert (healed.owners_told, healed.ops_told) == (0, 1)
    told = ops.received()
    assert len(told) == 2 and told[0]["subject"] == told[1]["subject"]
    assert len(notices(world, org)) == 1


def test_budget_alerts_belong_to_their_business(world: World, ops: Ops) -> None:
    at = moment(world)
    mine, theirs = business(world, budget="20"), business(world, budget="20")
    for org in (mine, theirs):
        spent(world, org, at.date(), model="25")
    assert run(world, ops, at).owners_told == 2
    db = Database(world.app_url)
    try:
        with db.acting_for(mine):
            seen = db.fetch_all("select organization_id::text as org from budget_alerts")
            changed = db.execute("update budget_alerts set tries = 9 where organization_id = %s", (theirs,))
    finally:
        db.close()
    assert {r["org"] for r in seen} == {mine} and changed == 0
    row = alert(world, theirs)
    assert row is not None and row["tries"] == 1
