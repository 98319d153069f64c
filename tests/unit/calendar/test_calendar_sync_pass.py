"""Theirs to ours (receptionist.calendar.sync): a connection's changes become its busy blocks, an
expired sync token means a full resync, a crash before the token is saved is harmless, a revoked
grant breaks the connection once, and an external event over an appointment is told to staff once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from calendar_sync_kit import NOW, Crash, new_id, world

from receptionist.calendar.breakage import notice_key
from receptionist.deadline import Deadline

ORG = new_id()


def test_an_incremental_sync_stores_the_changes_and_the_next_one_starts_from_its_token() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    busy = w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=5), NOW + timedelta(hours=6), transparent=True)

    first = w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    assert (first.outcome, first.changed, first.blocks) == ("synced", 2, 1)
    assert [b.event_id for b in w.store.blocks[conn.id]] == [busy]

    w.provider.person_deletes(conn.calendar_id, busy)
    later = w.provider.person_adds(conn.calendar_id, NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1))
    second = w.sync.run(conn.id, Deadline.never(), organization_id=ORG)

    assert w.provider.change_calls == [None, "s2"]  # the first sync's token, not a full listing
    assert (second.outcome, second.changed) == ("synced", 2)
    assert [b.event_id for b in w.store.blocks[conn.id]] == [later]
    assert w.store.connections[conn.id].sync_token == "s4"


def test_blocks_cover_the_booking_horizon_and_a_day_either_side() -> None:
    w = world(horizon_days=10)
    conn = w.connect(ORG, "m1")
    inside = w.provider.person_adds(
        conn.calendar_id, NOW + timedelta(days=10, hours=12), NOW + timedelta(days=10, hours=13)
    )
    w.provider.person_adds(conn.calendar_id, NOW + timedelta(days=12), NOW + timedelta(days=12, hours=1))
    w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    assert [b.event_id for b in w.store.blocks[conn.id]] == [inside]


def test_an_expired_sync_token_is_answered_by_a_full_resync_that_drops_what_is_gone() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    gone = w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    # Meanwhile the event is removed and the provider forgets every token up to now (410 Gone).
    w.provider.person_deletes(conn.calendar_id, gone)
    kept = w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=8), NOW + timedelta(hours=9))
    w.provider.calendar(conn.calendar_id).expired_before = len(w.provider.calendar(conn.calendar_id).log)

    report = w.sync.run(conn.id, Deadline.never(), organization_id=ORG)

    assert report.outcome == "resynced"
    assert w.provider.change_calls == [None, "s1", None]
    assert set(w.store.events_by[conn.id]) == {kept}
    assert [b.event_id for b in w.store.blocks[conn.id]] == [kept]


def test_a_sync_that_dies_after_storing_events_is_healed_by_the_next_one() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    a = w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    b = w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    w.store.crash_on["replace_busy_blocks"] = 1

    with pytest.raises(Crash):
        w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    # The events and their token are stored together; the blocks are not made yet.
    assert set(w.store.events_by[conn.id]) == {a, b}
    assert w.store.connections[conn.id].sync_token == "s2" and conn.id not in w.store.blocks

    report = w.sync.run(conn.id, Deadline.never(), organization_id=ORG)  # the queue's retry
    assert (report.changed, report.blocks) == (0, 2)  # nothing new to read; the blocks rebuilt whole
    assert sorted(blk.event_id for blk in w.store.blocks[conn.id]) == sorted([a, b])
    assert len(w.store.events_by[conn.id]) == 2


def test_a_sync_that_dies_while_storing_events_reads_the_same_changes_again() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    a = w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    b = w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    w.store.crash_on["store_changes"] = 1

    with pytest.raises(Crash):
        w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    assert w.store.connections[conn.id].sync_token == "s1"  # neither the event nor the token

    w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    assert w.provider.change_calls == [None, "s1", "s1"]
    assert sorted(blk.event_id for blk in w.store.blocks[conn.id]) == sorted([a, b])


def test_a_push_job_is_followed_only_through_the_connection_s_current_channel() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.channels.renew(Deadline.never())
    current = w.store.connections[conn.id].channel
    assert current is not None
    assert w.sync.run(conn.id, Deadline.never(), channel_id=current.id).outcome == "synced"
    stale = f"{conn.id}-{int(NOW.timestamp()) - 86_400}"
    assert w.sync.run(conn.id, Deadline.never(), channel_id=stale).outcome == "skipped"
    other = w.connect(ORG, "m2")
    assert w.sync.run(other.id, Deadline.never(), channel_id=current.id).outcome == "skipped"


def test_a_revoked_grant_breaks_the_connection_and_tells_the_owner_once() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.provider.revoked.add(w.refresh_tokens.get(conn.token_ref))

    assert w.sync.run(conn.id, Deadline.never(), organization_id=ORG).outcome == "broken"
    assert w.store.connections[conn.id].status == "broken"
    assert w.sync.run(conn.id, Deadline.never(), organization_id=ORG).outcome == "skipped"  # broken: not tried again
    assert list(w.notices.delivered) == [notice_key(conn)]


def test_a_crash_between_the_notice_and_marking_broken_resends_the_same_notice() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.provider.revoked.add(w.refresh_tokens.get(conn.token_ref))
    w.store.mark_broken = _crashing_once(w.store.mark_broken)  # type: ignore[method-assign]

    with pytest.raises(Crash):
        w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    w.sync.run(conn.id, Deadline.never(), organization_id=ORG)

    assert w.store.connections[conn.id].status == "broken"
    assert w.notices.sent == [notice_key(conn)] * 2  # sent twice, the same job: delivered once
    assert len(w.notices.delivered) == 1


def _crashing_once(method):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise Crash(method.__name__)
        return method(*args, **kwargs)

    return wrapper


def test_an_outage_raises_for_the_queue_to_retry_and_changes_nothing() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.provider.person_adds(conn.calendar_id, NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    w.provider.down = True
    with pytest.raises(Exception, match=r"refresh|changes"):
        w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    assert w.store.connections[conn.id].status == "connected"
    assert conn.id not in w.store.blocks


def test_an_external_event_over_an_appointment_is_a_conflict_told_to_staff_once() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    appointment = w.store.book(ORG, "m1", NOW + timedelta(days=1), minutes=60)
    clash = w.provider.person_adds(
        conn.calendar_id, NOW + timedelta(days=1, minutes=30), NOW + timedelta(days=1, minutes=90)
    )
    w.provider.person_adds(conn.calendar_id, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=1))

    assert w.sync.run(conn.id, Deadline.never(), organization_id=ORG).conflicts == 1
    assert w.sync.run(conn.id, Deadline.never(), organization_id=ORG).conflicts == 0  # the same conflict: already told

    (recorded,) = w.store.conflicts.values()
    assert (recorded.conflict.appointment_id, recorded.conflict.event_id, recorded.notified) == (
        appointment.id,
        clash,
        True,
    )
    ((kind, told),) = w.notices.delivered.values()
    assert (kind, told) == ("conflicts", [recorded.id])


def test_a_crash_before_conflicts_are_marked_told_resends_the_same_notice() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.store.book(ORG, "m1", NOW + timedelta(days=1), minutes=60)
    w.provider.person_adds(conn.calendar_id, NOW + timedelta(days=1), NOW + timedelta(days=1, minutes=15))
    w.store.crash_on["mark_notified"] = 1

    with pytest.raises(Crash):
        w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    w.sync.run(conn.id, Deadline.never(), organization_id=ORG)

    assert len(w.notices.sent) == 2 and len(set(w.notices.sent)) == 1  # the same job twice: told once
    assert all(c.notified for c in w.store.conflicts.values())


def test_our_own_events_are_not_busy_time_nor_conflicts() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    appointment = w.store.book(ORG, "m1", NOW + timedelta(days=1))
    w.relay.run(Deadline.never())
    w.consume()  # the appointment's event is written to the calendar
    assert [e.appointment_id for e in w.provider.live(conn.calendar_id)] == [appointment.id]

    report = w.sync.run(conn.id, Deadline.never(), organization_id=ORG)
    assert (report.changed, report.blocks, report.conflicts) == (1, 0, 0)


def test_a_conflict_whose_event_goes_is_resolved_and_a_new_event_over_the_appointment_is_told_again() -> None:
    w = world()
    conn = w.connect(ORG, "m1")
    w.store.book(ORG, "m1", NOW + timedelta(days=1), minutes=60)
    clash = w.provider.person_adds(conn.calendar_id, NOW + timedelta(days=1), NOW + timedelta(days=1, minutes=30))
    assert w.sync.run(conn.id, Deadline.never(), organization_id=ORG).conflicts == 1
    w.provider.person_deletes(conn.calendar_id, clash)
    assert w.sync.run(conn.id, Deadline.never(), organization_id=ORG).conflicts == 0
    assert [c.resolved for c in w.store.conflicts.values()] == [True]
    w.provider.person_adds(conn.calendar_id, NOW + timedelta(days=1, minutes=10), NOW + timedelta(days=1, minutes=20))
    assert w.sync.run(conn.id, Deadline.never(), organization_id=ORG).conflicts == 1
    assert len(w.notices.delivered) == 2
