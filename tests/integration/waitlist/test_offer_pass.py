"""The offer pass against a real PostgreSQL and a moto SQS FIFO queue: freed slots offered in the
order of asking, claimed once, as session buttons or the utility template, expiring in time."""

from __future__ import annotations

from datetime import timedelta

from waitlist_kit import World

from receptionist.crm import waitlist
from receptionist.reminders.waitlist_jobs import postback_text


def test_a_cancelled_slot_is_offered_to_the_first_waiting_in_the_order_they_asked(world: World) -> None:
    shop = world.business(batch=2)
    first, second, third = (world.customer(shop) for _ in range(3))
    entries = [world.wait(shop, c) for c in (first, second, third)]
    slot = world.clock() + timedelta(hours=5)
    world.freed_slot(shop, slot)

    report = world.offer_pass().run()

    offers = world.offers(shop)
    # The batch: the first two to ask (claimed in one transaction, so listed in no particular order).
    assert sorted(o["entry_id"] for o in offers) == sorted([entries[0].id, entries[1].id])
    assert all(o["status"] == "queued" and o["starts_at"] == slot for o in offers)
    assert report.claimed >= 2 and report.queued >= 2
    jobs = world.jobs(shop)
    assert sorted(j.conversation for j in jobs) == sorted(f"{shop.app}#{c.phone}" for c in (first, second))
    for job in jobs:  # inside the 24-hour window: a session message with two buttons carrying the token
        offer = next(o for o in offers if job.offer_ref == f"waitlist:{o['id']}")
        assert job.template_id is None and job.text
        assert [c.id for c in job.choices] == [postback_text(offer["token"], a) for a in ("accept", "decline")]
        assert job.job_id == f"offer#waitlist:{offer['id']}"
    # The opening stays while its offers are live: nobody else is offered it meanwhile.
    world.offer_pass().run()
    assert len(world.offers(shop)) == 2 and world.jobs(shop) == []


def test_the_session_offer_is_in_the_customers_language(world: World) -> None:
    shop = world.business()  # a Spanish business
    customer = world.customer(shop)
    world.owner.execute(
        "update chat_identities set language = 'en', language_source = 'staff', language_set_at = now()"
        " where organization_id = %s and customer_number = %s",
        (shop.id, customer.phone),
    )
    world.wait(shop, customer)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))

    world.offer_pass().run()

    (job,) = world.jobs(shop)
    assert (job.text or "").startswith("Hi Lucía! A slot you were waiting for has opened:")
    assert [c.title for c in job.choices] == ["I'll take it", "No, thanks"]


def test_outside_the_window_the_approved_utility_template_and_without_one_nothing(world: World) -> None:
    shop, bare = world.business(), world.business(template=None)
    quiet = world.customer(shop, wrote_ago=timedelta(days=3))
    quiet_elsewhere = world.customer(bare, wrote_ago=timedelta(days=3))
    world.wait(shop, quiet)
    world.wait(bare, quiet_elsewhere)
    slot = world.clock() + timedelta(hours=6)
    world.freed_slot(shop, slot)
    world.freed_slot(bare, slot)

    world.offer_pass().run()

    [job] = world.jobs(shop)
    assert job.template_id == "hueco_libre" and job.choices == []
    [offer] = world.offers(shop)
    assert job.postbacks == [postback_text(offer["token"], a) for a in ("accept", "decline")]
    assert job.params[1] == "Limpieza" and "Limpieza" in (job.text or "")
    assert world.jobs(bare) == []
    [skipped] = world.offers(bare)
    assert (skipped["status"], skipped["skip_reason"]) == ("skipped", "no_template")


def test_a_template_not_of_the_utility_category_is_not_used(world: World) -> None:
    shop = world.business(category="MARKETING")
    quiet = world.customer(shop, wrote_ago=timedelta(days=2))
    world.wait(shop, quiet)
    world.freed_slot(shop, world.clock() + timedelta(hours=6))
    world.offer_pass().run()
    assert world.jobs(shop) == []
    assert [(o["status"], o["skip_reason"]) for o in world.offers(shop)] == [("skipped", "no_template")]


def test_nobody_is_offered_the_same_slot_twice(world: World) -> None:
    shop = world.business(batch=1, offer_minutes=10)
    lucia = world.customer(shop)
    world.wait(shop, lucia)
    slot = world.clock() + timedelta(hours=5)
    world.freed_slot(shop, slot)
    world.offer_pass().run()
    # Her offer expires; the same interval frees again (another cancellation at that time).
    world.clock.advance(minutes=11)
    world.freed_slot(shop, slot)
    world.offer_pass().run()
    world.offer_pass().run()
    offers = world.offers(shop)
    assert [(o["starts_at"], o["status"]) for o in offers] == [(slot, "expired")]
    assert len(world.jobs(shop)) == 1


def test_an_offer_expires_and_the_slot_goes_to_the_next_in_line(world: World) -> None:
    shop = world.business(batch=1, offer_minutes=15)
    first, second = world.customer(shop), world.customer(shop)
    one, two = world.wait(shop, first), world.wait(shop, second)
    world.freed_slot(shop, world.clock() + timedelta(hours=4))

    world.offer_pass().run()
    [offer] = world.offers(shop)
    assert offer["entry_id"] == one.id and offer["expires_at"] == world.clock() + timedelta(minutes=15)

    world.clock.advance(minutes=14)
    world.offer_pass().run()
    assert len(world.offers(shop)) == 1  # not yet

    world.clock.advance(minutes=1)
    report = world.offer_pass().run()
    assert report.expired_offers >= 1
    assert [(o["entry_id"], o["status"]) for o in world.offers(shop)] == [(one.id, "expired"), (two.id, "queued")]
    assert [j.conversation for j in world.jobs(shop)] == [f"{shop.app}#{first.phone}", f"{shop.app}#{second.phone}"]


def test_an_offer_never_runs_into_the_business_s_lead_time(world: World) -> None:
    shop = world.business(offer_minutes=45, lead_minutes=60)
    lucia = world.customer(shop)
    world.wait(shop, lucia)
    soon = world.clock() + timedelta(minutes=90)  # bookable until 30 minutes from now (less than 45)
    world.freed_slot(shop, soon)
    world.offer_pass().run()
    [offer] = world.offers(shop)
    assert offer["expires_at"] == soon - timedelta(minutes=60)


def test_a_slot_too_close_to_offer_is_not_offered_and_its_opening_is_done(world: World) -> None:
    shop = world.business(lead_minutes=57)
    lucia = world.customer(shop)
    world.wait(shop, lucia)
    # Its one slot (15 minutes freed, the grid's step) is bookable 3 more minutes: less than 5 to offer it.
    world.freed_slot(shop, world.clock() + timedelta(minutes=60), minutes=15)
    world.offer_pass().run()
    assert world.offers(shop) == []
    assert [o["processed_at"] is not None for o in world.openings(shop)] == [True]


def test_a_slot_taken_meanwhile_is_not_offered(world: World) -> None:
    shop = world.business()
    lucia, walk_in = world.customer(shop), world.customer(shop)
    world.wait(shop, lucia)
    slot = world.clock() + timedelta(hours=5)
    world.freed_slot(shop, slot)
    world.appointment(shop, walk_in, slot)  # staff booked it before the pass ran
    world.offer_pass().run()
    assert world.offers(shop) == []
    assert [o["processed_at"] is not None for o in world.openings(shop)] == [True]


def test_only_entries_that_fit_are_offered(world: World) -> None:
    shop = world.business()
    morning, evening, later, done = (world.customer(shop) for _ in range(4))
    today = world.clock().date()
    world.wait(shop, morning, day_part="morning")
    fits = world.wait(shop, evening, day_part="evening")
    world.wait(shop, later, first=today + timedelta(days=2), last=today + timedelta(days=3))
    gone = world.wait(shop, done)
    with world.app.acting_for(shop.id):
        assert waitlist.withdraw_entry(world.app, shop.id, gone.id)
    evening_slot = world.clock().replace(hour=19, minute=0) + timedelta(days=1 if world.clock().hour >= 17 else 0)
    world.wait(shop, evening, first=evening_slot.date(), last=evening_slot.date(), day_part="evening")
    world.freed_slot(shop, evening_slot)
    world.offer_pass().run()
    assert [o["entry_id"] for o in world.offers(shop)] == [fits.id]


def test_an_entry_whose_days_passed_expires(world: World) -> None:
    shop = world.business()
    lucia = world.customer(shop)
    today = world.clock().date()
    entry = world.wait(shop, lucia, first=today, last=today)
    world.clock.advance(days=1)
    world.offer_pass().run()
    with world.app.acting_for(shop.id):
        after = waitlist.get_entry(world.app, shop.id, entry.id)
    assert after is not None and after.status == "expired"


def test_a_customer_past_the_no_show_policy_is_not_offered_the_slot(world: World) -> None:
    """An offer is booked by a tap, without staff: past the limit (a clinic's default, 2 in 6
    months) the customer keeps their place but is passed over; the next in line gets the slot."""
    shop = world.business(batch=1)
    missed, punctual = world.customer(shop), world.customer(shop)
    for days in (20, 40):
        done = world.appointment(shop, missed, world.clock() - timedelta(days=days))
        world.owner.execute("update appointments set status = 'no_show' where id = %s", (done,))
    world.wait(shop, missed)
    second = world.wait(shop, punctual)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))

    world.offer_pass().run()

    assert [o["entry_id"] for o in world.offers(shop)] == [second.id]


def test_outside_the_window_the_utility_template_of_the_customer_s_language(world: World) -> None:
    shop = world.business()
    world.owner.execute(
        "insert into message_templates (organization_id, template_id, label, body, param_count, language, category)"
        " values (%s, 'vaga_pt', 'Vaga', 'Olá {{1}}, abriu uma vaga de {{2}} em {{3}}.', 3, 'pt_BR', 'UTILITY')",
        (shop.id,),
    )
    world.owner.execute(
        "insert into template_choices (organization_id, purpose, language, template_id, template_params)"
        " values (%s, 'waitlist', 'pt_BR', 'vaga_pt', '{customer_name,service,when}')",
        (shop.id,),
    )
    brazilian, unknown = world.customer(shop, wrote_ago=timedelta(days=3)), world.customer(shop, wrote_ago=None)
    world.owner.execute(
        "update chat_identities set language = 'pt_BR', language_source = 'staff', language_set_at = now()"
        " where organization_id = %s and customer_number = %s",
        (shop.id, brazilian.phone),
    )
    world.wait(shop, brazilian)
    world.wait(shop, unknown)
    world.freed_slot(shop, world.clock() + timedelta(hours=6))

    world.offer_pass().run()

    sent = {j.conversation.split("#")[1]: j for j in world.jobs(shop)}
    assert sent[brazilian.phone].template_id == "vaga_pt"
    assert (sent[brazilian.phone].text or "").startswith("Olá Lucía, abriu uma vaga de Limpieza em ")
    assert sent[unknown.phone].template_id == "hueco_libre"  # the business's language's template
