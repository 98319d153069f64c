"""Where freed slots come from: the appointments' trigger (cancelled, moved: the old interval,
deleted) and the calendar sync's busy blocks that went away (old minus new), only while someone
in the business is waiting; and a freed busy block offered like a cancellation."""

from __future__ import annotations

import uuid
from datetime import timedelta

from waitlist_kit import World

from receptionist.crm import calendar_busy, calendar_connections


def test_a_cancelled_moved_or_deleted_appointment_frees_its_old_interval(world: World) -> None:
    shop = world.business()
    waiting, other = world.customer(shop), world.customer(shop)
    world.wait(shop, waiting)
    at = world.clock() + timedelta(days=1)
    cancelled, moved, deleted, kept = (world.appointment(shop, other, at + timedelta(hours=h)) for h in (0, 2, 4, 6))

    world.cancel(cancelled)
    world.owner.execute(
        "update appointments set starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day'"
        " where id = %s",
        (moved,),
    )
    world.owner.execute("delete from appointments where id = %s", (deleted,))
    world.owner.execute("update appointments set status = 'confirmed' where id = %s", (kept,))  # frees nothing

    assert [(o["starts_at"], o["ends_at"] - o["starts_at"], o["reason"]) for o in world.openings(shop)] == [
        (at, timedelta(minutes=30), "cancelled"),
        (at + timedelta(hours=2), timedelta(minutes=30), "moved"),
        (at + timedelta(hours=4), timedelta(minutes=30), "deleted"),
    ]
    assert {o["member_id"] for o in world.openings(shop)} == {shop.member}


def test_nothing_is_noted_while_nobody_waits_or_for_what_was_not_active(world: World) -> None:
    shop = world.business()
    customer = world.customer(shop)
    at = world.clock() + timedelta(days=1)
    world.cancel(world.appointment(shop, customer, at))  # nobody is waiting yet
    world.wait(shop, customer)
    already = world.appointment(shop, customer, at + timedelta(hours=1))
    world.cancel(already)
    world.owner.execute(
        "update appointments set starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour'"
        " where id = %s",
        (already,),
    )
    assert [o["reason"] for o in world.openings(shop)] == ["cancelled"]


def test_a_busy_block_that_went_away_frees_old_minus_new_and_is_offered(world: World) -> None:
    shop = world.business()
    waiting = world.customer(shop)
    world.wait(shop, waiting)
    at = world.clock() + timedelta(days=1)
    connection = calendar_connections.connect(  # the console connects it
        world.owner,
        shop.id,
        shop.member,
        connection_id=str(uuid.uuid4()),
        token_ref="/receptionist/test/calendar/tokens/x",
        account="ana@example.com",
        created_by="owner@example.com",
    )
    with world.app.acting_for(shop.id):  # the calendar function's sync, as the functions' role
        # A two-hour meeting in the member's calendar, then shortened to its first hour.
        calendar_busy.replace_blocks(
            world.app, shop.id, connection.id, shop.member, [("m", at, at + timedelta(hours=2))]
        )
        assert world.openings(shop) == []
        calendar_busy.replace_blocks(
            world.app, shop.id, connection.id, shop.member, [("m", at, at + timedelta(hours=1))]
        )
    [opening] = world.openings(shop)
    assert (opening["starts_at"], opening["ends_at"], opening["reason"]) == (
        at + timedelta(hours=1),
        at + timedelta(hours=2),
        "busy_removed",
    )

    world.offer_pass().run()
    [offer] = world.offers(shop)
    assert offer["starts_at"] == at + timedelta(hours=1) and offer["status"] == "queued"
