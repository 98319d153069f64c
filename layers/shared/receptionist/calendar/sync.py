"""Theirs to ours: one connection's calendar read into busy blocks (docs/calendar.md, "Sync").

One sync: the changes since the stored sync token (a 410 from the provider means the token expired:
a full listing of the window instead), stored with the next token in one transaction; then the
connection's busy blocks rebuilt from every stored event within [now - 1 day, now + booking horizon
+ 1 day]; then the conflicts with our active appointments recorded and staff told once.

Why a crash after the events are stored is harmless: the blocks and conflicts are rebuilt from the
stored events by every sync, so the retry (or the next sync, at the latest the 15-minute poll) reads
no new changes and rebuilds them all the same. A revoked grant marks the connection broken
(calendar/breakage.py); an outage raises for the queue to retry with backoff.

Which connection: a poll's job names its organization; a push's names the channel, and a channel
that is no longer the connection's current one (replaced by a renewal) is not followed."""

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
from receptionist.calendar.tokens import AccessTokens, with_access_token
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

    def run(
        self,
        connection_id: str,
        deadline: Deadline,
        *,
        organization_id: str | None = None,
        channel_id: str | None = None,
    ) -> SyncReport:
        connection = self._find(connection_id, organization_id, channel_id)
        if connection is None or connection.status != "connected":
            return SyncReport("skipped")  # disconnected or reconnected meanwhile, a replaced channel, broken
        now = self._clock()
        since = now - MARGIN
        until = now + timedelta(days=self._store.booking_horizon_days(connection.organization_id)) + MARGIN
        try:
            changes, resynced = self._changes(connection, since, until, deadline)
        except GrantRevoked:
            mark_broken(self._store, self._notices, connection, "grant_revoked", now)
            return SyncReport("broken")
        self._store.store_changes(connection, changes, now)
        zone = changes.calendar_zone or connection.timezone
        blocks = busy_time(self._store.events(connection), calendar_zone=zone, since=since, until=until).blocks
        self._store.replace_busy_blocks(connection, blocks)
        told = self._conflicts(connection, blocks, since, until)
        return SyncReport("resynced" if resynced else "synced", len(changes.events), len(blocks), told)

    def _find(
        self, connection_id: str, organization_id: str | None, channel_id: str | None
    ) -> CalendarConnection | None:
        if organization_id is not None:
            return self._store.connection(organization_id, connection_id)
        if channel_id is not None:
            found = self._store.connection_by_channel(channel_id)
            return found if found is not None and found.id == connection_id else None
        return None

    def _changes(
        self, connection: CalendarConnection, since: datetime, until: datetime, deadline: Deadline
    ) -> tuple[EventChanges, bool]:
        def read(sync_token: str | None) -> EventChanges:
            return with_access_token(
                self._tokens,
                connection.token_ref,
                deadline,
                lambda token: self._provider.changes(
                    token, connection.calendar_id, sync_token=sync_token, since=since, until=until, deadline=deadline
                ),
            )

        if connection.sync_token is not None:
            try:
                return read(connection.sync_token), False
            except SyncTokenGone:
                pass  # expired: read the window whole (below); what it lacks is removed
        return read(None), connection.sync_token is not None

    def _conflicts(
        self, connection: CalendarConnection, blocks: Sequence[BusyBlock], since: datetime, until: datetime
    ) -> int:
        appointments = self._store.active_appointments(connection.organization_id, connection.member_id, since, until)
        # Recorded even when none are found: the member's open conflicts that are gone get resolved.
        untold = self._store.record_conflicts(connection, conflicts(blocks, appointments), self._clock())
        if not untold:
            return 0
        # One notice for this sync's untold conflicts, keyed by them: a sync retried before they
        # are marked sends the same job again, delivered once.
        key = "calendar-conflicts#" + ",".join(sorted(untold))
        self._notices.conflicts_found(connection, untold, key=key)
        self._store.mark_notified(connection, untold, self._clock())
        return len(untold)
