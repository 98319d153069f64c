"""The notifier's port on the real CRM (adapters.delivery_crm): an offer's row marked sent by the
delivery, failed by a later delivery status, found from Gupshup's message id."""

from __future__ import annotations

from datetime import timedelta

from waitlist_kit import World

from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.crm import chats


def test_the_notifier_marks_an_offer_sent_then_failed_from_its_delivery_status(world: World) -> None:
    shop = world.business()
    lucia = world.customer(shop)
    world.wait(shop, lucia)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))
    world.offer_pass().run()
    [offer] = world.offers(shop)
    ref = f"waitlist:{offer['id']}"
    crm = DeliveryCrm(world.app)
    with crm.acting_for(shop.id):
        identity = crm.identity(shop.id, lucia.phone)
        assert identity is not None
        row = chats.record_outbound(world.app, shop.id, identity.id, text="¿Lo quieres?", turn_id=f"offer#{ref}",
                                    part_index=0)  # fmt: skip
        chats.mark_sent(world.app, shop.id, row, "gs-offer-1")
        crm.mark_offer(shop.id, ref, "sent")
        assert crm.offer_of_message(shop.id, "gs-offer-1") == ref
        assert crm.offer_of_message(shop.id, "gs-unknown") is None
    [sent] = world.offers(shop)
    assert sent["status"] == "sent"

    with crm.acting_for(shop.id):
        crm.mark_offer(shop.id, ref, "failed", "delivery: 1002")
    [failed] = world.offers(shop)
    assert (failed["status"], failed["last_error"]) == ("failed", "delivery: 1002")
