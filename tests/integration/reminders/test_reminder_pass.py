"""A reminder pass: due at the right time per offset, claimed and queued exactly once (also when
passes repeat, overlap or crash between claim and send), never for opted-out customers,
cancelled appointments, late bookings or businesses without a template; scoped to the
appointment's business."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from pydantic import BaseModel
from reminders_kit import World

from receptionist.conversation_key import ConversationKey
from receptionist.crm import reminders
from receptionist.crm.connection import Database
from receptionist.reminders.__main__ import main as cli
from receptionist.reminders.service import PassReport, ReminderPass

DAY = timedelta(days=1)


def _pass(world: World, **kw: Any) -> tuple[ReminderPass, Database]:
    db = Database(world.app_url)  # as the functions' role: row level security applies
    return ReminderPass(db, world.queue(), **kw), db


def _run(world: World, at: Any, lookback: timedelta = DAY, **kw: Any) -> PassReport:
    reminder_pass, db = _pass(world, **kw)
    try:
        return reminder_pass.run(at, lookback)
    finally:
        db.close()


def test_each_offset_is_due_at_exactly_its_time(world: World) -> None:
    shop = world.business(offsets=[1440, 120])
    starts = world.at + 3 * DAY
    appointment, phone = world.appointment(shop, starts)
    day_before, two_hours_before = starts - timedelta(minutes=1440), starts - timedelta(minutes=120)

    assert _run(world, day_before - timedelta(seconds=1)).due == 0
    first = _run(world, day_before)
    assert (first.due, first.claimed, first.queued) == (1, 1, 1)
    assert _run(world, two_hours_before - timedelta(seconds=1)).due == 0
    second = _run(world, two_hours_before)
    assert (second.due, second.claimed, second.queued) == (1, 1, 1)

    rows = world.reminders(shop)
    assert [(r["appointment_id"], r["offset_minutes"], r["due_at"], r["status"]) for r in rows] == [
        (appointment, 1440, day_before, "queued"),
        (appointment, 120, two_hours_before, "queued"),
    ]
    jobs = world.jobs()
    assert [j.job_id for j in jobs] == [f"reminder#{r['id']}" for r in rows]
    job = jobs[0]
    assert (job.kind, job.conversation, job.template_id) == (
        "reminder",
        str(ConversationKey(shop.app, phone)),
        "recordatorio_cita",
    )
    local = starts.strftime("%d/%m/%Y a las %H:%M")
    assert job.params == ["Lucía", local]
    assert job.text == f"Hola Lucía, te recordamos tu cita el {local}."
    token = rows[0]["token"]
    assert job.postbacks == [f"reminder:{token}:{a}" for a in ("confirm", "cancel", "change")]
    assert appointment not in token and len(token) == 32 and rows[1]["token"] != token


def test_times_are_the_business_s_local_time(world: World) -> None:
    shop = world.business(timezone="America/Lima")
    starts = world.at.replace(hour=15, minute=0) + 3 * DAY
    world.appointment(shop, starts)
    _run(world, starts - DAY)
    (job,) = world.jobs()
    assert job.params[1].endswith("a las 10:00")  # 15:00 UTC in Lima (UTC-5)


def test_an_english_speaking_business_s_reminder_says_when_in_english(world: World) -> None:
    shop = world.business()
    world.owner.execute("update agent_settings set language = 'en' where organization_id = %s", (shop.id,))
    starts = world.at.replace(hour=15, minute=0) + 3 * DAY
    world.appointment(shop, starts)
    _run(world, starts - DAY)
    (job,) = world.jobs()
    assert job.params[1] == f"{starts:%d/%m/%Y} at 15:00"


def test_a_pass_run_twice_claims_and_queues_once(world: World) -> None:
    shop = world.business()
    starts = world.at + DAY
    world.appointment(shop, starts)
    world.appointment(shop, starts + timedelta(hours=1))

    first = _run(world, world.at + timedelta(hours=1))
    again = _run(world, world.at + timedelta(hours=1))

    assert (first.due, first.claimed, first.queued) == (2, 2, 2)
    assert (again.due, again.claimed, again.queued) == (0, 0, 0)
    assert len(world.reminders(shop)) == 2 and len(world.jobs()) == 2


def test_overlapping_passes_claim_each_reminder_once(world: World) -> None:
    shop = world.business()
    starts = world.at + DAY
    for i in range(6):
        world.appointment(shop, starts + timedelta(hours=i))
    at = world.at + timedelta(hours=6)
    # Both passes read the same due list before either claims: the unique key decides.
    gate = threading.Barrier(2)
    reports: list[PassReport] = []
    errors: list[BaseException] = []

    class GatedDb(Database):
        def fetch_all(self, sql: str, params: Any = None) -> list[Any]:
            rows = super().fetch_all(sql, params)
            if "due_reminders" in sql:
                gate.wait(timeout=10)
            return rows

    def one() -> None:
        db = GatedDb(world.app_url)
        try:
            reports.append(ReminderPass(db, world.queue()).run(at, DAY))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert [r.due for r in reports] == [6, 6]
    assert sum(r.claimed for r in reports) == 6 and sum(r.already_claimed for r in reports) == 6
    assert len(world.reminders(shop)) == 6
    jobs = world.jobs()
    assert len(jobs) == 6 and len({j.job_id for j in jobs}) == 6


@pytest.mark.parametrize("case", ["opted_out", "cancelled", "booked_late", "no_template", "already_started"])
def test_no_reminder_for(world: World, case: str) -> None:
    shop = world.business(template=None if case == "no_template" else "recordatorio_cita")
    starts = world.at + DAY
    if case == "booked_late":
        world.appointment(shop, starts, booked_at=starts - timedelta(hours=2))  # after its reminder time
    elif case == "already_started":
        world.appointment(shop, world.at - timedelta(minutes=10))
    else:
        world.appointment(
            shop, starts, opted_out=case == "opted_out", status="cancelled" if case == "cancelled" else "pending"
        )
    # The pass runs at every moment up to the appointment: never anything due.
    for at in (starts - DAY, starts - timedelta(hours=1), world.at):
        assert _run(world, at, lookback=2 * DAY).due == 0
    assert world.reminders(shop) == [] and world.jobs() == []


def test_a_confirmed_appointment_is_reminded_too(world: World) -> None:
    shop = world.business()
    world.appointment(shop, world.at + DAY, status="confirmed")
    assert _run(world, world.at).claimed == 1


def test_a_missed_pass_catches_up_within_the_lookback_and_not_beyond(world: World) -> None:
    shop = world.business()
    starts = world.at + 2 * DAY
    within, _ = world.appointment(shop, starts)  # reminder due 5 hours before the late pass
    world.appointment(shop, starts - timedelta(hours=7))  # reminder due 12 hours before it
    late = starts - DAY + timedelta(hours=5)

    report = _run(world, late, lookback=timedelta(hours=6))

    assert (report.due, report.claimed) == (1, 1)
    assert [r["appointment_id"] for r in world.reminders(shop)] == [within]


def test_reminders_belong_to_the_appointment_s_business(world: World) -> None:
    shop, other = world.business(), world.business()
    starts = world.at + DAY
    mine, _ = world.appointment(shop, starts)
    theirs, _ = world.appointment(other, starts + timedelta(hours=1))
    _run(world, world.at + timedelta(hours=2))
    (row,) = world.reminders(shop)
    (other_row,) = world.reminders(other)
    assert row["appointment_id"] == mine and other_row["appointment_id"] == theirs

    db = Database(world.app_url)
    try:
        with db.acting_for(other.id):  # another business sees neither the row nor the token
            assert db.fetch_all("select id from appointment_reminders where id = %s", (row["id"],)) == []
            assert reminders.find_by_token(db, other.id, row["token"]) is None
            assert reminders.get_reminder(db, other.id, row["id"]) is None
            assert reminders.reminder_content(db, other.id, mine) is None
            assert reminders.mark_reminder(db, other.id, row["id"], "skipped") is False
            with pytest.raises(psycopg.errors.ForeignKeyViolation):  # no claim on another's appointment
                reminders.claim_reminder(db, other.id, mine, 120, starts)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor a row in its name
                reminders.claim_reminder(db, shop.id, mine, 120, starts)
        with db.acting_for(shop.id):
            found = reminders.find_by_token(db, shop.id, row["token"])
            assert found is not None and found.appointment_id == mine and found.status == "queued"
        assert db.fetch_all("select id from appointment_reminders") == []  # no tenant set: nothing
    finally:
        db.close()
    assert [r["status"] for r in world.reminders(shop)] == ["queued"]


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
    shop = world.business()
    world.appointment(shop, world.at + DAY)
    db = Database(world.app_url)
    try:
        crashed = ReminderPass(db, _CrashingQueue(world, after_send=after_send)).run(world.at, DAY)
        assert (crashed.claimed, crashed.queued, crashed.failed) == (1, 0, 1)
        (row,) = world.reminders(shop)
        assert row["status"] == "claimed"

        # A pass right away leaves a claim younger than stale_after alone (its own pass may still send it).
        assert ReminderPass(db, world.queue()).run(world.at, DAY).requeued == 0
        healed = ReminderPass(db, world.queue(), stale_after=timedelta(0)).run(world.at, DAY)
        assert (healed.requeued, healed.due, healed.claimed) == (1, 0, 0)
        assert ReminderPass(db, world.queue(), stale_after=timedelta(0)).run(world.at, DAY).requeued == 0
    finally:
        db.close()

    (row,) = world.reminders(shop)
    assert row["status"] == "queued"
    jobs = world.jobs()  # the same job id both times: SQS deduplicates the copy
    assert [j.job_id for j in jobs] == [f"reminder#{row['id']}"]


def test_the_cli_prints_counts_only(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = world.business()
    _, phone = world.appointment(shop, world.at + DAY)
    monkeypatch.setenv("DATABASE_URL", world.app_url)
    monkeypatch.setenv("OUTBOUND_QUEUE_URL", world.queue_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", world.sqs.meta.endpoint_url)
    when = world.at.isoformat()

    assert cli(["--now", when, "--dry-run"]) == 0
    assert "dry run: due=1 claimed=0" in capsys.readouterr().out
    assert cli(["--now", when, "--lookback-hours", "24"]) == 0
    out = capsys.readouterr().out
    assert "due=1 claimed=1 queued=1" in out and phone not in out
    assert len(world.jobs()) == 1
