"""What one waitlist offer costs, on the local stack: AWS calls and database round trips (the way
bench/reminders.py measures a reminder).

The demo clinic gets `slots` free slots of its 30-minute service with Dr. Gómez in the coming days
(found by crm.availability, so each is really bookable), each noted as an opening (what the
appointments' trigger writes for a cancellation), and `3 x slots` waiting customers (each with a
conversation, inside the 24-hour window) for those days: with the default batch of 3, every freed
slot is offered to three of them. One offer pass runs in process (`receptionist.reminders.waitlist
.OfferPass`, built by the RemindersFunction's wiring), on the functions' database role and an SQS
client whose calls are counted. The stack's own notifier worker then delivers the offer jobs (reply
buttons) to the local Gupshup server; its database round trips and DynamoDB (idempotency) calls per
job come from its "job done" log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from bench.pass_cost import PassCost, measure_pass, table
from bench.pipeline import PipelineStack
from devstack.gupshup_events import new_customer
from receptionist.crm import waitlist_offers
from receptionist.crm.availability import available_slots
from receptionist.crm.catalogue import list_services
from receptionist.crm.connection import Database
from receptionist.crm.schedule import booking_window
from receptionist.reminders.wiring import RemindersParts

LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # the demo clinic's 30-minute service (seed)
GOMEZ = "00000000-0000-4000-8002-000000000001"
BATCH = 3  # the default: each freed slot offered to three waiting customers


@dataclass
class WaitlistReport(PassCost):
    slots: int = 0  # freed slots offered (queued = offers)


def _setup(ps: PipelineStack, slots: int) -> list[str]:
    """`slots` openings on free slots of Dr. Gómez and BATCH waiting customers per slot."""
    now = datetime.now(UTC)
    owner = Database(ps.live.info["database_url"])
    try:
        org_row = owner.fetch_one(
            "select organization_id::text from platform_connections where app_name = 'ClinicaSonrisa'"
        )
        assert org_row
        org = org_row["organization_id"]
        window = booking_window(owner, org)
        service = next(s for s in list_services(owner, org) if s.id == LIMPIEZA)
        first = now.date() + timedelta(days=2)
        free = available_slots(owner, org, service, window, first, first + timedelta(days=14), now=now, member_id=GOMEZ)
        chosen = free[:: max(1, len(free) // slots)][:slots]
        customers = []
        with psycopg.connect(ps.live.info["database_url"]) as conn:
            for i in range(BATCH * len(chosen)):
                customer = new_customer("3468")
                contact = conn.execute(
                    "insert into contacts (organization_id, phone, name) values (%s, %s, %s) returning id::text",
                    (org, customer, f"Espera {i}"),
                ).fetchone()
                assert contact
                conn.execute(
                    "insert into chat_identities (organization_id, customer_number, display_name, contact_id,"
                    " last_inbound_at) values (%s, %s, %s, %s, %s)",
                    (org, customer, f"Espera {i}", contact[0], now - timedelta(minutes=10)),
                )
                conn.execute(
                    "insert into waitlist_entries (organization_id, contact_id, service_id, first_day, last_day)"
                    " values (%s, %s, %s, %s, %s)",
                    (org, contact[0], LIMPIEZA, first, first + timedelta(days=14)),
                )
                customers.append(customer)
        # What the appointments' trigger notes for a cancellation (now that someone waits).
        for slot in chosen:
            waitlist_offers.add_openings(owner, org, GOMEZ, [(slot.starts_at, slot.ends_at)], "cancelled")
        return customers
    finally:
        owner.close()


def measure(ps: PipelineStack, slots: int = 5, timeout: float = 60) -> WaitlistReport:
    customers = _setup(ps, slots)

    def run(parts: RemindersParts) -> int:
        assert parts.waitlist is not None
        return parts.waitlist.run().queued

    cost = measure_pass(
        ps,
        run,
        job_kind="offer",
        customers=customers,
        expected=BATCH * slots,
        timeout=timeout,
        templates_only=False,  # inside the 24-hour window: reply buttons, not a template
    )
    return WaitlistReport(**vars(cost), slots=slots)


def lines(result: WaitlistReport | str) -> list[str]:
    head = [
        "## Waitlist: AWS calls and database round trips per offer",
        "",
        "How measured: on the local stack (below), the demo clinic gets N freed slots of Dr. Gómez (really",
        "free, per crm.availability) and 3 x N waiting customers (each with a conversation inside the 24-hour",
        "window); one offer pass runs in process (the RemindersFunction's code, on the functions' database",
        "role, its SQS client counted): each slot is offered to 3 of them (the default batch). The stack's",
        "notifier worker delivers the offers (reply buttons) to the local Gupshup server; notifier round trips",
        "and DynamoDB (idempotency) calls are its own counters from its `job done` log line.",
        "",
    ]
    if isinstance(result, str):
        return [*head, result]
    return [*head, *table(result, "offers", f"offer pass ({result.slots} slots)")]
