"""The calendar function's parts wired as in Lambda, against real servers: embedded PostgreSQL (the
functions' role, row level security), moto's SQS (the calendar and outbound FIFO queues) and SSM
(refresh tokens), devstack's Google Calendar stand-in over HTTP, and the push route served over
HTTP (the stand-in posts its notifications to it, as Google posts to the HTTP API)."""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.fakes.base import FakeServer, Recorded, Reply
from devstack.fakes.google_calendar import FakeGoogleCalendar
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.tokens import token_ref
from receptionist.calendar.wiring import CalendarParts
from receptionist.calendar_push.service import PushService
from receptionist.crm import calendar_connections
from receptionist.crm.connection import Database
from receptionist.messages import CalendarJob, OutboundJob
from receptionist.webhook.http import HttpRequest

TOKENS_PATH = "/receptionist/it/calendar/tokens"


class PushRoute(FakeServer):
    """POST /calendar/google/notifications served by the push route's service (what API Gateway and
    CalendarPushFunction do), so the stand-in's notifications reach it over HTTP."""

    name = "calendar-push-route"

    def __init__(self, service: PushService) -> None:
        super().__init__()
        self.service = service
        self.answers: list[tuple[int, str]] = []

    @property
    def address(self) -> str:
        return f"{self.url}/calendar/google/notifications"

    def answer(self, request: Recorded) -> Reply:
        http = HttpRequest(request.method, request.path, {k.lower(): v for k, v in request.headers.items()}, {}, b"")
        response, report = self.service.handle(http)
        self.answers.append((response.status, report.outcome))
        return Reply(response.status)


@dataclass
class Business:
    id: str
    member: str
    service: str
    contact: str


@dataclass
class Flow:
    owner: Database  # the tables' owner: set-up and checks
    app: Database  # the functions' role
    sqs: Any
    ssm: Any
    calendar_queue: str
    outbound_queue: str
    google: FakeGoogleCalendar
    parts: CalendarParts
    # Far enough ahead that no other test's appointments are near, on a whole hour.
    day: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    )

    def business(self) -> Business:
        org = str(uuid.uuid4())
        self.owner.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Cal {org[:8]}"))
        self.owner.execute(
            "insert into agent_settings (organization_id, timezone, booking_horizon_days, language)"
            " values (%s, 'Europe/Madrid', 30, 'es')",
            (org,),
        )
        service = self.owner.fetch_one(
            "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Limpieza', 30, 0)"
            " returning id::text",
            (org,),
        )
        member = self.owner.fetch_one(
            "insert into members (organization_id, name) values (%s, 'Marta') returning id::text", (org,)
        )
        contact = self.owner.fetch_one(
            "insert into contacts (organization_id, name, phone) values (%s, 'Lucía', %s) returning id::text",
            (org, f"3460{random.randrange(10**7, 10**8)}"),
        )
        assert service and member and contact
        return Business(org, member["id"], service["id"], contact["id"])

    def connect(self, business: Business, refresh_token: str) -> CalendarConnection:
        """The member's calendar connected (what the console's callback stores, as its own role)."""
        connection_id = str(uuid.uuid4())
        ref = token_ref(TOKENS_PATH, connection_id)
        self.ssm.put_parameter(Name=ref, Value=refresh_token, Type="SecureString", Overwrite=True)
        with self.owner.acting_for(business.id):
            return calendar_connections.connect(
                self.owner,
                business.id,
                business.member,
                connection_id=connection_id,
                token_ref=ref,
                account=None,
                created_by="it",
            )

    def book(self, business: Business, starts_at: datetime, minutes: int = 30, status: str = "confirmed") -> str:
        row = self.owner.fetch_one(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)"
            " values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
            (
                business.id,
                business.contact,
                business.service,
                business.member,
                starts_at,
                starts_at + timedelta(minutes=minutes),
                status,
            ),
        )
        assert row
        return str(row["id"])

    def messages(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message visible now (received: each is invisible for the queue's visibility until deleted)."""
        found: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if not got:
                return found
            found.extend(got)

    def jobs_for(self, business: Business) -> list[tuple[CalendarJob, dict[str, Any]]]:
        out = []
        for message in self.messages(self.calendar_queue):
            job = CalendarJob.model_validate_json(message["Body"])
            mine = job.organization_id == business.id or (
                job.connection_id is not None and self._connection_org(job.connection_id) == business.id
            )
            if mine:
                out.append((job, message))
            else:  # another test's: back on the queue at once
                self.sqs.change_message_visibility(
                    QueueUrl=self.calendar_queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return out

    def _connection_org(self, connection_id: str) -> str | None:
        row = self.owner.fetch_one(
            "select organization_id::text from calendar_connections where id = %s", (connection_id,)
        )
        return str(row["organization_id"]) if row else None

    def consume(self, business: Business, *, ack: bool = True) -> list[Any]:
        """Hand this business's queued jobs to the consumer, as the event source mapping does; a job
        handled is deleted (ack=False: the invocation dies before, the message stays)."""
        reports = []
        for job, message in self.jobs_for(business):
            attempt = int(message["Attributes"].get("ApproximateReceiveCount", "1"))
            reports.append(
                self.parts.service.handle(
                    job, attempt=attempt, receipt_handle=message["ReceiptHandle"], remaining=lambda: 60.0
                )
            )
            if ack:
                self.sqs.delete_message(QueueUrl=self.calendar_queue, ReceiptHandle=message["ReceiptHandle"])
            else:
                self.sqs.change_message_visibility(
                    QueueUrl=self.calendar_queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return reports

    def staff_notices(self, business: Business) -> list[OutboundJob]:
        jobs = [OutboundJob.model_validate_json(m["Body"]) for m in self.messages(self.outbound_queue)]
        return [j for j in jobs if j.kind == "staff_notice" and j.organization_id == business.id]

    def busy_blocks(self, business: Business) -> list[tuple[datetime, datetime]]:
        rows = self.owner.fetch_all(
            "select starts_at, ends_at from calendar_busy_blocks where organization_id = %s order by starts_at",
            (business.id,),
        )
        return [(r["starts_at"], r["ends_at"]) for r in rows]

    def connection(self, connection_id: str) -> dict[str, Any]:
        row = self.owner.fetch_one("select * from calendar_connections where id = %s", (connection_id,))
        assert row
        return dict(row)


def channel_key() -> str:
    return secrets.token_urlsafe(32)
