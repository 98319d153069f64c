"""The calendar sync's two functions on the local stack, from the template: CalendarFunction on its
minute (relay, renewal, poll) and on CalendarQueue, CalendarPushFunction on the HTTP API's route."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from devstack import calendar_demo
from devstack.aws import moto_client
from devstack.cloudformation import ScheduledRule
from devstack.fakes.google_calendar import FakeGoogleCalendar
from devstack.runner import scheduled_event
from devstack.stack import LocalStack
from receptionist.calendar.channels import channel_id, channel_token


def _notify(local_stack: LocalStack, headers: dict[str, str]) -> int:
    url = local_stack.info["webhook_url"].replace("/webhooks/gupshup", "/calendar/google/notifications")
    request = urllib.request.Request(url, data=b"", headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_the_calendar_function_runs_its_minute_on_the_stack(local_stack: LocalStack) -> None:
    """The template's rule (rate(1 minute); shorter in tests): relay, renewal and poll reach the CRM
    as the functions' role and report counts only."""
    rule = ScheduledRule("CalendarFunction", "rate(1 minute)")
    counts = local_stack.pool("CalendarFunction").invoke(scheduled_event(rule, local_stack.config.region))
    assert set(counts) == {"relayed", "relay_left", "renewed", "renew_failed", "renew_broken", "polled"}
    assert all(isinstance(v, int) for v in counts.values())


def test_the_push_route_refuses_forgeries_and_queues_a_sync_the_calendar_function_takes(
    local_stack: LocalStack,
) -> None:
    info = local_stack.info
    ssm = moto_client("ssm", info["aws_endpoint_url"], info["region"])
    key = ssm.get_parameter(Name=f"{info['secrets_path']}/calendar-channel-key", WithDecryption=True)
    channel = channel_id(str(uuid.uuid4()), datetime.now(UTC))
    google = {"X-Goog-Channel-ID": channel, "X-Goog-Resource-State": "exists", "X-Goog-Resource-ID": "r1"}

    assert _notify(local_stack, google) == 400  # no token
    assert _notify(local_stack, {**google, "X-Goog-Channel-Token": channel_token(b"guess", channel)}) == 401
    token = channel_token(key["Parameter"]["Value"].encode(), channel)
    assert _notify(local_stack, {**google, "X-Goog-Channel-Token": token}) == 200

    def took() -> list[object]:
        return [i for i in local_stack.invocations_of("CalendarFunction") if any(channel in b for b in i.bodies)]

    (run,) = local_stack.wait_for(
        took, timeout=local_stack.bound("CalendarPushFunction", "CalendarFunction", retries=1)
    )
    # A channel no connection has (never made, or replaced): the sync is skipped, not retried.
    assert run.source == "sqs:CalendarQueue" and run.ok and not run.failed_ids, run.error
    assert json.loads(run.bodies[0])["channel_id"] == channel


def test_an_event_in_the_member_s_calendar_becomes_busy_time_and_a_booking_appears_there(
    local_stack: LocalStack, local_google_calendar: FakeGoogleCalendar
) -> None:
    """The local stack's own path (make demo's calendar part): the member connects (code flow with
    PKCE against the stand-in); the stack's minute watches their calendar; an event they put there
    reaches the busy blocks through the push route; a booking reaches their calendar."""
    with psycopg.connect(local_stack.info["database_url"]) as conn:
        org = str(uuid.uuid4())
        conn.execute("insert into organizations (id, name) values (%s, 'Calendario local')", (org,))
        conn.execute("insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (org,))
        (member,) = conn.execute(
            "insert into members (organization_id, name) values (%s, 'Marta') returning id::text", (org,)
        ).fetchone() or (None,)
        (service,) = conn.execute(
            "insert into services (organization_id, name, duration_minutes, price_cents)"
            " values (%s, 'Limpieza', 30, 0) returning id::text",
            (org,),
        ).fetchone() or (None,)
        (contact,) = conn.execute(
            "insert into contacts (organization_id, name, phone) values (%s, 'Lucía', %s) returning id::text",
            (org, f"3460{uuid.uuid4().int % 10**8:08d}"),
        ).fetchone() or (None,)
    connected = calendar_demo.connect_member(local_stack, local_google_calendar, org, member, "Marta")
    # The stack's minute (every 2 s here) gives the calendar its channel.
    local_stack.wait_for(lambda: local_google_calendar.live_channels(connected.account), timeout=60)

    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    took = calendar_demo.external_event(local_stack, local_google_calendar, connected, start)
    assert calendar_demo.busy_blocks(local_stack, connected)[-1] == (start, start + timedelta(hours=1))
    assert took < 30
    print(f"sync lag, calendar change -> busy block (local stack): {took:.3f} s")  # the figure

    booked = start + timedelta(hours=3)
    with psycopg.connect(local_stack.info["database_url"]) as conn:
        conn.execute(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)"
            " values (%s, %s, %s, %s, %s, %s, 'confirmed')",
            (org, contact, service, member, booked, booked + timedelta(minutes=30)),
        )
    (event,) = local_stack.wait_for(lambda: calendar_demo.our_events(local_google_calendar, connected), timeout=60)
    assert event["summary"] == "Limpieza · Lucía"
