"""Ours to theirs (receptionist.calendar.relay, .publish, .jobs): every change of an appointment
reaches the member's calendar as one event, whatever crashes between the outbox, the queue and the
calendar; outages are retried with growing backoff; a revoked grant breaks the connection."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from calendar_sync_kit import NOW, Crash, new_id, world

from receptionist.calendar.jobs import CAP_SECONDS, backoff_seconds
from receptionist.calendar.provider import CalendarUnavailable, event_id_for
from receptionist.deadline import Deadline

ORG = new_id()


def _ours(w, calendar_id):  # type: ignore[no-untyped-def]
    return [e for e in w.provider.live(calendar_id) if e.appointment_id is not None]


def test_a_booking_is_relayed_once_and_becomes_one_event() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    appointment = w.store.book(ORG, "m1", NOW + timedelta(days=1))

    report = w.relay.run(Deadline.never())
    assert report.queued == 1
    (job,) = w.queue.jobs()
    assert (job.kind, job.appointment_id, job.member_id, job.outbox_id) == ("appointment", appointment.id, "m1", 1)
    assert w.queue.messages[0].dedup_id == "outbox-1"
    assert w.relay.run(Deadline.never()).queued == 0  # marked queued: not sent again

    (published,) = w.consume()
    assert published.outcome == "put"
    (event,) = _ours(w, conn.calendar_id)
    assert (event.id, event.start.instant, event.status) == (
        event_id_for(appointment.id),
        appointment.starts_at,
        "confirmed",
    )


def test_moving_cancelling_and_changing_member_converge_on_the_last_state() -> None:
    w = world()
    a = w.connect(ORG, "m1")
    b = w.connect(ORG, "m2")
    appointment = w.store.book(ORG, "m1", NOW + timedelta(days=1))
    w.store.change(appointment.id, starts_at=NOW + timedelta(days=2), ends_at=NOW + timedelta(days=2, minutes=30))
    w.store.change(appointment.id, member_id="m2")  # a row for m1 (delete there) and for m2 (write there)
    w.relay.run(Deadline.never())
    w.consume()
    assert _ours(w, a.calendar_id) == []
    (moved,) = _ours(w, b.calendar_id)
    assert moved.start.instant == NOW + timedelta(days=2)

    w.store.change(appointment.id, status="cancelled")
    w.relay.run(Deadline.never())
    assert [r.outcome for r in w.consume()] == ["deleted"]
    assert _ours(w, b.calendar_id) == []


def test_a_relay_crash_between_send_and_mark_leaves_one_event() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.store.book(ORG, "m1", NOW + timedelta(days=1))
    w.store.crash_on["relay_commit"] = 1

    with pytest.raises(Crash):
        w.relay.run(Deadline.never())
    assert len(w.queue.messages) == 1  # sent, not marked
    w.clock.now += timedelta(minutes=1)
    assert w.relay.run(Deadline.never()).queued == 1  # the next run sends the row again...
    assert (w.queue.sends, len(w.queue.messages)) == (2, 1)  # ...with the same dedup id: dropped by SQS
    w.consume()
    assert len(_ours(w, conn.calendar_id)) == 1


def test_a_resend_after_the_dedup_window_is_a_second_job_and_still_one_event() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.store.book(ORG, "m1", NOW + timedelta(days=1))
    w.store.crash_on["relay_commit"] = 1
    with pytest.raises(Crash):
        w.relay.run(Deadline.never())
    w.consume()
    w.clock.now += timedelta(minutes=10)  # past SQS's 5-minute deduplication window
    w.relay.run(Deadline.never())
    assert [r.outcome for r in w.consume()] == ["put"]
    assert w.provider.calls.count("put_event") == 2
    assert len(_ours(w, conn.calendar_id)) == 1


def test_a_consumer_crash_after_put_event_before_the_ack_is_retried_into_one_event() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.store.book(ORG, "m1", NOW + timedelta(days=1))
    w.relay.run(Deadline.never())
    real_put = w.provider.put_event

    def put_then_die(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_put(*args, **kwargs)
        raise Crash("after put_event")  # the invocation dies: the message is not deleted

    w.provider.put_event = put_then_die
    assert isinstance(w.consume()[0], Crash)
    w.provider.put_event = real_put
    assert [r.outcome for r in w.consume()] == ["put"]  # redelivered
    assert w.queue.messages == []
    assert len(_ours(w, conn.calendar_id)) == 1


def test_an_outage_delays_the_job_with_growing_backoff_then_it_goes_through() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.store.book(ORG, "m1", NOW + timedelta(days=1))
    w.relay.run(Deadline.never())
    w.provider.down = True
    for _ in range(3):
        assert isinstance(w.consume()[0], CalendarUnavailable)
    w.provider.down = False
    w.consume()

    delays = [seconds for _, seconds in w.queue.delays]
    assert len(delays) == 3 and delays[0] < delays[1] < delays[2]
    assert len(_ours(w, conn.calendar_id)) == 1 and w.queue.messages == []


def test_backoff_doubles_from_half_a_minute_and_is_capped() -> None:
    rng = random.Random(1)
    for attempt, step in [(1, 30), (2, 60), (3, 120), (6, 960), (12, CAP_SECONDS)]:
        seconds = backoff_seconds(attempt, rng)
        assert min(step, CAP_SECONDS) / 2 <= seconds <= min(step, CAP_SECONDS)


def test_a_member_without_a_working_connection_is_skipped_and_a_revoked_grant_breaks_it() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    appointment = w.store.book(ORG, "m1", NOW + timedelta(days=1))
    skipped = w.publisher.publish(ORG, appointment.id, "m-without-calendar", Deadline.never())
    assert skipped.outcome == "skipped"

    w.provider.revoked.add(w.refresh_tokens.get(conn.token_ref))
    assert w.publisher.publish(ORG, appointment.id, "m1", Deadline.never()).outcome == "broken"
    assert w.store.connections[conn.id].status == "broken"
    assert w.publisher.publish(ORG, appointment.id, "m1", Deadline.never()).outcome == "skipped"
    assert len(w.notices.delivered) == 1


def test_a_pending_appointment_is_written_tentative() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    appointment = w.store.book(ORG, "m1", NOW + timedelta(days=1))
    w.store.change(appointment.id, status="pending")
    w.relay.run(Deadline.never())
    w.consume()
    (event,) = _ours(w, conn.calendar_id)
    assert event.status == "tentative"


def test_the_relay_stops_when_the_time_is_up_and_the_next_run_goes_on() -> None:
    w = world()
    w.connect(ORG, "m1")
    for day in range(5):
        w.store.book(ORG, "m1", NOW + timedelta(days=day + 1))
    assert w.relay.run(Deadline.passed()).left is True
    assert w.queue.messages == []
    report = w.relay.run(Deadline.never(), batch=2)
    assert (report.queued, report.left) == (5, False)
