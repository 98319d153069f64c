"""events.watch and channels.stop through the adapter: the stand-in pushes Google's notification
headers to a local receiver (the HTTP API's route in the stack) on creation and after each change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from google_calendar_kit import Connected, Receiver

from devstack.fakes.google_calendar import FakeGoogleCalendar, timed
from receptionist.adapters.google_calendar import GoogleCalendar
from receptionist.calendar.provider import Channel
from receptionist.deadline import Deadline

pytestmark = pytest.mark.integration


def test_a_watched_calendar_pushes_a_sync_then_each_change_with_googles_headers(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar, receiver: Receiver
) -> None:
    c = connect()
    asked = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    calls = provider.calls
    channel = provider.watch(
        c.token,
        "primary",
        channel_id="7f0e2c1a-0000-4000-8000-000000000001-1765000000",
        channel_token="hmac-of-the-channel-id",
        address=f"{receiver.url}/calendar/google/notifications",
        expires_at=asked,
        deadline=Deadline.after(5),
    )
    assert provider.calls - calls == 1
    assert channel.id == "7f0e2c1a-0000-4000-8000-000000000001-1765000000" and channel.resource_id
    assert channel.expires_at == asked

    [sync] = receiver.wait_for(1)
    assert sync.method == "POST" and sync.path == "/calendar/google/notifications"
    assert sync.headers["x-goog-channel-id"] == channel.id
    assert sync.headers["x-goog-channel-token"] == "hmac-of-the-channel-id"
    assert sync.headers["x-goog-resource-id"] == channel.resource_id
    assert sync.headers["x-goog-resource-state"] == "sync" and sync.headers["x-goog-message-number"] == "1"
    assert parsedate_to_datetime(sync.headers["x-goog-channel-expiration"]) == asked

    start = datetime(2026, 12, 16, 15, tzinfo=UTC)
    google.add_event(c.account, timed(start, start + timedelta(hours=1)))  # the member adds an event
    pushes = receiver.wait_for(2)
    assert len(pushes) == 2 and pushes[1].headers["x-goog-resource-state"] == "exists"
    assert pushes[1].headers["x-goog-message-number"] == "2"
    assert [p.status for p in google.pushes_to(channel.id, at_least=2)] == [200, 200]

    provider.stop(c.token, channel, Deadline.after(5))
    provider.stop(c.token, channel, Deadline.after(5))  # stopped already: not an error
    assert google.live_channels(c.account) == []
    google.add_event(c.account, timed(start + timedelta(hours=2), start + timedelta(hours=3)))
    other = connect()  # a change elsewhere, pushed to its own channel, shows the pusher went on
    second = provider.watch(
        other.token, "primary", channel_id="other-1", channel_token="t", address=f"{receiver.url}/other",
        expires_at=asked, deadline=Deadline.after(5),
    )  # fmt: skip
    assert receiver.wait_for(3)[-1].headers["x-goog-channel-id"] == second.id
    assert len(receiver.received("/calendar/google/notifications")) == 2  # nothing after the stop


def test_a_channel_asked_for_too_long_gets_googles_week(
    connect: Callable[[], Connected], provider: GoogleCalendar, receiver: Receiver
) -> None:
    c = connect()
    channel = provider.watch(
        c.token, "primary", channel_id="long-1", channel_token="t", address=receiver.url,
        expires_at=datetime.now(UTC) + timedelta(days=60), deadline=Deadline.after(5),
    )  # fmt: skip
    assert channel.expires_at <= datetime.now(UTC) + timedelta(days=7, minutes=1)
    stale = Channel(channel.id, "not-its-resource", channel.expires_at)
    provider.stop(c.token, stale, Deadline.after(5))  # unknown to Google (404): nothing to stop
