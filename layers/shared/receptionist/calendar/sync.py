"""Theirs to ours: one connection's calendar read into busy blocks (docs/calendar.md, "Sync").

One sync: an access token; the changes since the stored sync token (a 410 from the provider means
the token expired: a full listing of the window instead); the events stored; the connection's busy
blocks rebuilt from every stored event within [now - 1 day, now + booking horizon + 1 day]; the
conflicts with our active appointments recorded and staff told once; then the new sync token saved.

Why the token is saved last: a sync that dies before it leaves the old token, so the next one reads
the same changes again; storing an event is an upsert and the blocks are rebuilt whole, so reading
them twice changes nothing. A revoked grant marks the connection broken (calendar/breakage.py);
an outage raises for the queue to retry with backoff."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from receptionist.calendar.breakage import mark_broken
from receptionist.calendar.busy import BusyBlock, busy_time
from receptionist.calendar.conflicts import conflicts
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.ports import CalendarStore, StaffNotices
from receptionist.calendar.provider import CalendarProvider, EventChanges, GrantRevoked, SyncTokenGone
from receptionist.calendar.tokens import AccessTokens
from receptionist.deadline import Deadline

# Busy blocks cover a day either side of the booking horizon: an all-day event or a long one that
# starts before "now" still blocks the slots it overlaps.
MARGIN = timedelta(days=1)

SyncOutcome = Literal["synced", "resynced", "broken", "skipped"]


@dataclass(frozen=True)
class SyncReport:
    outcome: SyncOutcome  # resynced: the sync token had expired, a full listing was read
    changed: int = 0  # events the provider returned
    blocks: int = 0  # busy blocks the connection has now
    conflicts: int = 0  # conflicts staff were told about in this sync (new ones)

    def counts(self) -> dict[str, int | str]:
        return {"outcome": self.outcome, "changed": self.changed, "blocks": self.blocks, "conflicts": self.conflicts}


class CalendarSync:
    def __init__(
        self,
        store: CalendarStore,
        provider: CalendarProvider,
        tokens: AccessTokens,
        notices: StaffNotices,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._provider = provider
        self._tokens = tokens
        self._notices = notices
        self._clock = clock

    def run(self, connection_id: str, deadline: Deadline) -> SyncReport:
        connection = self._store.connection(connection_id)
        if connection is None or connection.status != "connected":
            return SyncReport("skipped")  # disconnected meanwhile, or broken until reconnected
        now = self._clock()
        since = now - MARGIN
        until = now + timedelta(days=self._store.booking_horizon_days(connection.organization_id)) + MARGIN
        try:
            changes, resynced = self._changes(connection, since, until, deadline)
        except GrantRevoked:
            self._tokens.forget(connection.token_ref)
            mark_broken(self._store, self._notices, connection, "grant_revoked", now)
            return SyncReport("broken")
        self._store.store_events(connection, changes)
        zone = changes.calendar_zone or connection.timezone
        blocks = busy_time(self._store.events(connection), calendar_zone=zone, since=since, until=until).blocks
        self._store.replace_busy_blocks(connection, blocks)
        told = self._conflicts(connection, blocks, since, until)
        self._store.save_sync_state(connection, changes.sync_token, now, full=changes.full)
        return SyncReport("resynced" if resynced else "synced", len(changes.events), len(blocks), told)

    def _changes(
        self, connection: CalendarConnection, since: datetime, until: datetime, deadline: Deadline
    ) -> tuple[EventChanges, bool]:
        token = self._tokens.token_for(connection.token_ref, deadline)
        calendar = connection.calendar_id
        if connection.sync_token is not None:
            try:
                changes = self._provider.changes(
                    token, calendar, sync_token=connection.sync_token, since=since, until=until, deadline=deadline
                )
                return changes, False
            except SyncTokenGone:
                pass  # expired: read the window whole (below); what it lacks is removed
        changes = self._provider.changes(token, calendar, sync_token=None, since=since, until=until, deadline=deadline)
        return changes, connection.sync_token is not None

    def _conflicts(
        self, connection: CalendarConnection, blocks: Sequence[BusyBlock], since: datetime, until: datetime
    ) -> int:
        appointments = self._store.active_appointments(connection.organization_id, connection.member_id, since, until)
        found = conflicts(blocks, appointments)
        if not found:
            return 0
        untold = [c for c in self._store.record_conflicts(connection, found) if not c.notified]
        if not untold:
            return 0
        # One notice for this sync's new conflicts, keyed by them: a sync retried before they
        # are marked sends the same job again, delivered once.
        key = "calendar-conflicts#" + ",".join(sorted(c.id for c in untold))
        self._notices.conflicts_found(connection, [c.conflict for c in untold], key=key)
        self._store.mark_notified([c.id for c in untold], self._clock())
        return len(untold)
