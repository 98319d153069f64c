"""A reminder is sent only with a template Gupshup lists as approved: one whose template was paused,
rejected or deleted in Gupshup since the owner chose it is skipped (no_template), and reminders go
out again once the sync reads it approved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from reminders_kit import World

from receptionist.crm.connection import Database
from receptionist.reminders.service import ReminderPass

DAY = timedelta(days=1)


@pytest.mark.parametrize(
    "change",
    [
        "update message_templates set status = 'PAUSED' where organization_id = %s",
        "update message_templates set status = 'REJECTED', rejected_reason = 'x' where organization_id = %s",
        "update message_templates set removed_at = now() where organization_id = %s",
    ],
)
def test_a_reminder_whose_template_is_no_longer_approved_is_skipped(world: World, change: str) -> None:
    shop = world.business()
    world.appointment(shop, world.at + DAY)
    world.owner.execute(change, (shop.id,))
    db = Database(world.app_url)
    try:
        report = ReminderPass(db, world.queue()).run(world.at, DAY)
        assert (report.claimed, report.queued, report.skipped) == (1, 0, 1)
        assert [r["status"] for r in world.reminders(shop)] == ["skipped"]
        skipped = world.owner.fetch_one(
            "select skip_reason from appointment_reminders where organization_id = %s", (shop.id,)
        )
        assert skipped == {"skip_reason": "no_template"} and world.jobs() == []

        world.owner.execute(
            "update message_templates set status = 'APPROVED', rejected_reason = null, removed_at = null"
            " where organization_id = %s",
            (shop.id,),
        )
        world.appointment(shop, world.at + DAY + timedelta(hours=1))
        assert ReminderPass(db, world.queue()).run(world.at + timedelta(hours=1), DAY).queued == 1
        assert [j.template_id for j in world.jobs()] == ["recordatorio_cita"]
    finally:
        db.close()
