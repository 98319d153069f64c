"""What the reminder tests share: a world of their own businesses on a real PostgreSQL (migrations +
seed) and a moto SQS FIFO queue (the `world` fixture is in conftest.py).

Every test makes its own business (`world.business`) and its own appointments around its own
far-future moment (`world.at`), so passes never see another test's reminders."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from receptionist.adapters.queues import FifoQueue
from receptionist.crm import appointments, chats, consent
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.messages import OutboundJob


@dataclass
class Business:
    id: str
    app: str
    service: str
    member: str


@dataclass
class World:
    owner: Database  # the tables' owner: set-up and checks
    app_url: str  # the functions' role (row level security)
    sqs: Any
    queue_url: str
    # A moment of its own, centuries ahead, on a whole minute.
    at: datetime = field(
        default_factory=lambda: datetime(2200, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(50_000_000))
    )
    _minute: int = 0

    def queue(self) -> FifoQueue:
        return FifoQueue(self.queue_url, self.sqs)

    def business(
        self, *, template: str | None = "recordatorio_cita", offsets: list[int] | None = None, timezone: str = "UTC"
    ) -> Business:
        org = str(uuid.uuid4())
        app = f"Rem{uuid.uuid4().hex[:10]}"
        self.owner.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        self.owner.execute(
            "insert into agent_settings (organization_id, timezone, reminder_offsets_minutes, reminder_template_id,"
            " reminder_template_params) values (%s, %s, %s, %s, '{customer_name,when}')",
            (org, timezone, offsets or [1440], template),
        )
        self.owner.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000777', '/x')",
            (org, app),
        )
        if template:
            self.owner.execute(
                "insert into message_templates (organization_id, template_id, label, body, param_count)"
                " values (%s, %s, 'Recordatorio', 'Hola {{1}}, te recordamos tu cita el {{2}}.', 2)",
                (org, template),
            )
        service = self.owner.fetch_one(
            "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Corte', 30, 0)"
            " returning id::text",
            (org,),
        )
        member = self.owner.fetch_one(
            "insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (org,)
        )
        assert service and member
        return Business(org, app, service["id"], member["id"])

    def appointment(
        self,
        business: Business,
        starts_at: datetime,
        *,
        booked_at: datetime | None = None,
        status: str = "pending",
        opted_out: bool = False,
        name: str = "Lucía",
    ) -> tuple[str, str]:
        """(appointment id, the customer's number): a new customer with a conversation."""
        phone = f"3460{random.randrange(10**7, 10**8)}"
        contact = self.owner.fetch_one(
            "insert into contacts (organization_id, name, phone) values (%s, %s, %s) returning id::text",
            (business.id, name, phone),
        )
        assert contact
        # A customer who wrote on WhatsApp (their first message grants reminders: crm/consent.py).
        wrote_at = (booked_at or starts_at - timedelta(days=30)) - timedelta(minutes=5)
        identity = chats.touch_identity(self.owner, business.id, phone, name, wrote_at)
        chats.link_contact(self.owner, business.id, identity.id, contact["id"])
        if opted_out:
            consent.opt_out(self.owner, business.id, identity.id, at=wrote_at, source="gupshup", reference="opted-out")
        row = self.owner.fetch_one(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
            " status, created_at) values (%s, %s, %s, %s, %s, %s, %s, %s) returning id::text",
            (
                business.id,
                contact["id"],
                business.service,
                business.member,
                starts_at,
                starts_at + timedelta(minutes=30),
                status,
                booked_at or starts_at - timedelta(days=30),
            ),
        )
        assert row
        return row["id"], phone

    def phone_booking(self, business: Business, starts_at: datetime, name: str = "Pilar") -> tuple[str, str, str]:
        """(appointment id, contact id, number): a patient booked by phone, who never wrote (a
        contact and an appointment, no chat identity)."""
        phone = f"3461{random.randrange(10**7, 10**8)}"
        contact = self.owner.fetch_one(
            "insert into contacts (organization_id, name, phone) values (%s, %s, %s) returning id::text",
            (business.id, name, phone),
        )
        assert contact
        row = self.owner.fetch_one(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
            " created_at) values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
            (
                business.id,
                contact["id"],
                business.service,
                business.member,
                starts_at,
                starts_at + timedelta(minutes=30),
                starts_at - timedelta(days=30),
            ),
        )
        assert row
        return row["id"], contact["id"], phone

    def open_every_day(self, business: Business) -> None:
        """The member works around the clock, every day: any slot can be booked or moved to."""
        for weekday in range(1, 8):
            self.owner.execute(
                "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
                " values (%s, %s, %s, '00:00', '24:00')",
                (business.id, business.member, weekday),
            )

    def move(self, business: Business, appointment: str, to: datetime, *, now: datetime) -> None:
        """Reschedule it the way "Cambiar" (the assistant's tool) and the console do:
        crm.appointments.reschedule, as the functions' role."""
        row = self.owner.fetch_one("select contact_id::text from appointments where id = %s", (appointment,))
        assert row
        db = Database(self.app_url)
        try:
            with db.acting_for(business.id):
                window = BookingWindow("UTC", lead_minutes=0, horizon_days=365, step_minutes=1)  # world.at: any minute
                moved = appointments.reschedule(db, business.id, row["contact_id"], appointment, to, window, now=now)
        finally:
            db.close()
        assert moved.ok and moved.appointment and moved.appointment.starts_at == to, moved

    def reminders(self, business: Business) -> list[dict[str, Any]]:
        return self.owner.fetch_all(
            "select id::text, appointment_id::text, offset_minutes, due_at, token, status"
            " from appointment_reminders where organization_id = %s order by due_at, offset_minutes",
            (business.id,),
        )

    def jobs(self) -> list[OutboundJob]:
        """Every job on the queue (received and deleted)."""
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
                found.append(job)
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
