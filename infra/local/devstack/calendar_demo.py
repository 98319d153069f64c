"""`make demo`'s calendar part (docs/calendar.md): the demo clinic's member connects a Google
calendar (the stand-in's OAuth code flow with PKCE, as the console's callback would store it), an
event put in that calendar takes its slot away through a push notification, and the appointment the
conversation books appears in the calendar. Everything runs through the stack's own functions:
CalendarFunction's minute (invoked now rather than waited for), CalendarPushFunction on the HTTP
API, CalendarQueue between them."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from devstack.aws import moto_client
from devstack.cloudformation import ScheduledRule
from devstack.fakes.google_calendar import FakeGoogleCalendar, timed
from devstack.runner import scheduled_event
from devstack.stack import LocalStack
from receptionist.adapters.google_calendar import GoogleCalendar
from receptionist.calendar.provider import APPOINTMENT_PROPERTY
from receptionist.calendar.tokens import token_ref
from receptionist.crm.availability import available_slots
from receptionist.crm.catalogue import list_services
from receptionist.crm.connection import Database
from receptionist.crm.schedule import booking_window
from receptionist.deadline import Deadline

REDIRECT = "http://127.0.0.1:9/console/calendar/callback"  # the browser is not followed there


@dataclass(frozen=True)
class Connected:
    organization_id: str
    member_id: str
    member: str
    connection_id: str
    account: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _consent(url: str) -> str:
    """Follow the authorization URL as a browser would (the stand-in consents at once): the code."""
    try:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=5)
    except urllib.error.HTTPError as redirect:
        query = parse_qs(urlsplit(redirect.headers["Location"]).query)
        return query["code"][0]
    raise RuntimeError("the authorization endpoint did not redirect")


def connect_members(stack: LocalStack, google: FakeGoogleCalendar, app: str) -> list[Connected]:
    """Every member of the app's business connects their own calendar (an account each)."""
    with psycopg.connect(stack.info["database_url"]) as conn:
        rows = conn.execute(
            "select m.organization_id::text, m.id::text, m.name from members m"
            " join platform_connections p on p.organization_id = m.organization_id"
            " where p.app_name = %s order by m.name, m.id",
            (app,),
        ).fetchall()
    if not rows:
        raise RuntimeError(f"{app} has no member")
    return [connect_member(stack, google, str(org), str(member), str(name)) for org, member, name in rows]


def connect_member(
    stack: LocalStack, google: FakeGoogleCalendar, organization_id: str, member_id: str, member: str
) -> Connected:
    """One member connects their calendar: the code flow with PKCE against the stand-in, then what
    the console's callback stores (the refresh token in SSM, the connection row)."""
    provider = GoogleCalendar(
        google.client_id, google.client_secret, oauth_url=google.oauth_url, token_url=google.token_url,
        api_url=google.api_url,
    )  # fmt: skip
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    account = f"{member_id[:8]}@calendar.local"
    google.set_next_account(account)
    code = _consent(provider.authorization_url(state="demo", code_challenge=challenge, redirect_uri=REDIRECT))
    grant = provider.exchange_code(code, code_verifier=verifier, redirect_uri=REDIRECT, deadline=Deadline.after(5))
    connection_id = str(uuid.uuid4())
    ref = token_ref(f"{stack.info['secrets_path']}/calendar/tokens", connection_id)
    ssm = moto_client("ssm", stack.info["aws_endpoint_url"], stack.info["region"])
    ssm.put_parameter(Name=ref, Value=grant.refresh_token, Type="SecureString", Overwrite=True)
    with psycopg.connect(stack.info["database_url"]) as conn:
        conn.execute(
            "insert into calendar_connections"
            " (id, organization_id, member_id, provider, token_ref, account, created_by)"
            " values (%s, %s, %s, 'google', %s, %s, 'demo')",
            (connection_id, organization_id, member_id, ref, account),
        )
    return Connected(organization_id, member_id, member, connection_id, account)


def run_minute(stack: LocalStack) -> dict[str, Any]:
    """CalendarFunction's scheduled run, now: relay, channel renewal, poll."""
    rule = ScheduledRule("CalendarFunction", "rate(1 minute)")
    counts: dict[str, Any] = stack.pool("CalendarFunction").invoke(scheduled_event(rule, stack.config.region))
    return counts


def busy_blocks(stack: LocalStack, connected: Connected) -> list[tuple[datetime, datetime]]:
    with psycopg.connect(stack.info["database_url"]) as conn:
        rows = conn.execute(
            "select starts_at, ends_at from calendar_busy_blocks where connection_id = %s order by starts_at",
            (connected.connection_id,),
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def member_slots(stack: LocalStack, connected: Connected, day: date) -> list[datetime]:
    """The starts the assistant would offer with this member on `day`, for the first of the
    business's services the member does that day (crm/availability.py: hours, appointments, time
    off and the calendar's busy blocks)."""
    db = Database(stack.info["database_url"])
    try:
        with db.acting_for(connected.organization_id):
            window = booking_window(db, connected.organization_id)
            for service in list_services(db, connected.organization_id):
                slots = available_slots(
                    db, connected.organization_id, service, window, day, day, now=datetime.now(UTC),
                    member_id=connected.member_id,
                )  # fmt: skip
                if slots:
                    return [slot.starts_at for slot in slots]
    finally:
        db.close()
    return []


def first_open_day(stack: LocalStack, connected: list[Connected], days: int = 14) -> tuple[Connected, date]:
    """A member with offered slots, and the first day (from the day after tomorrow) they have some."""
    for n in range(2, days + 2):
        day = date.today() + timedelta(days=n)
        for c in connected:
            if member_slots(stack, c, day):
                return c, day
    raise RuntimeError(f"no member offers any slot in the next {days} days")


def external_event(
    stack: LocalStack, google: FakeGoogleCalendar, connected: Connected, start: datetime, timeout: float = 60
) -> float:
    """A one-hour event the member puts in their own calendar; waits for its busy block (push ->
    CalendarPushFunction -> CalendarQueue -> CalendarFunction). The seconds it took."""
    began = time.monotonic()
    google.add_event(connected.account, timed(start, start + timedelta(hours=1)))
    stack.wait_for(lambda: any(s == start for s, _ in busy_blocks(stack, connected)), timeout=timeout)
    return time.monotonic() - began


def our_events(google: FakeGoogleCalendar, connected: Connected) -> list[dict[str, Any]]:
    return [
        e
        for e in google.events(connected.account)
        if APPOINTMENT_PROPERTY in e.get("extendedProperties", {}).get("private", {})
    ]


def show_booking_in_calendar(
    stack: LocalStack,
    google: FakeGoogleCalendar,
    connected: Connected,
    show: Callable[[str], None] = print,
    timeout: float = 60,
) -> list[dict[str, Any]]:
    """After the conversation's booking: the minute relays it, CalendarFunction writes the event."""
    run_minute(stack)
    found = stack.wait_for(lambda: our_events(google, connected), timeout=timeout)
    for event in found:
        show(f"  {connected.account}: «{event['summary']}» {event['start']['dateTime']} (id {event['id']})")
    return list(found)
