"""Push channels and the poll that backs them up (docs/calendar.md, "Push, renewal and poll").

A channel's id is "<connection uuid>-<epoch seconds>": the push route learns the connection from
it without a database, and each renewal gets a new id. Its token is HMAC-SHA256(channel key, id),
base64url: the provider echoes it in X-Goog-Channel-Token and the route recomputes it, so a
notification with a forged id or token is refused without any lookup, and no token is stored.

Renewal: a channel expiring within a day is replaced, the new one watched before the old one is
stopped (a change in between is notified by one or the other, never by neither); a connection with
no channel gets its first. The poll: a connection not synced for 15 minutes (a lost notification,
a channel that could not be made) gets a sync job, as a notification would give it."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from receptionist.calendar.breakage import mark_broken
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.ports import CalendarStore, StaffNotices
from receptionist.calendar.provider import CalendarError, CalendarProvider, GrantRevoked
from receptionist.calendar.tokens import AccessTokens, with_access_token
from receptionist.deadline import Deadline
from receptionist.messages import CalendarJob, Queue

RENEW_WITHIN = timedelta(days=1)
# Google keeps an events channel at most about a week; asking for 7 days, renewed with a day left.
CHANNEL_LIFETIME = timedelta(days=7)
POLL_AFTER = timedelta(minutes=15)
BATCH = 50

_CHANNEL_ID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([0-9]{1,12})")


def channel_id(connection_id: str, now: datetime) -> str:
    return f"{connection_id}-{int(now.timestamp())}"


def connection_of(channel: str) -> str | None:
    """The connection a channel id names; None for an id this system never made."""
    found = _CHANNEL_ID.fullmatch(channel)
    return found.group(1) if found else None


def channel_token(key: bytes, channel: str) -> str:
    digest = hmac.new(key, channel.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(key: bytes, channel: str, token: str) -> bool:
    """Constant time: both sides are the same length digest's encoding, compared in full."""
    expected = channel_token(key, channel).encode("ascii")
    return hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class RenewReport:
    renewed: int = 0
    failed: int = 0  # a provider error other than a revoked grant: tried again next run
    broken: int = 0

    def counts(self) -> dict[str, int]:
        return {"renewed": self.renewed, "renew_failed": self.failed, "renew_broken": self.broken}


@dataclass(frozen=True)
class PollReport:
    polled: int = 0

    def counts(self) -> dict[str, int]:
        return {"polled": self.polled}


def poll_dedup_id(connection_id: str, now: datetime) -> str:
    """One poll job per connection per 15 minutes, whatever the runs overlapping."""
    return f"poll-{connection_id}-{int(now.timestamp()) // int(POLL_AFTER.total_seconds())}"


class Channels:
    def __init__(
        self,
        store: CalendarStore,
        provider: CalendarProvider,
        tokens: AccessTokens,
        notices: StaffNotices,
        queue: Queue,
        key: Callable[[], bytes],
        address: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._provider = provider
        self._tokens = tokens
        self._notices = notices
        self._queue = queue
        self._key = key
        self._address = address
        self._clock = clock

    def renew(self, deadline: Deadline) -> RenewReport:
        renewed = failed = broken = 0
        for connection in self._store.due_for_renewal(self._clock() + RENEW_WITHIN, BATCH):
            if deadline.remaining() < 3:
                break
            try:
                self._renew(connection, deadline)
                renewed += 1
            except GrantRevoked:
                mark_broken(self._store, self._notices, connection, "grant_revoked", self._clock())
                broken += 1
            except CalendarError:
                failed += 1  # still due: the next run tries again, the poll covers meanwhile
        return RenewReport(renewed, failed, broken)

    def _renew(self, connection: CalendarConnection, deadline: Deadline) -> None:
        now = self._clock()
        new_id = channel_id(connection.id, now)
        secret = channel_token(self._key(), new_id)
        channel = with_access_token(
            self._tokens,
            connection.token_ref,
            deadline,
            lambda token: self._provider.watch(
                token,
                connection.calendar_id,
                channel_id=new_id,
                channel_token=secret,
                address=self._address,
                expires_at=now + CHANNEL_LIFETIME,
                deadline=deadline,
            ),
        )
        self._store.save_channel(connection, channel)
        old = connection.channel
        if old is not None and old.id != channel.id:
            # A stop that fails is left: the old channel expires on its own, and its notifications
            # are no longer followed (the sync follows the connection's current channel only).
            with contextlib.suppress(CalendarError):
                with_access_token(
                    self._tokens,
                    connection.token_ref,
                    deadline,
                    lambda token: self._provider.stop(token, old, deadline),
                )

    def poll(self, deadline: Deadline) -> PollReport:
        now = self._clock()
        polled = 0
        for organization_id, connection_id in self._store.due_for_poll(now, POLL_AFTER, BATCH):
            if deadline.remaining() < 1:
                break
            job = CalendarJob(kind="sync", connection_id=connection_id, organization_id=organization_id, reason="poll")
            self._queue.send(job, group=connection_id, dedup_id=poll_dedup_id(connection_id, now))
            polled += 1
        return PollReport(polled)
