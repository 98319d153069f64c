"""What the waitlist tests share: businesses of their own on a real PostgreSQL (migrations + seed)
and a moto SQS FIFO queue (the `world` fixture is in conftest.py).

Every test makes its own business and works around its own far-future moment (`world.at`), with a
clock it moves itself (`world.clock`), so passes never see another test's openings as theirs to
judge (they work them all, in their own businesses' terms)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from receptionist.adapters.queues import FifoQueue
from receptionist.crm import chats, waitlist
from receptionist.crm.connection import Database
from receptionist.messages import OutboundJob, Queue
from receptionist.reminders.waitlist import OfferPass


@dataclass
class Business:
    id: str
    app: str
    service: str
    member: str


@dataclass
class Customer:
    contact: str
    phone: str


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class World:
    owner: Database  # the tables' owner: set-up and checks
    app: Database  # the functions' role (row level security): what the pass runs as
    sqs: Any
    queue_url: str
    # A moment of its own, a century ahead, on a whole hour.
    at: datetime = field(
        default_factory=lambda: datetime(2150, 1, 1, tzinfo=UTC) + timedelta(hours=random.randrange(500_000))
    )
    clock: Clock = field(init=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.at)

    def queue(self) -> FifoQueue:
        return FifoQueue(self.queue_url, self.sqs)

    def offer_pass(self, queue: Queue | None = None, **kwargs: Any) -> OfferPass:
        return OfferPass(self.app, queue or self.queue(), now=self.clock, **kwargs)

    def business(
        self,
        *,
        template: str | None = "hueco_libre",
        category: str = "UTILITY",
        batch: int = 3,
        offer_minutes: int = 30,
        lead_minutes: int = 60,
    ) -> Business:
        org = str(uuid.uuid4())
        app = f"Wl{uuid.uuid4().hex[:10]}"
        self.owner.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        self.owner.execute(
            "insert into agent_settings (organization_id, timezone, booking_lead_minutes, booking_horizon_days,"
            " slot_step_minutes) values (%s, 'UTC', %s, 365, 15)",
            (org, lead_minutes),
        )
        self.owner.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000888', '/x')",
            (org, app),
        )
        if template:
            self.owner.execute(
                "insert into message_templates (organization_id, template_id, label, body, param_count, category)"
                " values (%s, %s, 'Hueco', 'Hola {{1}}, hay un hueco de {{2}} el {{3}}.', 3, %s)",
                (org, template, category),
            )
        self.owner.execute(
            "insert into waitlist_settings (organization_id, batch_size, offer_minutes, template_id)"
            " values (%s, %s, %s, %s)",
            (org, batch, offer_minutes, template),
        )
        service = self.owner.fetch_one(
            "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Limpieza', 30, 0)"
            " returning id::text",
            (org,),
        )
        member = self.owner.fetch_one(
            "insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (org,)
        )
        assert service and member
        for weekday in range(1, 8):  # around the clock: any freed slot is bookable
            self.owner.execute(
                "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
                " values (%s, %s, %s, '00:00', '24:00')",
                (org, member["id"], weekday),
            )
        return Business(org, app, service["id"], member["id"])

    def customer(self, business: Business, *, wrote_ago: timedelta | None = timedelta(hours=1)) -> Customer:
        """A customer with a conversation (their last message `wrote_ago` before the clock)."""
        phone = f"3462{random.randrange(10**7, 10**8)}"
        contact = self.owner.fetch_one(
            "insert into contacts (organization_id, name, phone) values (%s, 'Lucía', %s) returning id::text",
            (business.id, phone),
        )
        assert contact
        wrote_at = self.clock() - (wrote_ago or timedelta(days=3))
        identity = chats.touch_identity(self.owner, business.id, phone, "Lucía", wrote_at)
        chats.link_contact(self.owner, business.id, identity.id, contact["id"])
        return Customer(contact["id"], phone)

    def wait(
        self, business: Business, customer: Customer, first: date | None = None, last: date | None = None, **kw: Any
    ) -> waitlist.Entry:
        day = self.clock().date()
        return waitlist.add_entry(
            self.owner,
            business.id,
            customer.contact,
            business.service,
            first or day,
            last or day + timedelta(days=3),
            **kw,
        )

    def appointment(self, business: Business, customer: Customer, starts_at: datetime, minutes: int = 30) -> str:
        row = self.owner.fetch_one(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
            " values (%s, %s, %s, %s, %s, %s) returning id::text",
            (
                business.id,
                customer.contact,
                business.service,
                business.member,
                starts_at,
                starts_at + timedelta(minutes=minutes),
            ),
        )
        assert row
        return row["id"]

    def cancel(self, appointment: str) -> None:
        self.owner.execute("update appointments set status = 'cancelled' where id = %s", (appointment,))

    def freed_slot(self, business: Business, starts_at: datetime, minutes: int = 30) -> None:
        """Somebody's appointment at `starts_at` is cancelled: an opening."""
        other = self.customer(business)
        self.cancel(self.appointment(business, other, starts_at, minutes))

    def openings(self, business: Business) -> list[dict[str, Any]]:
        return self.owner.fetch_all(
            "select member_id::text, starts_at, ends_at, reason, processed_at from waitlist_openings"
            " where organization_id = %s order by id",
            (business.id,),
        )

    def offers(self, business: Business) -> list[dict[str, Any]]:
        return self.owner.fetch_all(
            "select o.id::text, o.entry_id::text, o.starts_at, o.ends_at, o.status, o.skip_reason, o.expires_at,"
            " o.token, o.attempts, o.last_error, o.queued_at from waitlist_offers o"
            " where o.organization_id = %s order by o.created_at, o.id",
            (business.id,),
        )

    def jobs(self, business: Business) -> list[OutboundJob]:
        """Every job on the queue for this business's customers (received and deleted; a pass
        also works what earlier tests left, for their businesses)."""
        found: list[OutboundJob] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                job = OutboundJob.model_validate_json(message["Body"])
                assert message["Attributes"]["MessageGroupId"] == job.conversation
                if job.conversation.startswith(f"{business.app}#"):
                    found.append(job)
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


class FlakyQueue:
    """The real queue, whose sends fail while `failing()` says so (a crash at that step)."""

    def __init__(self, queue: FifoQueue, failing: Callable[[], bool]) -> None:
        self.queue, self.failing, self.sent = queue, failing, 0

    def send(self, message: Any, *, group: str, dedup_id: str) -> str:
        if self.failing():
            raise ConnectionError("SQS unreachable")
        self.sent += 1
        return self.queue.send(message, group=group, dedup_id=dedup_id)
