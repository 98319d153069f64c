"""The re-check at the moment a booking or a move is committed (issue 28, point 4): is the
interval still free in the member's own calendar, as the provider computes it now (free/busy)?

The synced busy blocks already removed what the calendar held at the last sync; a guard closes the
window between that sync and the commit. `book` and `reschedule` (crm/appointments.py) call it
only for a member with a connected calendar, after their own checks and before the write:

  "free"     nothing there: book
  "busy"     taken in the calendar meanwhile: refused as "slot_taken"
  "unknown"  no answer in time (an outage, a timeout, no time left in the turn): the synced blocks
             decide (they were already checked) and the fallback is counted (CalendarCheckFallback)
  "broken"   the grant is gone (revoked or expired): the connection is marked broken (the member is
             then offered no slots, crm/availability.py) and the booking is refused. Booking it
             anyway would put an appointment where we cannot see the calendar nor write the event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal, Protocol

from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.provider import CalendarError, CalendarProvider, GrantRevoked
from receptionist.calendar.tokens import AccessTokens
from receptionist.deadline import Deadline, DeadlineExceeded

logger = logging.getLogger(__name__)

Verdict = Literal["free", "busy", "unknown", "broken"]

# At most this long for the whole re-check (token refresh included): the customer is waiting.
CHECK_SECONDS = 3.0


class SlotGuard(Protocol):
    def check(
        self, organization_id: str, member_id: str, start: datetime, end: datetime, deadline: Deadline
    ) -> Verdict:
        """[start, end) (aware) in the member's calendar now, within `deadline`."""
        ...


class ProviderSlotGuard:
    """A SlotGuard on a CalendarProvider's free/busy: the member's connection (`connection_for`),
    an access token (`tokens`, refreshed when needed), one `busy` call; all within
    min(deadline, CHECK_SECONDS). `fallbacks` counts the checks that could not answer ("unknown");
    `on_revoked` marks a connection broken."""

    def __init__(
        self,
        connection_for: Callable[[str, str], CalendarConnection | None],
        tokens: AccessTokens,
        provider: CalendarProvider,
        *,
        on_revoked: Callable[[CalendarConnection], None],
        clock: Callable[[], float] = time.monotonic,
        cap_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._connection_for = connection_for
        self._tokens = tokens
        self._provider = provider
        self._on_revoked = on_revoked
        self._clock = clock
        self._cap = cap_seconds
        self.fallbacks = 0  # checks that answered "unknown" (CalendarCheckFallback)
        self.calls = 0  # free/busy calls made

    def check(
        self, organization_id: str, member_id: str, start: datetime, end: datetime, deadline: Deadline
    ) -> Verdict:
        connection = self._connection_for(organization_id, member_id)
        if connection is None:
            return "free"  # disconnected meanwhile: nothing to check beyond the local rules
        if connection.status != "connected":
            return "broken"
        # One deadline for the whole check, on our clock: the turn's remaining time, at most the cap.
        bound = Deadline.after(min(self._cap, deadline.remaining()), self._clock)
        try:
            bound.check("the calendar re-check")
            token = self._tokens.token_for(connection.token_ref, bound)
            self.calls += 1
            busy = self._provider.busy(token, connection.calendar_id, start, end, bound)
        except GrantRevoked:
            self._tokens.forget(connection.token_ref)
            self._on_revoked(connection)
            logger.warning("calendar grant revoked at a booking's re-check", extra={"connection": connection.id})
            return "broken"
        except (CalendarError, TimeoutError, OSError) as exc:  # DeadlineExceeded is a TimeoutError
            return self._fallback(connection, exc)
        except Exception as exc:  # never a booking lost to the re-check itself (the token store, say)
            return self._fallback(connection, exc)
        return "busy" if any(s < end and e > start for s, e in busy) else "free"

    def _fallback(self, connection: CalendarConnection, exc: Exception) -> Verdict:
        self.fallbacks += 1
        reason = "deadline" if isinstance(exc, DeadlineExceeded) else type(exc).__name__
        logger.warning(
            "calendar re-check fell back to the synced blocks", extra={"connection": connection.id, "reason": reason}
        )
        return "unknown"
