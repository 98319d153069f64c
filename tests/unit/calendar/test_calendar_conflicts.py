"""External events over our appointments: half-open overlaps, checked by example and against a
brute-force oracle."""

from __future__ import annotations

from datetime import timedelta

from busy_kit import utc
from hypothesis import given, settings
from hypothesis import strategies as st

from receptionist.calendar.busy import BusyBlock
from receptionist.calendar.conflicts import BookedTime, Conflict, conflicts

T0 = utc(2026, 12, 9, 8)


def block(event_id: str, start: int, end: int) -> BusyBlock:
    return BusyBlock(T0 + timedelta(minutes=start), T0 + timedelta(minutes=end), event_id)


def booked(appointment_id: str, start: int, end: int) -> BookedTime:
    return BookedTime(appointment_id, T0 + timedelta(minutes=start), T0 + timedelta(minutes=end))


def test_touching_intervals_do_not_conflict() -> None:
    appointment = booked("a", 60, 90)

    assert conflicts([block("before", 0, 60), block("after", 90, 120)], [appointment]) == []


def test_partial_overlaps_and_containment_either_way_conflict_with_the_events_own_times() -> None:
    found = conflicts(
        [
            block("starts-inside", 80, 150),
            block("covers", 0, 600),
            block("inside", 65, 70),
            block("ends-inside", 30, 61),
        ],
        [booked("a", 60, 90)],
    )

    assert found == [
        Conflict("a", "covers", T0, T0 + timedelta(minutes=600)),
        Conflict("a", "ends-inside", T0 + timedelta(minutes=30), T0 + timedelta(minutes=61)),
        Conflict("a", "inside", T0 + timedelta(minutes=65), T0 + timedelta(minutes=70)),
        Conflict("a", "starts-inside", T0 + timedelta(minutes=80), T0 + timedelta(minutes=150)),
    ]


def test_a_long_event_reaches_appointments_after_shorter_ones_have_ended() -> None:
    # A sweep that dropped events from the front by start alone would lose "day" for the later ones.
    events = [block("day", 0, 600), block("short", 10, 20)]
    appointments = [booked("a", 30, 60), booked("b", 300, 330), booked("c", 600, 630)]

    assert [(c.appointment_id, c.event_id) for c in conflicts(events, appointments)] == [("a", "day"), ("b", "day")]


def test_empty_intervals_conflict_with_nothing() -> None:
    assert conflicts([block("empty", 70, 70)], [booked("a", 60, 90)]) == []
    assert conflicts([block("e", 0, 120)], [booked("empty", 60, 60)]) == []


spans = st.tuples(st.integers(0, 200), st.integers(0, 60)).map(lambda s: (s[0], s[0] + s[1]))


@settings(max_examples=200, deadline=None)
@given(st.lists(spans, max_size=12), st.lists(spans, max_size=12))
def test_the_sweep_finds_exactly_the_overlapping_pairs(
    events: list[tuple[int, int]], appointments: list[tuple[int, int]]
) -> None:
    blocks = [block(f"e{i}", *span) for i, span in enumerate(events)]
    booked_times = [booked(f"a{i}", *span) for i, span in enumerate(appointments)]

    oracle = {
        (a.appointment_id, b.event_id)
        for a in booked_times
        for b in blocks
        if max(a.start, b.start) < min(a.end, b.end)
    }

    found = conflicts(blocks, booked_times)
    assert {(c.appointment_id, c.event_id) for c in found} == oracle
    assert len(found) == len(oracle)
