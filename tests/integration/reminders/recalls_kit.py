"""What the recall tests share: businesses that send recalls, customers with a completed visit,
on the reminders' `world` (a real PostgreSQL and a moto SQS FIFO queue).

Each test takes its own moment (`moment()`), far from any other recall test's (days of year 2400
to 7800): the due function looks at every business, and only due days within its catch-up window
count, so tests never see each other's customers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reminders_kit import World

from receptionist.crm import chats, consent

INTERVAL = 30  # days: a short interval keeps every test's dates close together
TEMPLATE = "vuelve_revision"


def moment() -> datetime:
    """Noon UTC of a day of its own."""
    return datetime(2400, 1, 3, 12, tzinfo=UTC) + timedelta(days=random.randrange(2_000_000))


@dataclass
class Shop:
    id: str
    app: str
    service: str
    member: str


def recall_shop(
    world: World,
    *,
    enabled: bool = True,
    category: str = "MARKETING",
    timezone: str = "UTC",
    interval: int | None = INTERVAL,
    language: str = "es",
) -> Shop:
    """A business with one service recalled every `interval` days and an approved marketing
    template "Hola {{1}}, ya toca tu {{2}}." with the buttons Reservar / No, gracias."""
    business = world.business(template=None, timezone=timezone)
    world.owner.execute(
        "update agent_settings set recalls_enabled = %s, recall_template_id = %s, language = %s"
        " where organization_id = %s",
        (enabled, TEMPLATE, language, business.id),
    )
    world.owner.execute(
        "insert into message_templates (organization_id, template_id, label, body, param_count, category, buttons)"
        " values (%s, %s, 'Revisión', 'Hola {{1}}, ya toca tu {{2}}.', 2, %s,"
        ' \'[{"type": "QUICK_REPLY", "text": "Reservar"}, {"type": "QUICK_REPLY", "text": "No, gracias"}]\')',
        (business.id, TEMPLATE, category),
    )
    world.owner.execute("update services set recall_interval_days = %s where id = %s", (interval, business.service))
    return Shop(business.id, business.app, business.service, business.member)


def customer(
    world: World,
    shop: Shop,
    visited: datetime,
    *,
    marketing: bool = True,
    opted_out: bool = False,
    status: str = "completed",
    name: str = "Lucía",
    service: str | None = None,
) -> dict[str, str]:
    """A customer who wrote on WhatsApp, with an appointment at `visited` (completed by default)
    and marketing consent recorded at the front desk unless told otherwise."""
    phone = f"3462{random.randrange(10**7, 10**8)}"
    contact = world.owner.fetch_one(
        "insert into contacts (organization_id, name, phone) values (%s, %s, %s) returning id::text",
        (shop.id, name, phone),
    )
    assert contact
    wrote = visited - timedelta(days=2)
    identity = chats.touch_identity(world.owner, shop.id, phone, name, wrote)
    chats.link_contact(world.owner, shop.id, identity.id, contact["id"])
    if marketing:
        consent.record_at_front_desk(
            world.owner,
            shop.id,
            "marketing",
            "granted",
            actor="staff:ana@example.com",
            at=wrote,
            identity_id=identity.id,
        )
    if opted_out:
        consent.opt_out(world.owner, shop.id, identity.id, at=wrote, source="gupshup", reference="opted-out")
    appointment = add_appointment(world, shop, contact["id"], visited, status=status, service=service)
    return {"contact": contact["id"], "phone": phone, "identity": identity.id, "appointment": appointment}


def add_appointment(
    world: World,
    shop: Shop,
    contact: str,
    starts: datetime,
    *,
    status: str = "completed",
    service: str | None = None,
    created: datetime | None = None,
) -> str:
    row = world.owner.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status,"
        " created_at) values (%s, %s, %s, %s, %s, %s, %s, %s) returning id::text",
        (
            shop.id,
            contact,
            service or shop.service,
            shop.member,
            starts,
            starts + timedelta(minutes=30),
            status,
            created or starts - timedelta(days=7),
        ),
    )
    assert row
    return str(row["id"])


def open_hours(world: World, shop: Shop, weekday_hours: dict[int, tuple[str, str]]) -> None:
    """The business's own opening hours (ISO weekday -> (starts, ends))."""
    for weekday, (starts, ends) in weekday_hours.items():
        world.owner.execute(
            "insert into opening_hours (organization_id, weekday, starts, ends) values (%s, %s, %s, %s)",
            (shop.id, weekday, starts, ends),
        )


def recalls_of(world: World, shop: Shop) -> list[dict[str, Any]]:
    return world.owner.fetch_all(
        "select id::text, contact_id::text, service_id::text, due_on, token, status, skip_reason, answer, attempts,"
        " last_error, booked_appointment_id::text, queued_at, sent_at from recalls where organization_id = %s"
        " order by created_at, id",
        (shop.id,),
    )


def new_service(world: World, shop: Shop, name: str, interval: int | None) -> str:
    row = world.owner.fetch_one(
        "insert into services (organization_id, name, duration_minutes, price_cents, recall_interval_days)"
        " values (%s, %s, 30, 0, %s) returning id::text",
        (shop.id, name, interval),
    )
    assert row
    return str(row["id"])


__all__ = ["INTERVAL", "TEMPLATE", "Shop", "add_appointment", "customer", "moment", "new_service", "recall_shop"]
