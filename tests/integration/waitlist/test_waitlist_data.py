"""Data access the assistant's tools and the console build on (crm.waitlist, crm.settings.waitlist):
one waiting entry per contact + service + overlapping days, withdrawing, the settings with their
defaults and bounds, all under row level security."""

from __future__ import annotations

from datetime import timedelta

import pytest
from waitlist_kit import World

from receptionist.crm import waitlist
from receptionist.crm.connection import Database
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.waitlist import WaitlistSettings, save_waitlist_settings, waitlist_settings


def test_joining_again_for_overlapping_days_updates_the_entry(world: World) -> None:
    shop, elsewhere = world.business(), world.business()
    lucia = world.customer(shop)
    day = world.clock().date()
    db = world.app
    with db.acting_for(shop.id):
        first = waitlist.add_entry(db, shop.id, lucia.contact, shop.service, day, day + timedelta(days=2))
        again = waitlist.add_entry(
            db, shop.id, lucia.contact, shop.service, day + timedelta(days=1), day + timedelta(days=5), "evening",
            member_id=shop.member,
        )  # fmt: skip
        later = waitlist.add_entry(
            db, shop.id, lucia.contact, shop.service, day + timedelta(days=9), day + timedelta(10)
        )
        assert again.id == first.id and again.created_at == first.created_at  # keeps its place in the order
        assert (again.first_day, again.last_day, again.day_part, again.member_id) == (
            day + timedelta(days=1), day + timedelta(days=5), "evening", shop.member,
        )  # fmt: skip
        assert later.id != first.id
        assert [e.id for e in waitlist.list_entries(db, shop.id)] == [first.id, later.id]
        assert waitlist.withdraw_entry(db, shop.id, later.id) and not waitlist.withdraw_entry(db, shop.id, later.id)
        assert waitlist.withdraw_for_contact(db, shop.id, lucia.contact, shop.service) == 1
        assert waitlist.entries_for_contact(db, shop.id, lucia.contact) == []
    with db.acting_for(elsewhere.id):  # another business sees none of it
        assert waitlist.get_entry(db, elsewhere.id, first.id) is None
        assert waitlist.list_entries(db, elsewhere.id, ("waiting", "withdrawn")) == []


def test_the_settings_have_defaults_and_refuse_what_the_table_refuses(world: World, console_url: str) -> None:
    shop = world.business()
    world.owner.execute("delete from waitlist_settings where organization_id = %s", (shop.id,))
    console = Database(console_url)
    try:
        with console.acting_for(shop.id):
            assert waitlist_settings(console, shop.id) == WaitlistSettings()
            chosen = WaitlistSettings(False, 45, 2, "hueco_libre", ["customer_name", "when"])
            save_waitlist_settings(console, shop.id, chosen)
            assert waitlist_settings(console, shop.id) == chosen
            with pytest.raises(InvalidSetting):
                save_waitlist_settings(console, shop.id, WaitlistSettings(offer_minutes=2))
            assert waitlist_settings(console, shop.id) == chosen
    finally:
        console.close()
