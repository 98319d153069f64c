"""The local stack is the template deployed into moto, with the handlers wired by the runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devstack.aws import moto_client
from devstack.cloudformation import ScheduledRule
from devstack.fakes.gupshup import SEEDED_APP_IDS
from devstack.gupshup_events import new_customer
from devstack.runner import scheduled_event
from devstack.stack import LocalConfig, LocalStack
from receptionist.config import ConsoleSettings, ProcessorSettings

EVENTS = Path(__file__).resolve().parents[3] / "events"
SAMPLE_CUSTOMER = "34600111222"  # the sample events' customer


def _sample(name: str, customer: str) -> dict[str, Any]:
    """A sample event (events/) for `customer` instead of the samples' own: its own conversation."""
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text().replace(SAMPLE_CUSTOMER, customer))
    return loaded


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_stack_json_describes_the_stack(local_stack: LocalStack) -> None:
    info = json.loads((local_stack.config.state_dir / "stack.json").read_text())
    for key in ("webhook_url", "aws_endpoint_url", "region", "database_url"):
        assert info[key]
    assert set(info["queues"]) == {
        "InboundQueue",
        "InboundDeadLetterQueue",
        "OutboundQueue",
        "OutboundDeadLetterQueue",
        "CalendarQueue",
        "CalendarDeadLetterQueue",
    }
    assert set(info["tables"]) == {"ConversationsTable", "CheckpointsTable", "IdempotencyTable"}
    assert set(info["buckets"]) == {"MediaBucket"}


def test_queues_and_tables_come_from_the_template(local_stack: LocalStack) -> None:
    info = local_stack.info
    sqs = moto_client("sqs", info["aws_endpoint_url"], info["region"])
    attrs = sqs.get_queue_attributes(QueueUrl=info["queues"]["InboundQueue"], AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["DelaySeconds"] == str(local_stack.config.debounce_seconds)
    assert attrs["VisibilityTimeout"] == "360"
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith("receptionist-dev-inbound-dlq.fifo")
    ddb = moto_client("dynamodb", info["aws_endpoint_url"], info["region"])
    table = ddb.describe_table(TableName=info["tables"]["CheckpointsTable"])["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["PK", "SK"]


def test_secrets_are_in_ssm_not_in_the_function_environment(local_stack: LocalStack) -> None:
    info = local_stack.info
    ssm = moto_client("ssm", info["aws_endpoint_url"], info["region"])
    for app in ("ClinicaSonrisa", "SalonLima"):  # every seeded app has its own parameter
        name = f"{info['secrets_path']}/webhook-secrets/{app}"
        param = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert param["Type"] == "SecureString"
        assert param["Value"] == local_stack.config.webhook_secret == info["webhook_secrets"][app]
    assert set(info["apps"]) == {"ClinicaSonrisa", "SalonLima"} and info["demo_app"] == "ClinicaSonrisa"
    # Each seeded app's Partner App Token (read receipts) where its connection names it, under the
    # prefix the processor reads Gupshup's secrets from, and the processor pointed at the Partner API.
    processor = ProcessorSettings.from_env(local_stack.function_env("ProcessorFunction"))
    assert processor.gupshup_partner_api_url == local_stack.config.gupshup_partner_api_url != ""
    for app in ("ClinicaSonrisa", "SalonLima"):
        token = ssm.get_parameter(Name=f"{processor.gupshup_keys_path}{app}-app-token", WithDecryption=True)
        assert token["Parameter"]["Type"] == "SecureString"
        assert token["Parameter"]["Value"] == local_stack.config.gupshup_app_token
    assert info["app_database_url"].startswith("postgresql://receptionist_app@")
    # The traces' user key (docs/tracing.md): random, a SecureString, shown nowhere.
    user_key = ssm.get_parameter(Name=f"{info['secrets_path']}/trace-user-key", WithDecryption=True)["Parameter"]
    assert user_key["Type"] == "SecureString" and len(user_key["Value"]) >= 32
    assert user_key["Value"] not in (local_stack.config.state_dir / "stack.json").read_text()
    assert info["console_database_url"].startswith("postgresql://receptionist_console@")
    # Each function reads its own role's URL: the message functions theirs, the console its own.
    assert local_stack.template is not None
    for function, role in (
        ("ProcessorFunction", "receptionist_app"),
        ("NotifierFunction", "receptionist_app"),
        ("RemindersFunction", "receptionist_app"),
        ("ConsoleFunction", "receptionist_console"),
        ("RetentionFunction", "receptionist_retention"),
        ("CalendarFunction", "receptionist_app"),
    ):
        name = local_stack.function_env(function)["DATABASE_URL_PARAM"]
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        assert value.startswith(f"postgresql://{role}@"), function


def test_the_functions_are_pointed_at_the_google_the_stack_was_given(local_stack: LocalStack) -> None:
    """Google's endpoints (the local stand-in under `make local`) in every function's environment,
    the OAuth client's secret in SSM, never in the environment."""
    config, info = local_stack.config, local_stack.info
    env = local_stack.function_env("ProcessorFunction")
    assert env["GOOGLE_OAUTH_URL"] == config.google_oauth_url and env["GOOGLE_TOKEN_URL"] == config.google_token_url
    assert env["GOOGLE_CALENDAR_API_URL"] == config.google_calendar_api_url
    assert env["GOOGLE_CLIENT_ID"] == config.google_client_id
    assert config.google_client_secret not in env.values()
    ssm = moto_client("ssm", info["aws_endpoint_url"], info["region"])
    secret = ssm.get_parameter(Name=f"{info['secrets_path']}/google-client-secret", WithDecryption=True)["Parameter"]
    assert secret["Type"] == "SecureString" and secret["Value"] == config.google_client_secret
    # The processor re-checks bookings there (the stage names a client), and the console's consent
    # comes back to this stack's own HTTP API, not to an API Gateway address.
    assert ProcessorSettings.from_env(env).google_configured
    console = ConsoleSettings.from_env(local_stack.function_env("ConsoleFunction"))
    assert console.calendar_configured
    assert console.calendar_redirect_uri == f"{info['console_url']}/calendar/callback"


def test_webhook_to_processor_to_notifier_through_the_queues(local_stack: LocalStack) -> None:
    customer = new_customer()
    body = json.loads(_sample("webhook_text.json", customer)["body"])
    message_id = body["payload"]["id"] = f"wamid.plumbing-{customer}"
    url = f"{local_stack.info['webhook_url']}?token={local_stack.config.webhook_secret}"
    status, _ = _post(url, body)
    assert status == 200

    def reached(function: str) -> list[Any]:
        return [i for i in local_stack.invocations_of(function) if any(message_id in b for b in i.bodies)]

    through = ("WebhookFunction", "ProcessorFunction")
    processed = local_stack.wait_for(
        lambda: reached("ProcessorFunction"), timeout=local_stack.bound(*through, retries=1)
    )
    assert processed[0].source == "sqs:InboundQueue" and processed[0].ok and not processed[0].failed_ids, processed[
        0
    ].error
    through += ("NotifierFunction",)
    notified = local_stack.wait_for(lambda: reached("NotifierFunction"), timeout=local_stack.bound(*through, retries=1))
    assert notified[0].source == "sqs:OutboundQueue" and notified[0].ok
    # The turn marked the message read with "typing…" through the local Gupshup's Partner API (the
    # processor worker read the app's token from SSM at the connection's app_token_ref).
    url = f"{local_stack.config.gupshup_partner_api_url}/local/read-events?message_id={message_id}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert json.loads(resp.read())["read_events"] == [
            {"app_id": SEEDED_APP_IDS["ClinicaSonrisa"], "message_id": message_id, "typing": True}
        ]


def test_a_paused_stack_polls_and_schedules_nothing_until_resumed(local_stack: LocalStack) -> None:
    """What the shared stacks do between the tests that use them (tests/stack_kit.py)."""
    customer = new_customer()
    body = json.loads(_sample("webhook_text.json", customer)["body"])
    message_id = body["payload"]["id"] = f"wamid.paused-{customer}"
    sweeps = ScheduledRule("SweeperFunction", "rate(1 minute)")
    period = local_stack.schedule_period(sweeps)
    local_stack.pause()
    try:
        paused_at = time.time()
        url = f"{local_stack.info['webhook_url']}?token={local_stack.config.webhook_secret}"
        assert _post(url, body)[0] == 200  # the HTTP API still serves: the ticket waits in the queue

        def processed() -> list[Any]:
            return [
                i for i in local_stack.invocations_of("ProcessorFunction") if any(message_id in b for b in i.bodies)
            ]

        def swept() -> list[Any]:
            return [i for i in local_stack.invocations_of("SweeperFunction") if i.started >= paused_at]

        with pytest.raises(TimeoutError):  # three of the sweeper's periods: nothing polled, nothing fired
            local_stack.wait_for(lambda: processed() or swept(), timeout=3 * period)
    finally:
        local_stack.resume()
    bound = local_stack.bound("ProcessorFunction", retries=1)
    assert local_stack.wait_for(processed, timeout=bound)[0].ok
    assert local_stack.wait_for(swept, timeout=bound + period)


def test_webhook_without_token_is_rejected(local_stack: LocalStack) -> None:
    status, payload = _post(local_stack.info["webhook_url"], {"type": "message"})
    assert status == 401
    assert "error" in payload


def test_unknown_route_is_404(local_stack: LocalStack) -> None:
    url = local_stack.info["webhook_url"].replace("/webhooks/gupshup", "/nope")
    req = urllib.request.Request(url, data=b"{}", method="POST")
    try:
        urllib.request.urlopen(req, timeout=5)
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as err:
        assert err.code == 404


def test_sample_events_pass_through_their_handlers(local_stack: LocalStack) -> None:
    pool = local_stack.pool
    customer = new_customer()  # the samples' conversation, made this test's own
    for path in sorted(EVENTS.glob("webhook_*.json")):
        result = pool("WebhookFunction").invoke(_sample(path.name, customer))
        assert result["statusCode"] == 200, path.name
    # Their tickets are processed by the pipeline; the processor's samples then come after, as
    # SQS would deliver them in the conversation's group (never beside a turn of the same one).
    local_stack.wait_idle(timeout=local_stack.bound("ProcessorFunction", "NotifierFunction", retries=1) * 4)
    for name, function in (("processor_tickets.json", "ProcessorFunction"), ("notifier_jobs.json", "NotifierFunction")):
        result = pool(function).invoke(_sample(name, customer))
        assert result == {"batchItemFailures": []}, name
    swept = pool("SweeperFunction").invoke(json.loads((EVENTS / "sweeper_schedule.json").read_text()))
    assert set(swept) == {"stale", "reticketed", "abandoned"}


def test_the_sweeper_runs_on_its_schedule(local_stack: LocalStack) -> None:
    """The template's schedule rule, played by the runner (rate(1 minute); shorter in tests)."""
    runs = local_stack.wait_for(lambda: local_stack.invocations_of("SweeperFunction"), timeout=30)
    assert runs[0].source == "schedule" and runs[0].ok, runs[0].error


def test_the_reminders_run_on_their_schedule(local_stack: LocalStack) -> None:
    """The template's rule (rate(5 minutes); shorter in tests): the pass, and the handoff follow-ups,
    template sync and recalls after it, reach the CRM as the functions' role (its URL from SSM) and
    report counts only; the minute's rule runs the waitlist's offer pass instead, the hour's the budget pass."""
    runs = local_stack.wait_for(lambda: local_stack.invocations_of("RemindersFunction"), timeout=30)
    assert runs[0].source == "schedule" and runs[0].ok, runs[0].error
    rule = ScheduledRule("RemindersFunction", "rate(5 minutes)")
    counts = local_stack.pool("RemindersFunction").invoke(scheduled_event(rule, local_stack.config.region))
    reminders = {"due", "claimed", "queued", "already_claimed", "requeued", "skipped", "failed", "given_up"}
    handoff = {"looked_at", "notified", "renotified", "offered", "resent", "already_claimed", "skipped", "failed"}
    synced = {"templates_synced", "templates_failed", "templates_added", "templates_updated", "templates_removed"}
    recalls = {"due", "closed", "claimed", "queued", "already_claimed", "requeued", "skipped", "failed", "given_up"}
    recalled = {f"recalls_{name}" for name in (*recalls, "out_of_time")}
    # then follow-ups, templates, recalls
    assert set(counts) == reminders | {f"handoff_{name}" for name in handoff} | synced | recalled
    assert all(isinstance(v, int) for v in counts.values())
    # The minute's schedule, Input {"pass": "waitlist"}: the waitlist's offer pass alone (docs/waitlist.md).
    minute = ScheduledRule("RemindersFunction", "rate(1 minute)", '{"pass": "waitlist"}')
    offered = local_stack.pool("RemindersFunction").invoke(scheduled_event(minute, local_stack.config.region))
    assert {"waitlist_openings", "waitlist_claimed", "waitlist_queued", "waitlist_expired_offers"} <= set(offered)
    assert all(name.startswith("waitlist_") for name in offered)
    # The hour's schedule, Input {"pass": "budgets"}: the budget pass alone, wired to the stack's
    # AlarmTopic (in moto) by the template's ALARM_TOPIC_ARN (docs/reminders.md).
    hour = ScheduledRule("RemindersFunction", "rate(1 hour)", '{"pass": "budgets"}')
    budgeted = local_stack.pool("RemindersFunction").invoke(scheduled_event(hour, local_stack.config.region))
    budget_counts = {"due", "owners_told", "ops_told", "retried", "already_claimed", "failed"}
    assert set(budgeted) == {f"budgets_{name}" for name in budget_counts}


def test_the_reminders_runs_sync_the_seeded_templates_from_gupshup(local_stack: LocalStack) -> None:
    """The daily template sync rides on the scheduled reminder runs: each seeded business's templates
    read from the local Gupshup server (its app id and key from SSM), still approved, with their
    buttons; a run the same day syncs nothing again."""
    synced = local_stack.wait_for(lambda: _templates_synced(local_stack), timeout=60)
    assert synced == {"ClinicaSonrisa", "SalonLima"}
    with psycopg.connect(local_stack.info["database_url"]) as conn:
        rows = conn.execute(
            "select p.app_name, t.template_id, t.status, t.removed_at, jsonb_array_length(t.buttons)"
            " from message_templates t join platform_connections p on p.organization_id = t.organization_id"
            " where p.app_name in ('ClinicaSonrisa', 'SalonLima') and t.template_id = 'recordatorio_cita'"
        ).fetchall()
    assert sorted(rows) == [("ClinicaSonrisa", "recordatorio_cita", "APPROVED", None, 3),
                            ("SalonLima", "recordatorio_cita", "APPROVED", None, 3)]  # fmt: skip
    rule = ScheduledRule("RemindersFunction", "rate(5 minutes)")
    counts = local_stack.pool("RemindersFunction").invoke(scheduled_event(rule, local_stack.config.region))
    assert counts["templates_synced"] == counts["templates_failed"] == 0  # synced today already


def _templates_synced(stack: LocalStack) -> set[str]:
    with psycopg.connect(stack.info["database_url"]) as conn:
        rows = conn.execute(
            "select app_name from platform_connections where app_name in ('ClinicaSonrisa', 'SalonLima')"
            " and templates_synced_at is not null and templates_sync_error is null"
        ).fetchall()
    return {r[0] for r in rows} if len(rows) == 2 else set()


def test_the_retention_is_scheduled_nightly_and_runs_on_the_stack(local_stack: LocalStack) -> None:
    """The template's nightly rule is played by the runner at its own hour (03:00 UTC), never at the
    test stack's fast rate: it removes data by age. Fired, it reaches the CRM as its own role (its URL
    from SSM) and every store, and reports counts only; `python -m receptionist.retention --local`
    runs the same on the running stack."""
    scheduler = local_stack.scheduler("RetentionFunction")
    assert scheduler.rule.expression == "cron(0 3 * * ? *)" and scheduler.period == 86400
    now = datetime.now(UTC)
    expected = scheduler.rule.first_delay(now)
    assert 0 < expected <= 86400 and (now + timedelta(seconds=expected)).strftime("%H:%M") == "03:00"
    assert abs(scheduler.first - expected) < 600  # measured when the stack started, minutes ago at most
    scheduler.fire()
    (run,) = local_stack.invocations_of("RetentionFunction")
    assert run.source == "schedule" and run.ok, run.error
    counts = local_stack.pool("RetentionFunction").invoke(scheduled_event(scheduler.rule, local_stack.config.region))
    assert counts["businesses"] >= 2 and counts["failed"] == 0 and counts["backlog"] == 0
    assert all(isinstance(v, int) for v in counts.values())
    ran = subprocess.run(
        [sys.executable, "-m", "receptionist.retention", "--local", "--app", "ClinicaSonrisa", "--seconds", "60"],
        env={**os.environ, "LOCAL_STATE_DIR": str(local_stack.config.state_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "businesses=1 " in ran.stdout and "failed=0" in ran.stdout


def test_local_retention_seconds_sets_the_retention_clock_only(monkeypatch: pytest.MonkeyPatch) -> None:
    retention = ScheduledRule("RetentionFunction", "cron(0 3 * * ? *)")
    sweeper = ScheduledRule("SweeperFunction", "rate(1 minute)")
    monkeypatch.setenv("LOCAL_SCHEDULE_SECONDS", "2")
    monkeypatch.delenv("LOCAL_RETENTION_SECONDS", raising=False)
    stack = LocalStack(LocalConfig.from_env())
    assert (stack.schedule_period(retention), stack.schedule_period(sweeper)) == (86400, 2)  # not the fast rate
    monkeypatch.setenv("LOCAL_RETENTION_SECONDS", "30")
    assert LocalStack(LocalConfig.from_env()).schedule_period(retention) == 30
    assert retention.first_delay(datetime(2026, 12, 7, 2, 0, tzinfo=UTC)) == 3600
    assert retention.first_delay(datetime(2026, 12, 7, 3, 0, tzinfo=UTC)) == 86400
    assert ScheduledRule("SweeperFunction", "rate(1 minute)").first_delay(datetime.now(UTC)) == 60


def test_local_reminders_seconds_sets_the_reminders_clock_only(monkeypatch: pytest.MonkeyPatch) -> None:
    reminders = ScheduledRule("RemindersFunction", "rate(5 minutes)")
    sweeper = ScheduledRule("SweeperFunction", "rate(1 minute)")
    monkeypatch.delenv("LOCAL_SCHEDULE_SECONDS", raising=False)
    monkeypatch.setenv("LOCAL_REMINDERS_SECONDS", "3")
    stack = LocalStack(LocalConfig.from_env())
    assert (stack.schedule_period(reminders), stack.schedule_period(sweeper)) == (3, 60)
    monkeypatch.setenv("LOCAL_SCHEDULE_SECONDS", "2")
    stack = LocalStack(LocalConfig.from_env())
    assert (stack.schedule_period(reminders), stack.schedule_period(sweeper)) == (3, 2)
    monkeypatch.delenv("LOCAL_REMINDERS_SECONDS")
    assert LocalStack(LocalConfig.from_env()).schedule_period(reminders) == 2
    assert LocalStack(LocalConfig()).schedule_period(reminders) == 300  # the rule's own rate


def test_the_stats_roll_up_keeps_its_hourly_rate_unless_local_stats_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    stats = ScheduledRule("RemindersFunction", "rate(1 hour)", '{"pass": "stats"}')
    waitlist = ScheduledRule("RemindersFunction", "rate(1 minute)", '{"pass": "waitlist"}')
    monkeypatch.setenv("LOCAL_SCHEDULE_SECONDS", "2")
    monkeypatch.setenv("LOCAL_REMINDERS_SECONDS", "3")
    monkeypatch.delenv("LOCAL_STATS_SECONDS", raising=False)
    stack = LocalStack(LocalConfig.from_env())
    assert (stack.schedule_period(stats), stack.schedule_period(waitlist)) == (3600, 3)  # never the fast clocks
    monkeypatch.setenv("LOCAL_STATS_SECONDS", "20")
    assert LocalStack(LocalConfig.from_env()).schedule_period(stats) == 20
