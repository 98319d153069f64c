"""Which of a member's appointments an external calendar event now overlaps (pure).

After a sync, every busy block of the member's calendar (busy.py: only events we did not create)
is compared with the member's active appointments; each overlapping pair is a conflict the sync
records once (calendar_conflicts, unique per appointment and event) and tells staff about. Intervals
are half-open: an event ending at 10:00 and an appointment starting at 10:00 do not conflict, nor
does an empty interval conflict with anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from receptionist.calendar.busy import BusyBlock


@dataclass(frozen=True)
class BookedTime:
    """An active appointment of the member."""

    appointment_id: str
    start: datetime  # aware
    end: datetime  # aware


@dataclass(frozen=True, order=True)
class Conflict:
    """An external event over an appointment: `start`/`end` are the event's own times (what staff
    look for in their calendar; the appointment's are on the appointment)."""

    appointment_id: str
    event_id: str
    start: datetime
    end: datetime


def conflicts(blocks: Iterable[BusyBlock], appointments: Iterable[BookedTime]) -> list[Conflict]:
    """Every (appointment, event) pair that overlaps, sorted by appointment start then event start.
    A sweep over both lists sorted by start: O((n + m) log(n + m) + pairs found)."""
    events = sorted((b for b in blocks if b.end > b.start), key=lambda b: (b.start, b.end, b.event_id))
    booked = sorted((a for a in appointments if a.end > a.start), key=lambda a: (a.start, a.end, a.appointment_id))
    found: list[Conflict] = []
    # Events are dropped from the front only: one there that ends before this appointment starts
    # ends before every later one does; a long event further on may still reach later appointments.
    first = 0
    for appointment in booked:
        while first < len(events) and events[first].end <= appointment.start:
            first += 1
        for event in events[first:]:
            if event.start >= appointment.end:
                break
            if event.end > appointment.start:
                found.append(Conflict(appointment.appointment_id, event.event_id, event.start, event.end))
    return found
