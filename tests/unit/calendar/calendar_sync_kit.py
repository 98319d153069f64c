"""In-memory implementations of the calendar passes' own ports (receptionist.calendar.ports and the
CalendarProvider port), with the semantics the real ones have: a calendar whose changes are read
with sync tokens (expired ones answer SyncTokenGone), event ids unique per calendar, a FIFO queue
that drops a deduplication id seen in the last 5 minutes, notices delivered once per key.
The real adapters are tested against embedded PostgreSQL, moto and the Google stand-in
(tests/integration/calendar)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from receptionist.calendar.appointment_event import AppointmentFacts, appointment_event
from receptionist.calendar.busy import BusyBlock
from receptionist.calendar.conflicts import BookedTime, Conflict
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.ports import Mirror, OutboxRow
from receptionist.calendar.provider import (
    AccessToken,
    AppointmentEvent,
    CalendarEvent,
    CalendarUnavailable,
    Channel,
    EventChanges,
    EventTime,
    Grant,
    GrantRevoked,
    SyncTokenGone,
)
from receptionist.deadline import Deadline
from receptionist.messages import CalendarJob

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ZONE = "Europe/Madrid"


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()


def new_id() -> str:
    return str(uuid.uuid4())


# ------------------------------------------------------------------ the provider (one calendar per id)


@dataclass
class Calendar:
    events: dict[str, CalendarEvent] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)  # event ids in the order they changed
    expired_before: int = 0  # sync tokens older than this position answer 410


class MemoryProvider:
    """A calendar service: events per calendar, changes since a sync token, push channels."""

    name = "memory"

    def __init__(self) -> None:
        self.calendars: dict[str, Calendar] = {}
        self.revoked: set[str] = set()  # refresh tokens whose grant is gone
        self.down = False  # every call answers CalendarUnavailable
        self.calls: list[str] = []
        self.channels: dict[str, Channel] = {}  # live channels by id
        self.watched: list[tuple[str, str, str]] = []  # (calendar, channel id, channel token)
        self.change_calls: list[str | None] = []  # the sync token each changes() call was given

    def calendar(self, calendar_id: str) -> Calendar:
        return self.calendars.setdefault(calendar_id, Calendar())

    def _call(self, what: str) -> None:
        self.calls.append(what)
        if self.down:
            raise CalendarUnavailable(what)

    # -- what a person does in their calendar app
    def person_adds(self, calendar_id: str, start: datetime, end: datetime, *, transparent: bool = False) -> str:
        event = CalendarEvent(
            id=f"ext{uuid.uuid4().hex[:12]}",
            status="confirmed",
            start=EventTime(instant=start),
            end=EventTime(instant=end),
            transparent=transparent,
        )
        self._write(calendar_id, event)
        return event.id

    def person_deletes(self, calendar_id: str, event_id: str) -> None:
        self._write(calendar_id, CalendarEvent(id=event_id, status="cancelled"))

    def _write(self, calendar_id: str, event: CalendarEvent) -> None:
        cal = self.calendar(calendar_id)
        cal.events[event.id] = event
        cal.log.append(event.id)

    def live(self, calendar_id: str) -> list[CalendarEvent]:
        return [e for e in self.calendar(calendar_id).events.values() if e.status != "cancelled"]

    # -- the port
    def authorization_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        return f"https://accounts.example/auth?state={state}"

    def exchange_code(self, code: str, *, code_verifier: str, redirect_uri: str, deadline: Deadline) -> Grant:
        return Grant(refresh_token=f"rt-{code}", access_token="at", expires_at=NOW + timedelta(hours=1))

    def refresh(self, refresh_token: str, deadline: Deadline) -> AccessToken:
        self._call("refresh")
        if refresh_token in self.revoked:
            raise GrantRevoked("invalid_grant")
        return AccessToken(value=f"at-{refresh_token}", expires_at=datetime.now(UTC) + timedelta(hours=1))

    def revoke(self, refresh_token: str, deadline: Deadline) -> None:
        self.revoked.add(refresh_token)

    def changes(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        sync_token: str | None,
        since: datetime,
        until: datetime,
        deadline: Deadline,
    ) -> EventChanges:
        self._call("changes")
        self.change_calls.append(sync_token)
        cal = self.calendar(calendar_id)
        if sync_token is None:
            listed = [e for e in cal.events.values() if e.status != "cancelled"]
            return EventChanges(listed, f"s{len(cal.log)}", full=True, calendar_zone=ZONE)
        position = int(sync_token[1:])
        if position < cal.expired_before:
            raise SyncTokenGone("410")
        changed = dict.fromkeys(cal.log[position:])
        return EventChanges([cal.events[i] for i in changed], f"s{len(cal.log)}", full=False, calendar_zone=ZONE)

    def put_event(self, token: AccessToken, calendar_id: str, event: AppointmentEvent, deadline: Deadline) -> None:
        self._call("put_event")
        self._write(
            calendar_id,
            CalendarEvent(
                id=event.event_id,
                status="tentative" if event.tentative else "confirmed",
                start=EventTime(instant=event.start, zone=event.zone),
                end=EventTime(instant=event.end, zone=event.zone),
                appointment_id=event.appointment_id,
            ),
        )

    def delete_event(self, token: AccessToken, calendar_id: str, event_id: str, deadline: Deadline) -> None:
        self._call("delete_event")
        if event_id in self.calendar(calendar_id).events:
            self._write(calendar_id, CalendarEvent(id=event_id, status="cancelled"))

    def busy(
        self, token: AccessToken, calendar_id: str, since: datetime, until: datetime, deadline: Deadline
    ) -> list[tuple[datetime, datetime]]:
        return []

    def watch(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        channel_id: str,
        channel_token: str,
        address: str,
        expires_at: datetime,
        deadline: Deadline,
    ) -> Channel:
        self._call("watch")
        channel = Channel(id=channel_id, resource_id=f"res-{calendar_id}", expires_at=expires_at)
        self.channels[channel_id] = channel
        self.watched.append((calendar_id, channel_id, channel_token))
        return channel

    def stop(self, token: AccessToken, channel: Channel, deadline: Deadline) -> None:
        self._call("stop")
        self.channels.pop(channel.id, None)


class MemoryRefreshTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def put(self, ref: str, refresh_token: str) -> None:
        self.tokens[ref] = refresh_token

    def get(self, ref: str) -> str:
        return self.tokens[ref]

    def delete(self, ref: str) -> None:
        self.tokens.pop(ref, None)


# ------------------------------------------------------------------ the CRM side


class Crash(RuntimeError):
    """The process dies here (a test arms it on one store method)."""


@dataclass
class Appointment:
    id: str
    organization_id: str
    member_id: str
    starts_at: datetime
    ends_at: datetime
    status: str = "confirmed"


@dataclass(frozen=True)
class StoredConflict:
    id: str
    member_id: str
    conflict: Conflict
    notified: bool = False
    resolved: bool = False


class MemoryStore:
    """The CRM's calendar tables. `crash_on[name] = n`: the n-th next call of that method raises Crash
    before doing anything (the window between two side effects)."""

    def __init__(self, clock: Clock, horizon_days: int = 30) -> None:
        self.clock = clock
        self.horizon_days = horizon_days
        self.connections: dict[str, CalendarConnection] = {}
        self.events_by: dict[str, dict[str, CalendarEvent]] = {}
        self.blocks: dict[str, list[BusyBlock]] = {}
        self.appointments: dict[str, Appointment] = {}
        self.conflicts: dict[tuple[str, str], StoredConflict] = {}
        self.outbox_rows: list[tuple[OutboxRow, datetime | None]] = []
        self.crash_on: dict[str, int] = {}
        self._ids = itertools.count(1)

    def _maybe_crash(self, name: str) -> None:
        if name in self.crash_on:
            self.crash_on[name] -= 1
            if self.crash_on[name] <= 0:
                del self.crash_on[name]
                raise Crash(name)

    # -- test set-up
    def connect(self, organization_id: str, member_id: str, *, calendar_id: str | None = None) -> CalendarConnection:
        cid = new_id()
        connection = CalendarConnection(
            id=cid,
            organization_id=organization_id,
            member_id=member_id,
            provider="memory",
            calendar_id=calendar_id or f"cal-{member_id}",
            token_ref=f"/receptionist/test/calendar/tokens/{cid}",
            status="connected",
            timezone=ZONE,
            connected_at=self.clock(),
        )
        self.connections[cid] = connection
        return connection

    def book(self, organization_id: str, member_id: str, start: datetime, minutes: int = 30) -> Appointment:
        appointment = Appointment(new_id(), organization_id, member_id, start, start + timedelta(minutes=minutes))
        self.appointments[appointment.id] = appointment
        self._outbox(appointment, member_id)
        return appointment

    def change(self, appointment_id: str, **changes: Any) -> None:
        """What the trigger on appointments does: a row per member affected (old and new)."""
        old = self.appointments[appointment_id]
        new = replace(old, **changes)
        self.appointments[appointment_id] = new
        for member in dict.fromkeys([old.member_id, new.member_id]):
            self._outbox(new, member)

    def _outbox(self, appointment: Appointment, member_id: str) -> None:
        if any(c.member_id == member_id for c in self.connections.values()):
            row = OutboxRow(next(self._ids), appointment.organization_id, appointment.id, member_id)
            self.outbox_rows.append((row, None))

    # -- the port
    def connection(self, organization_id: str, connection_id: str) -> CalendarConnection | None:
        found = self.connections.get(connection_id)
        return found if found is not None and found.organization_id == organization_id else None

    def connection_by_channel(self, channel_id: str) -> CalendarConnection | None:
        return next((c for c in self.connections.values() if c.channel and c.channel.id == channel_id), None)

    def connection_for_member(self, organization_id: str, member_id: str) -> CalendarConnection | None:
        return next(
            (c for c in self.connections.values() if (c.organization_id, c.member_id) == (organization_id, member_id)),
            None,
        )

    def booking_horizon_days(self, organization_id: str) -> int:
        return self.horizon_days

    def mark_broken(self, connection: CalendarConnection, reason: str, at: datetime) -> None:
        current = self.connections[connection.id]
        if current.status != "broken":
            self.connections[connection.id] = replace(current, status="broken", broken_reason=reason)

    def due_for_poll(self, at: datetime, stale: timedelta, limit: int) -> list[tuple[str, str]]:
        return [
            (c.organization_id, c.id)
            for c in self.connections.values()
            if c.status == "connected" and (c.synced_at is None or c.synced_at <= at - stale)
        ][:limit]

    def due_for_renewal(self, expiring_before: datetime, limit: int) -> list[CalendarConnection]:
        return [
            c
            for c in self.connections.values()
            if c.status == "connected" and (c.channel is None or c.channel.expires_at < expiring_before)
        ][:limit]

    def save_channel(self, connection: CalendarConnection, channel: Channel) -> None:
        self._maybe_crash("save_channel")
        self.connections[connection.id] = replace(self.connections[connection.id], channel=channel)

    def store_changes(self, connection: CalendarConnection, changes: EventChanges, at: datetime) -> None:
        self._maybe_crash("store_changes")
        stored = self.events_by.setdefault(connection.id, {})
        if changes.full:
            stored.clear()
        for event in changes.events:
            if event.status == "cancelled" and event.recurring_event_id is None:
                stored.pop(event.id, None)
            else:
                stored[event.id] = event
        current = self.connections[connection.id]
        self.connections[connection.id] = replace(current, sync_token=changes.sync_token, synced_at=at)

    def events(self, connection: CalendarConnection) -> list[CalendarEvent]:
        return list(self.events_by.get(connection.id, {}).values())

    def replace_busy_blocks(self, connection: CalendarConnection, blocks: Sequence[BusyBlock]) -> None:
        self._maybe_crash("replace_busy_blocks")
        self.blocks[connection.id] = list(blocks)

    def active_appointments(
        self, organization_id: str, member_id: str, since: datetime, until: datetime
    ) -> list[BookedTime]:
        return [
            BookedTime(a.id, a.starts_at, a.ends_at)
            for a in self.appointments.values()
            if (a.organization_id, a.member_id) == (organization_id, member_id)
            and a.status in ("pending", "confirmed")
            and a.starts_at < until
            and a.ends_at > since
        ]

    def record_conflicts(
        self, connection: CalendarConnection, conflicts: Sequence[Conflict], at: datetime
    ) -> list[str]:
        found = {(c.appointment_id, c.event_id): c for c in conflicts}
        for key, recorded in list(self.conflicts.items()):
            if recorded.member_id == connection.member_id and key not in found:
                self.conflicts[key] = replace(recorded, resolved=True)
        for key, conflict in found.items():
            recorded = self.conflicts.get(key)
            if recorded is None or recorded.resolved:
                self.conflicts[key] = StoredConflict(new_id(), connection.member_id, conflict)
        return sorted(
            c.id
            for c in self.conflicts.values()
            if not c.resolved and not c.notified and (c.conflict.appointment_id, c.conflict.event_id) in found
        )

    def mark_notified(self, connection: CalendarConnection, conflict_ids: Sequence[str], at: datetime) -> None:
        self._maybe_crash("mark_notified")
        for key, recorded in list(self.conflicts.items()):
            if recorded.id in conflict_ids:
                self.conflicts[key] = replace(recorded, notified=True)

    def mirror(self, organization_id: str, appointment_id: str) -> Mirror | None:
        a = self.appointments.get(appointment_id)
        if a is None or a.organization_id != organization_id:
            return None
        facts = AppointmentFacts(a.id, "Limpieza", "Ana", a.member_id, a.starts_at, a.ends_at, a.status, ZONE)
        event = appointment_event(facts)
        return Mirror(a.member_id, event) if event is not None else None

    def relay(self, limit: int, send: Callable[[list[OutboxRow]], Sequence[int]]) -> tuple[int, int]:
        """As the database does it: take, send, mark in one transaction (a crash marks nothing)."""
        rows = [row for row, queued in self.outbox_rows if queued is None][:limit]
        if not rows:
            return 0, 0
        sent = list(send(rows))
        self._maybe_crash("relay_commit")
        self.outbox_rows = [(row, self.clock() if row.id in sent else q) for row, q in self.outbox_rows]
        return len(rows), len(sent)


class MemoryNotices:
    """Staff notices, delivered once per key (as the notifier delivers a job once per id)."""

    def __init__(self) -> None:
        self.sent: list[str] = []  # every key sent, repeats included
        self.delivered: dict[str, tuple[str, list[str]]] = {}

    def connection_broken(self, connection: CalendarConnection, *, key: str) -> None:
        self.sent.append(key)
        self.delivered.setdefault(key, ("broken", []))

    def conflicts_found(self, connection: CalendarConnection, conflict_ids: Sequence[str], *, key: str) -> None:
        self.sent.append(key)
        self.delivered.setdefault(key, ("conflicts", list(conflict_ids)))


# ------------------------------------------------------------------ the queue


@dataclass
class Message:
    body: str
    group: str
    dedup_id: str
    receipt: str
    receives: int = 0


class MemoryFifo:
    """SQS FIFO as the passes use it: a deduplication id seen in the last 5 minutes is dropped;
    received messages stay until deleted; `delays` records ChangeMessageVisibility calls."""

    DEDUP_WINDOW = timedelta(minutes=5)

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.messages: list[Message] = []
        self.sent_ids: dict[str, datetime] = {}
        self.sends = 0
        self.delays: list[tuple[str, int]] = []

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        self.sends += 1
        seen = self.sent_ids.get(dedup_id)
        if seen is not None and self.clock() - seen < self.DEDUP_WINDOW:
            return "duplicate"
        self.sent_ids[dedup_id] = self.clock()
        receipt = uuid.uuid4().hex
        self.messages.append(Message(message.model_dump_json(exclude_none=True), group, dedup_id, receipt))
        return receipt

    def jobs(self) -> list[CalendarJob]:
        return [CalendarJob.model_validate_json(m.body) for m in self.messages]

    def delay(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append((receipt_handle, seconds))


# ------------------------------------------------------------------ everything wired together

CHANNEL_KEY = b"k" * 32
PUSH_ADDRESS = "https://api.example/calendar/google/notifications"


@dataclass
class World:
    clock: Clock
    store: MemoryStore
    provider: MemoryProvider
    refresh_tokens: MemoryRefreshTokens
    notices: MemoryNotices
    queue: MemoryFifo
    tokens: Any  # AccessTokens
    sync: Any  # CalendarSync
    publisher: Any  # Publisher
    relay: Any  # Relay
    channels: Any  # Channels
    jobs: Any  # CalendarJobs

    def connect(self, organization_id: str, member_id: str) -> CalendarConnection:
        connection = self.store.connect(organization_id, member_id)
        self.refresh_tokens.put(connection.token_ref, f"rt-{connection.id}")
        return connection

    def consume(self) -> list[Any]:
        """Deliver every queued message to the consumer once, as the event source mapping does;
        a message whose handling raised stays queued (it comes back after its visibility)."""
        reports = []
        for message in list(self.queue.messages):
            message.receives += 1
            job = CalendarJob.model_validate_json(message.body)
            try:
                reports.append(
                    self.jobs.handle(
                        job, attempt=message.receives, receipt_handle=message.receipt, remaining=lambda: 60
                    )
                )
            except Exception as exc:  # the batch reports it failed; the message stays
                reports.append(exc)
                continue
            self.queue.messages.remove(message)
        return reports


def world(horizon_days: int = 30) -> World:
    import random

    from receptionist.calendar.channels import Channels
    from receptionist.calendar.jobs import CalendarJobs
    from receptionist.calendar.publish import Publisher
    from receptionist.calendar.relay import Relay
    from receptionist.calendar.sync import CalendarSync
    from receptionist.calendar.tokens import AccessTokens

    clock = Clock()
    store = MemoryStore(clock, horizon_days)
    provider = MemoryProvider()
    refresh_tokens = MemoryRefreshTokens()
    notices = MemoryNotices()
    queue = MemoryFifo(clock)
    tokens = AccessTokens(provider, refresh_tokens)
    sync = CalendarSync(store, provider, tokens, notices, clock)
    publisher = Publisher(store, provider, tokens, notices, clock)
    relay = Relay(store, queue, clock)
    channels = Channels(store, provider, tokens, notices, queue, lambda: CHANNEL_KEY, PUSH_ADDRESS, clock)
    jobs = CalendarJobs(publisher, sync, queue, random.Random(7))
    return World(clock, store, provider, refresh_tokens, notices, queue, tokens, sync, publisher, relay, channels, jobs)
