"""Exactly once under crashes and failures: a pass that dies between claim and send, or between
send and mark, loses nothing and the customer gets the offer once; a failing offer is tried again
and given up after its tries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from waitlist_kit import FlakyQueue, World

from receptionist.crm import waitlist_offers


class _CrashingQueue:
    """The pass dies while sending: before the message reaches SQS, or right after."""

    def __init__(self, world: World, *, after_send: bool) -> None:
        self.real, self.after_send = world.queue(), after_send

    def send(self, message: Any, *, group: str, dedup_id: str) -> str:
        if self.after_send:
            self.real.send(message, group=group, dedup_id=dedup_id)
        raise RuntimeError("the process died here")


@pytest.mark.parametrize("after_send", [False, True], ids=["claim_to_send", "send_to_mark"])
def test_a_pass_that_dies_after_its_claim_loses_nothing_and_offers_once(world: World, after_send: bool) -> None:
    shop = world.business(batch=1)
    lucia, next_in_line = world.customer(shop), world.customer(shop)
    world.wait(shop, lucia)
    world.wait(shop, next_in_line)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))

    crashed = world.offer_pass(_CrashingQueue(world, after_send=after_send)).run()
    assert (crashed.claimed, crashed.queued, crashed.failed) == (1, 0, 1)
    [offer] = world.offers(shop)
    assert (offer["status"], offer["attempts"]) == ("claimed", 1)

    # Right away, the claim is younger than stale_after: its own pass may still send it; and it
    # holds the batch's place: nobody else is offered the slot meanwhile.
    assert world.offer_pass().run().requeued == 0
    world.clock.advance(minutes=2)
    healed = world.offer_pass().run()
    assert healed.requeued == 1 and healed.claimed == 0
    world.clock.advance(minutes=2)
    assert world.offer_pass().run().requeued == 0

    [offer] = world.offers(shop)
    assert offer["status"] == "queued"
    # The same job id both times: SQS drops the copy (and the notifier delivers a job id once).
    assert [j.job_id for j in world.jobs(shop)] == [f"offer#waitlist:{offer['id']}"]


def test_a_pass_that_dies_marking_it_queued_sends_it_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = world.business()
    lucia = world.customer(shop)
    world.wait(shop, lucia)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))
    real_mark = waitlist_offers.mark_offer

    def dies_marking(db: Any, org: str, offer_id: str, status: str, reason: str | None = None) -> bool:
        if status == "queued":
            raise ConnectionError("the database went away")
        return real_mark(db, org, offer_id, status, reason)  # type: ignore[arg-type]

    monkeypatch.setattr(waitlist_offers, "mark_offer", dies_marking)
    crashed = world.offer_pass().run()
    assert (crashed.claimed, crashed.queued, crashed.failed) == (1, 0, 1)
    monkeypatch.setattr(waitlist_offers, "mark_offer", real_mark)

    world.clock.advance(minutes=2)
    assert world.offer_pass().run().requeued == 1
    [offer] = world.offers(shop)
    assert offer["status"] == "queued" and offer["last_error"].startswith("mark: ConnectionError")
    assert [j.job_id for j in world.jobs(shop)] == [f"offer#waitlist:{offer['id']}"]


def test_an_offer_the_queue_keeps_refusing_is_given_up_and_its_slot_goes_on(world: World) -> None:
    shop = world.business(batch=1, offer_minutes=60)
    lucia, next_in_line = world.customer(shop), world.customer(shop)
    world.wait(shop, lucia)
    second = world.wait(shop, next_in_line)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))
    down = FlakyQueue(world.queue(), lambda: True)

    reports = []
    for _ in range(5):
        reports.append(world.offer_pass(down).run())
        world.clock.advance(minutes=2)
    # At its fifth try Lucía's offer is given up, which frees its place in the batch: the next in
    # line is offered the slot in the same pass (and fails too, the queue still down).
    assert [r.failed for r in reports] == [1, 1, 1, 1, 2] and reports[-1].given_up == 1
    first, retried = world.offers(shop)
    assert first["status"] == "failed" and first["attempts"] == 5 and first["last_error"].startswith("send:")
    assert (retried["entry_id"], retried["status"]) == (second.id, "claimed")

    # The queue is back: the next in line's claim is re-sent (the slot is still theirs to take).
    assert world.offer_pass().run().requeued == 1
    assert [o["status"] for o in world.offers(shop)] == ["failed", "queued"]
    assert [j.offer_ref for j in world.jobs(shop)] == [f"waitlist:{retried['id']}"]
