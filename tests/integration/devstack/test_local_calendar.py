"""The calendar sync's two functions on the local stack, from the template: CalendarFunction on its
minute (relay, renewal, poll) and on CalendarQueue, CalendarPushFunction on the HTTP API's route."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime

from devstack.aws import moto_client
from devstack.cloudformation import ScheduledRule
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
