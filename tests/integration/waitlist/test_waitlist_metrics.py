"""The waitlist's figures (crm.outcomes.waitlist_metrics, docs/waitlist.md "Measured"): offers made
by the pass, fills and the median time from the slot freeing to the accepting tap; one round trip
under row level security; printed by `python -m receptionist.ops.outcomes report`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from waitlist_kit import World

from receptionist.crm import outcomes
from receptionist.ops.outcomes import main


def test_offers_fills_and_time_to_fill(
    world: World, seeded_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = world.business(batch=2)
    first, second, third = (world.customer(shop) for _ in range(3))
    for customer in (first, second, third):
        world.wait(shop, customer)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))
    world.offer_pass().run()
    taken, other = world.offers(shop)
    # The first customer taps "accept" 7 minutes after the slot freed (wl-chat's accept does this).
    world.owner.execute(
        "update waitlist_offers o set status = 'accepted', answered_at = op.created_at + interval '7 minutes'"
        " from waitlist_openings op where op.id = o.opening_id and o.id = %s",
        (taken["id"],),
    )
    world.owner.execute("update waitlist_offers set status = 'declined' where id = %s", (other["id"],))

    since, until = world.clock() - timedelta(days=1), world.clock() + timedelta(days=1)
    before = world.app.round_trips
    metrics = outcomes.waitlist_metrics(world.app, shop.id, since, until)
    assert world.app.round_trips - before <= 3  # the statement (and the tenant's transaction around it)
    assert (metrics.offers, metrics.fills, metrics.declined, metrics.slots_offered) == (2, 1, 1, 1)
    assert metrics.median_seconds_to_fill == 7 * 60 and metrics.fill_rate == 1.0
    assert outcomes.waitlist_metrics(world.app, shop.id, until, until + timedelta(days=1)).offers == 0

    monkeypatch.setenv("DATABASE_URL", seeded_url)
    day = world.clock().date().isoformat()
    assert main(["report", "--org", shop.id, "--since", day, "--until", day]) == 0
    out = capsys.readouterr().out
    assert (
        "waitlist: offers 2 for 1 freed slots, filled 1 (100.0% of the slots)" in out
        and "median time to fill 7 min" in out
    )
    assert first.phone not in out
    assert main(["report", "--org", shop.id, "--since", day, "--until", day, "--json"]) == 0
    [figures] = json.loads(capsys.readouterr().out)
    assert figures["waitlist"]["fills"] == 1 and figures["waitlist"]["median_seconds_to_fill"] == 420
