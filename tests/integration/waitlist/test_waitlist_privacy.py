"""The customer's waiting-list entries and offers reach the export (the document and the vault's
record), never another customer's, and never the buttons' token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from waitlist_kit import World

from receptionist.crm.connection import Database
from receptionist.crm.export import CrmCustomerData
from receptionist.privacy.export_document import CustomerExport


def test_the_export_carries_the_customer_s_entries_and_offers(world: World, console_url: str) -> None:
    shop = world.business(batch=2)
    lucia, other = world.customer(shop), world.customer(shop)
    mine = world.wait(shop, lucia, day_part="any")
    world.wait(shop, other)
    world.freed_slot(shop, world.clock() + timedelta(hours=5))
    world.offer_pass().run()
    offered = next(o for o in world.offers(shop) if o["entry_id"] == mine.id)

    console = Database(console_url)  # the console's role exports (row level security)
    try:
        records = CrmCustomerData(console).records(shop.id, lucia.phone)
    finally:
        console.close()
    assert records is not None
    [entry] = records.waitlist
    assert (entry.id, entry.service, entry.member, entry.status) == (mine.id, "Limpieza", None, "waiting")
    [offer] = entry.offers
    assert (offer.starts_at, offer.member, offer.status) == (offered["starts_at"], "Ana", "queued")
    document = CustomerExport(
        exported_at=datetime.now(UTC),
        business=records.business,
        conversation=records.conversation,
        contacts=records.contacts,
        consent=records.consent,
        appointments=records.appointments,
        messages=records.messages,
        escalations=records.escalations,
        assistant_summary=records.assistant_summary,
        media=[],
        waitlist=records.waitlist,
    ).model_dump_json()
    assert offered["token"] not in document and other.phone not in document

    vault = world.owner.fetch_one("select public.privacy_customer_record(%s, %s) as r", (shop.id, lucia.phone))
    assert vault is not None
    [kept] = vault["r"]["waitlist"]
    assert kept["id"] == mine.id and [o["status"] for o in kept["offers"]] == ["queued"]
    assert "token" not in kept["offers"][0]
