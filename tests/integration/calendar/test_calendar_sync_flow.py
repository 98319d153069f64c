"""The calendar sync end to end on real servers (calendar_flow_kit.py): an appointment becomes one
event in the member's Google calendar whatever is retried; an event put in the calendar reaches the
busy blocks through a push notification over HTTP; an expired sync token is a full resync; a
revoked grant breaks the connection and tells staff; an event over an appointment is a conflict
told once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from calendar_flow_kit import TOKENS_PATH, Business, Flow, PushRoute, channel_key
from google_calendar_kit import Connected

from devstack.aws import moto_client
from devstack.fakes.google_calendar import FakeGoogleCalendar, timed
from receptionist.adapters.google_calendar import GoogleCalendar
from receptionist.calendar.provider import APPOINTMENT_PROPERTY, event_id_for
from receptionist.calendar.publish import PublishReport
from receptionist.calendar.sync import SyncReport
from receptionist.calendar.wiring import build
from receptionist.calendar_push.wiring import build as build_push
from receptionist.config import CalendarPushSettings, CalendarSettings
from receptionist.crm.connection import Database

pytestmark = pytest.mark.integration


@pytest.fixture
def flow(
    db: Database, app_url: str, moto_endpoint: str, google: FakeGoogleCalendar, provider: GoogleCalendar
) -> Iterator[tuple[Flow, PushRoute]]:
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    ssm = moto_client("ssm", moto_endpoint, "us-east-1")
    fifo = {"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    tag = uuid.uuid4().hex[:8]
    calendar_queue = sqs.create_queue(QueueName=f"cal-{tag}.fifo", Attributes=fifo)["QueueUrl"]
    outbound_queue = sqs.create_queue(QueueName=f"out-{tag}.fifo", Attributes=fifo)["QueueUrl"]
    secrets = {"/it/database-url": app_url, "/it/channel-key": channel_key(), "/it/google-secret": google.client_secret}
    push = build_push(
        CalendarPushSettings.from_env(
            {"CALENDAR_QUEUE_URL": calendar_queue, "CALENDAR_CHANNEL_KEY_PARAM": "/it/channel-key"}
        ),
        sqs=sqs,
        secret=secrets.__getitem__,
    )
    with PushRoute(push.service) as route:
        settings = CalendarSettings.from_env(
            {
                "DATABASE_URL_PARAM": "/it/database-url",
                "CALENDAR_QUEUE_URL": calendar_queue,
                "OUTBOUND_QUEUE_URL": outbound_queue,
                "CALENDAR_TOKENS_PATH": TOKENS_PATH,
                "CALENDAR_CHANNEL_KEY_PARAM": "/it/channel-key",
                "CALENDAR_PUSH_URL": route.address,
                "GOOGLE_CLIENT_ID": google.client_id,
                "GOOGLE_CLIENT_SECRET_PARAM": "/it/google-secret",
                "GOOGLE_OAUTH_URL": google.oauth_url,
                "GOOGLE_TOKEN_URL": google.token_url,
                "GOOGLE_CALENDAR_API_URL": google.api_url,
            }
        )
        parts = build(settings, sqs=sqs, ssm=ssm, secret=secrets.__getitem__)
        app = Database(app_url)
        try:
            yield Flow(db, app, sqs, ssm, calendar_queue, outbound_queue, google, parts), route
        finally:
            app.close()


def _connected(flow: Flow, connect: Callable[[], Connected]) -> tuple[Business, Any, str]:
    business = flow.business()
    account = connect()
    connection = flow.connect(business, account.grant.refresh_token)
    return business, connection, account.account


def _ours(flow: Flow, account: str) -> list[dict[str, Any]]:
    return [
        e
        for e in flow.google.events(account)
        if APPOINTMENT_PROPERTY in e.get("extendedProperties", {}).get("private", {})
    ]


def test_a_booking_is_one_event_in_the_member_s_calendar_whatever_is_retried(
    flow: tuple[Flow, PushRoute], connect: Callable[[], Connected]
) -> None:
    f, _ = flow
    business, _, account = _connected(f, connect)
    appointment = f.book(business, f.day + timedelta(hours=10))

    f.parts.schedule.run(_deadline())
    # The relay died before its transaction committed: the row is relayed again, same dedup id.
    f.owner.execute("update calendar_outbox set queued_at = null where appointment_id = %s", (appointment,))
    f.parts.schedule.run(_deadline())
    jobs = f.jobs_for(business)
    # The second send was dropped by SQS (its first sync, from the poll, is queued beside it).
    assert sorted(j.kind for j, _ in jobs) == ["appointment", "sync"]
    for _, message in jobs:  # back on the queue for the consumer
        f.sqs.change_message_visibility(
            QueueUrl=f.calendar_queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )

    # The consumer writes the event, then dies before the message is deleted: it comes back.
    assert _published(f.consume(business, ack=False)) == ["put"]
    assert _published(f.consume(business)) == ["put"]

    (event,) = _ours(f, account)
    assert event["id"] == event_id_for(appointment)
    assert event["extendedProperties"]["private"][APPOINTMENT_PROPERTY] == appointment
    assert event["summary"] == "Limpieza · Lucía"

    f.owner.execute("update appointments set status = 'cancelled' where id = %s", (appointment,))
    f.parts.schedule.run(_deadline())
    assert _published(f.consume(business)) == ["deleted"]
    assert _ours(f, account) == []


def test_an_event_put_in_the_calendar_becomes_busy_time_through_a_push(
    flow: tuple[Flow, PushRoute], connect: Callable[[], Connected]
) -> None:
    f, route = flow
    business, connection, account = _connected(f, connect)
    f.parts.schedule.run(_deadline())  # a channel for the new connection, and its first sync (poll)
    f.consume(business)
    assert f.connection(connection.id)["channel_id"].startswith(connection.id)

    start = f.day + timedelta(hours=15)
    began = time.monotonic()
    f.google.add_event(account, timed(start, start + timedelta(hours=1)))
    _wait(lambda: any(outcome == "queued" for _, outcome in route.answers))  # the stand-in's push, over HTTP
    (report,) = f.consume(business)
    lag = time.monotonic() - began

    assert report.outcome == "synced"
    assert f.busy_blocks(business) == [(start, start + timedelta(hours=1))]
    assert lag < 5, f"push to busy block took {lag:.2f} s"
    print(f"sync lag, calendar change -> busy block (passes in-process): {lag:.3f} s")  # the figure


def test_an_expired_sync_token_is_a_full_resync_and_a_revoked_grant_breaks_the_connection(
    flow: tuple[Flow, PushRoute], connect: Callable[[], Connected]
) -> None:
    f, _ = flow
    business, connection, account = _connected(f, connect)
    start = f.day + timedelta(hours=9)
    f.google.add_event(account, timed(start, start + timedelta(minutes=45)))
    f.parts.schedule.run(_deadline())
    assert [r.outcome for r in f.consume(business)] == ["synced"]

    f.google.expire_sync_tokens(account)
    f.owner.execute(
        "update calendar_connections set synced_at = now() - interval '16 minutes' where id = %s", (connection.id,)
    )
    f.parts.schedule.run(_deadline())  # the poll: not synced for 15 minutes
    assert [r.outcome for r in f.consume(business)] == ["resynced"]
    assert f.busy_blocks(business) == [(start, start + timedelta(minutes=45))]

    f.google.revoke_grants(account)
    f.owner.execute(
        "update calendar_connections set synced_at = now() - interval '16 minutes' where id = %s", (connection.id,)
    )
    f.parts.schedule.run(_deadline())
    reports = f.consume(business)
    assert [r.outcome for r in reports] == ["broken"]
    assert f.connection(connection.id)["status"] == "broken"
    (notice,) = f.staff_notices(business)
    assert "Marta" in (notice.text or "") and notice.job_id.startswith("staff_notice#calendar_broken#")


def test_an_external_event_over_an_appointment_is_a_conflict_told_once(
    flow: tuple[Flow, PushRoute], connect: Callable[[], Connected]
) -> None:
    f, _ = flow
    business, connection, account = _connected(f, connect)
    appointment = f.book(business, f.day + timedelta(hours=11))
    f.google.add_event(account, timed(f.day + timedelta(hours=11, minutes=15), f.day + timedelta(hours=12)))
    f.parts.schedule.run(_deadline())
    f.consume(business)  # the appointment's event written, and the calendar synced
    f.owner.execute(
        "update calendar_connections set synced_at = now() - interval '16 minutes' where id = %s", (connection.id,)
    )
    f.parts.schedule.run(_deadline())
    f.consume(business)

    rows = f.owner.fetch_all(
        "select appointment_id::text, notified_at from calendar_conflicts where organization_id = %s", (business.id,)
    )
    assert [(r["appointment_id"], r["notified_at"] is not None) for r in rows] == [(appointment, True)]
    notices = f.staff_notices(business)
    assert len(notices) == 1 and notices[0].job_id.startswith("staff_notice#calendar_conflict#")


def _published(reports: list[Any]) -> list[str]:
    return [r.outcome for r in reports if isinstance(r, PublishReport)]


def _synced(reports: list[Any]) -> list[str]:
    return [r.outcome for r in reports if isinstance(r, SyncReport)]


def _deadline() -> Any:
    from receptionist.deadline import Deadline

    return Deadline.after(30)


def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    ends = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > ends:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_a_booking_costs_one_calendar_call_and_a_renewal_two(
    flow: tuple[Flow, PushRoute], connect: Callable[[], Connected]
) -> None:
    """The figures docs/calendar.md gives ("API calls"), counted on the adapter: with the access
    token cached, a booking is one events.insert; a renewal is one events.watch and one channels.stop."""
    f, _ = flow
    business, connection, account = _connected(f, connect)
    f.parts.schedule.run(_deadline())  # first channel and first sync: the access token is cached
    f.consume(business)

    def calls() -> int:
        return f.parts.counters.now()["provider_calls"]

    before = calls()
    f.book(business, f.day + timedelta(hours=16))
    f.parts.schedule.run(_deadline())  # relays the booking (no renewal or poll due)
    jobs = f.jobs_for(business)
    for job, message in jobs:
        if job.kind == "appointment":
            f.parts.service.handle(job, attempt=1, receipt_handle=message["ReceiptHandle"], remaining=lambda: 60.0)
            f.sqs.delete_message(QueueUrl=f.calendar_queue, ReceiptHandle=message["ReceiptHandle"])
    assert [j.kind for j, _ in jobs].count("appointment") == 1
    assert calls() - before == 1
    assert len(_ours(f, account)) == 1

    f.owner.execute(
        "update calendar_connections set channel_expires_at = now() + interval '2 hours' where id = %s",
        (connection.id,),
    )
    # A channel id names its second (calendar/channels.py): the renewal's is a later one.
    made = int(f.connection(connection.id)["channel_id"].rsplit("-", 1)[1])
    _wait(lambda: int(time.time()) > made)
    before = calls()
    report = f.parts.schedule.run(_deadline())
    assert (report.renew.renewed, report.renew.failed, calls() - before) == (1, 0, 2)
