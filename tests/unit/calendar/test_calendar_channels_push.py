"""Push channels (receptionist.calendar.channels) and the push route (receptionist.calendar_push):
tokens that cannot be forged, a burst of notifications that makes one sync, channels renewed before
they expire, and the poll that syncs a calendar whose notifications never came."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calendar_sync_kit import CHANNEL_KEY, NOW, Crash, new_id, world

from receptionist.calendar.channels import (
    CHANNEL_LIFETIME,
    channel_id,
    channel_token,
    connection_of,
    verify,
)
from receptionist.calendar.provider import CalendarRefused, Channel
from receptionist.calendar_push.service import PushService
from receptionist.deadline import Deadline
from receptionist.webhook.http import HttpRequest

ORG = new_id()


def _notification(channel: str, token: str | None, state: str = "exists") -> HttpRequest:
    headers = {"x-goog-channel-id": channel, "x-goog-resource-state": state, "x-goog-resource-id": "res"}
    if token is not None:
        headers["x-goog-channel-token"] = token
    return HttpRequest("POST", "/calendar/google/notifications", headers, {}, b"")


def test_a_channel_id_names_its_connection_and_its_token_is_an_hmac_of_it() -> None:
    connection = new_id()
    cid = channel_id(connection, NOW)
    assert cid == f"{connection}-{int(NOW.timestamp())}"
    assert connection_of(cid) == connection
    assert connection_of("not-ours") is None and connection_of(f"{connection}-12x") is None
    token = channel_token(CHANNEL_KEY, cid)
    assert verify(CHANNEL_KEY, cid, token)
    assert "=" not in token and "+" not in token and "/" not in token  # urlsafe, unpadded
    assert not verify(CHANNEL_KEY, channel_id(connection, NOW + timedelta(seconds=1)), token)  # another channel
    assert not verify(b"another key" * 3, cid, token)
    assert not verify(CHANNEL_KEY, cid, token[:-1])


def test_a_burst_of_twenty_notifications_makes_one_sync() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.channels.renew(Deadline.never())
    (_, cid, token) = w.provider.watched[0]
    push = PushService(lambda: CHANNEL_KEY, w.queue, w.clock.epoch)
    w.sync.run(conn.id, Deadline.never(), organization_id=ORG)  # connected and synced once
    for n in range(20):
        w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=n + 1), NOW + timedelta(hours=n + 1, minutes=30))
        w.clock.now += timedelta(milliseconds=500)
        response, report = push.handle(_notification(cid, token))
        assert (response.status, report.outcome) == (200, "queued")
    changes_before = w.provider.calls.count("changes")

    reports = w.consume()

    assert len(reports) == 1 and reports[0].outcome == "synced"
    assert w.provider.calls.count("changes") == changes_before + 1
    assert len(w.store.blocks[conn.id]) == 20  # the one sync saw the whole burst
    assert w.queue.messages == [] and w.queue.sends == 20


@pytest.mark.parametrize(
    ("headers", "status", "reason"),
    [
        ({"x-goog-resource-state": "exists"}, 400, "missing_headers"),
        (
            {"x-goog-channel-id": "abc-1", "x-goog-channel-token": "t", "x-goog-resource-state": "exists"},
            401,
            "unknown_channel",
        ),
    ],
)
def test_notifications_without_google_s_headers_or_from_unknown_channels_are_refused(
    headers: dict[str, str], status: int, reason: str
) -> None:
    w = world()
    push = PushService(lambda: CHANNEL_KEY, w.queue, w.clock.epoch)
    response, report = push.handle(HttpRequest("POST", "/calendar/google/notifications", headers, {}, b""))
    assert (response.status, report.outcome, report.reason) == (status, "rejected", reason)
    assert w.queue.messages == []


def test_a_forged_token_is_refused_and_a_sync_state_is_only_acknowledged() -> None:
    w = world()
    push = PushService(lambda: CHANNEL_KEY, w.queue, w.clock.epoch)
    cid = channel_id(new_id(), NOW)
    forged = channel_token(b"guessed key" * 3, cid)
    response, report = push.handle(_notification(cid, forged))
    assert (response.status, report.reason) == (401, "bad_token")
    response, report = push.handle(_notification(cid, channel_token(CHANNEL_KEY, cid), state="sync"))
    assert (response.status, report.outcome) == (200, "acknowledged")
    assert w.queue.messages == []


def test_notifications_a_minute_apart_are_two_syncs() -> None:
    w = world()
    push = PushService(lambda: CHANNEL_KEY, w.queue, w.clock.epoch)
    cid = channel_id(new_id(), NOW)
    token = channel_token(CHANNEL_KEY, cid)
    push.handle(_notification(cid, token))
    w.clock.now += timedelta(minutes=1)
    push.handle(_notification(cid, token, state="not_exists"))
    assert [j.connection_id for j in w.queue.jobs()] == [connection_of(cid)] * 2


def test_a_new_connection_gets_a_channel_and_one_expiring_within_a_day_is_renewed_watch_first() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    assert w.channels.renew(Deadline.never()).renewed == 1
    first = w.store.connections[conn.id].channel
    assert first is not None and first.expires_at == NOW + CHANNEL_LIFETIME
    (calendar, cid, token) = w.provider.watched[0]
    assert (calendar, connection_of(cid), verify(CHANNEL_KEY, cid, token)) == (conn.calendar_id, conn.id, True)

    w.clock.now += timedelta(days=5)  # two days left: not yet
    assert w.channels.renew(Deadline.never()).renewed == 0
    w.clock.now += timedelta(days=1, hours=1)  # under a day left: renewed before it expires
    w.provider.calls.clear()
    assert w.channels.renew(Deadline.never()).renewed == 1

    second = w.store.connections[conn.id].channel
    assert second is not None and second.id != first.id and second.expires_at > first.expires_at
    assert w.provider.calls == ["watch", "stop"]  # the new one first: no gap without a channel
    assert list(w.provider.channels) == [second.id]


def test_a_renewal_that_fails_is_counted_and_left_due_and_a_revoked_grant_breaks_it() -> None:
    w = world()
    ok = w.connect(ORG, "m1")
    revoked = w.connect(ORG, "m2")
    w.provider.revoked.add(w.refresh_tokens.get(revoked.token_ref))
    report = w.channels.renew(Deadline.never())
    assert (report.renewed, report.broken) == (1, 1)
    assert w.store.connections[revoked.id].status == "broken"

    w.clock.now += timedelta(days=6, hours=12)
    w.provider.down = True
    assert w.channels.renew(Deadline.never()).failed == 1
    assert w.store.due_for_renewal(w.clock() + timedelta(days=1), 10) == [w.store.connections[ok.id]]


def test_without_any_notification_the_poll_syncs_a_calendar_within_fifteen_minutes() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    assert w.channels.poll(Deadline.never()).polled == 1  # never synced: at once
    w.consume()
    # A person adds an event; its notification is lost.
    added = w.provider.person_adds(conn.calendar_id, NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    w.clock.now += timedelta(minutes=10)
    assert w.channels.poll(Deadline.never()).polled == 0  # synced 10 minutes ago
    w.clock.now += timedelta(minutes=6)
    assert w.channels.poll(Deadline.never()).polled == 1
    w.clock.now += timedelta(minutes=1)  # the next minute's run, before the job ran: the same job
    w.channels.poll(Deadline.never())
    assert len(w.queue.messages) == 1
    (report,) = w.consume()
    assert report.outcome == "synced"
    assert [b.event_id for b in w.store.blocks[conn.id]] == [added]


def test_a_stop_that_fails_does_not_undo_the_renewal() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    old = Channel(id=channel_id(conn.id, NOW - timedelta(days=6)), resource_id="r", expires_at=NOW + timedelta(hours=2))
    w.store.save_channel(conn, old)

    def stop_fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise CalendarRefused("404")

    w.provider.stop = stop_fails
    assert w.channels.renew(Deadline.never()).renewed == 1
    channel = w.store.connections[conn.id].channel
    assert channel is not None and channel.id != old.id


def test_a_renewal_that_dies_before_saving_its_channel_is_made_again_and_the_orphan_is_not_followed() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.store.crash_on["save_channel"] = 1
    with pytest.raises(Crash):
        w.channels.renew(Deadline.never())
    (orphan,) = w.provider.channels  # watched, never saved
    w.clock.now += timedelta(minutes=1)
    assert w.channels.renew(Deadline.never()).renewed == 1  # still due: a new channel
    current = w.store.connections[conn.id].channel
    assert current is not None and current.id != orphan
    # A notification through the orphan is a valid HMAC, but the sync follows the current channel only.
    assert w.sync.run(conn.id, Deadline.never(), channel_id=orphan).outcome == "skipped"
    assert w.sync.run(conn.id, Deadline.never(), channel_id=current.id).outcome == "synced"
