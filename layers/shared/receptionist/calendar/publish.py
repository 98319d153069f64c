"""Ours to theirs: one calendar_outbox row mirrored into one member's calendar (docs/calendar.md).

The job says which appointment and whose calendar; what is written is read now, not from the job:
an appointment active and still that member's => put_event (insert, or bring the event with the
same id to this state); anything else (cancelled, erased, moved to another member) => delete_event.
Both calls are idempotent, so a job delivered twice, or a retry after a crash between the call and
the queue's acknowledgement, leaves one event. Several rows for one appointment converge on its
last state whatever their order.

A member without a connection, or with a broken one, is skipped: nothing can be written (a broken
connection is shown to the owner and told by a staff notice, docs/calendar.md).
An outage raises for the queue to retry with backoff; a revoked grant marks the connection broken."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from receptionist.calendar.breakage import mark_broken
from receptionist.calendar.ports import CalendarStore, StaffNotices
from receptionist.calendar.provider import AccessToken, CalendarProvider, GrantRevoked, event_id_for
from receptionist.calendar.tokens import AccessTokens, with_access_token
from receptionist.deadline import Deadline

PublishOutcome = Literal["put", "deleted", "broken", "skipped"]


@dataclass(frozen=True)
class PublishReport:
    outcome: PublishOutcome

    def counts(self) -> dict[str, str]:
        return {"outcome": self.outcome}


class Publisher:
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

    def publish(self, organization_id: str, appointment_id: str, member_id: str, deadline: Deadline) -> PublishReport:
        connection = self._store.connection_for_member(organization_id, member_id)
        if connection is None or connection.status != "connected":
            return PublishReport("skipped")
        mirror = self._store.mirror(organization_id, appointment_id)
        calendar = connection.calendar_id
        try:
            if mirror is not None and mirror.member_id == member_id:
                event = mirror.event
                self._call(
                    connection.token_ref, deadline, lambda t: self._provider.put_event(t, calendar, event, deadline)
                )
                return PublishReport("put")
            event_id = event_id_for(appointment_id)
            self._call(
                connection.token_ref, deadline, lambda t: self._provider.delete_event(t, calendar, event_id, deadline)
            )
            return PublishReport("deleted")
        except GrantRevoked:
            mark_broken(self._store, self._notices, connection, "grant_revoked", self._clock())
            return PublishReport("broken")

    def _call(self, token_ref: str, deadline: Deadline, call: Callable[[AccessToken], None]) -> None:
        with_access_token(self._tokens, token_ref, deadline, call)
