"""The template carries what the design needs: these checks fail when someone drops a piece."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from devstack.cloudformation import ScheduledRule
from devstack.template import function_env, load_template
from receptionist.config import RetentionSettings
from receptionist.processor import telemetry as turn_telemetry
from receptionist.reminders import handoff_telemetry, recalls_telemetry, stats_telemetry, waitlist_telemetry
from receptionist.reminders import telemetry as reminder_telemetry
from receptionist.retention import telemetry as retention_telemetry
from receptionist.sweeper import telemetry as sweep_telemetry
from receptionist.webhook import telemetry as request_telemetry

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = {
    "WebhookFunction",
    "ProcessorFunction",
    "NotifierFunction",
    "SweeperFunction",
    "ConsoleFunction",
    "RemindersFunction",
    "RetentionFunction",
    "CalendarFunction",
    "CalendarPushFunction",
}
# Light HTTP functions left without the X-Ray SDK for their cold start (tests/unit/foundation/test_tracing.py).
UNTRACED = {"WebhookFunction", "CalendarPushFunction"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_runtime_is_python313_on_arm64_with_tracing(template: dict[str, Any]) -> None:
    fn = template["Globals"]["Function"]
    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Tracing"] == "Active"
    assert "POWERTOOLS_METRICS_NAMESPACE" in fn["Environment"]["Variables"]


# What a thin handler may hold: Powertools and its settings at module level, wiring of the
# package's service, and small functions that parse, delegate and map. Logic lives in receptionist.*.
_HANDLER_DECORATORS = ["logger.inject_lambda_context", "tracer.capture_lambda_handler", "metrics.log_metrics"]
# The webhook leaves the X-Ray SDK out for its cold start (tests/unit/foundation/test_tracing.py).
_UNTRACED_HANDLER_DECORATORS = ["logger.inject_lambda_context", "metrics.log_metrics"]
_MAX_STATEMENTS = 12  # per function, nested ones included
_FORBIDDEN_IMPORTS = ("psycopg", "httpx", "langgraph", "langchain", "openai", "google")


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target)


def _thinness_problems(path: Path, decorators: list[str] = _HANDLER_DECORATORS) -> list[str]:
    tree = ast.parse(path.read_text())
    problems: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.For | ast.While | ast.If | ast.With | ast.Try):
            problems.append(f"line {node.lineno}: {type(node).__name__} at module level")
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    for fn in functions:
        statements = sum(isinstance(n, ast.stmt) for n in ast.walk(fn)) - 1
        if statements > _MAX_STATEMENTS:
            problems.append(f"{fn.name}: {statements} statements")
        if any(isinstance(n, ast.For | ast.While | ast.comprehension) for n in ast.walk(fn)):
            problems.append(f"{fn.name}: loops over data (that is the service's job)")
    handler = next((fn for fn in functions if fn.name == "handler"), None)
    if handler is None or [_decorator_name(d) for d in handler.decorator_list] != decorators:
        problems.append(f"handler: missing, or not decorated {' -> '.join(decorators)} (in that order)")
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    ]
    if not any(m.startswith("receptionist.") and m.endswith((".service", ".wiring")) for m in modules):
        problems.append("imports no receptionist.<package>.service / .wiring: where is the logic?")
    problems += [f"imports {m}" for m in modules if m.split(".")[0] in _FORBIDDEN_IMPORTS]
    return problems


def test_every_function_has_a_thin_handler(template: dict[str, Any]) -> None:
    functions = _resources(template, "AWS::Serverless::Function")
    assert set(functions) == FUNCTIONS
    for name, props in ((n, f["Properties"]) for n, f in functions.items()):
        assert props.get("Handler", template["Globals"]["Function"]["Handler"]) == "app.handler"
        app = ROOT / props["CodeUri"] / "app.py"
        decorators = _UNTRACED_HANDLER_DECORATORS if name in UNTRACED else _HANDLER_DECORATORS
        assert _thinness_problems(app, decorators) == [], app


def test_the_thinness_check_catches_a_fat_handler(tmp_path: Path) -> None:
    fat = tmp_path / "app.py"
    fat.write_text(
        "import psycopg\n"
        "from receptionist.webhook.service import WebhookService\n"
        "class Parser: ...\n"
        "def handler(event, context):\n"
        "    for record in event['Records']:\n"
        "        psycopg.connect('x').execute('insert ...')\n"
    )
    problems = _thinness_problems(fat)
    assert "line 3: ClassDef at module level" in problems
    assert "handler: loops over data (that is the service's job)" in problems
    assert "imports psycopg" in problems
    assert any(p.startswith("handler: missing, or not decorated") for p in problems)


def test_webhook_route_and_throttling(template: dict[str, Any]) -> None:
    event = template["Resources"]["WebhookFunction"]["Properties"]["Events"]["GupshupWebhook"]
    assert event["Type"] == "HttpApi"
    assert event["Properties"]["Method"] == "POST"
    assert event["Properties"]["Path"] == "/webhooks/gupshup"
    throttle = template["Globals"]["HttpApi"]["DefaultRouteSettings"]
    assert throttle["ThrottlingBurstLimit"] > 0 and throttle["ThrottlingRateLimit"] > 0
    assert "WebhookUrl" in template["Outputs"]


def test_webhook_carries_no_heavy_layer(template: dict[str, Any]) -> None:
    webhook = template["Resources"]["WebhookFunction"]["Properties"]
    assert "Layers" not in webhook  # only the Globals layers: shared + light deps
    assert {lyr["Ref"] for lyr in template["Globals"]["Function"]["Layers"]} == {"SharedLayer", "DepsLightLayer"}


@pytest.mark.parametrize(
    ("queue", "dlq", "consumer"),
    [
        ("InboundQueue", "InboundDeadLetterQueue", "ProcessorFunction"),
        ("OutboundQueue", "OutboundDeadLetterQueue", "NotifierFunction"),
        ("CalendarQueue", "CalendarDeadLetterQueue", "CalendarFunction"),
    ],
)
def test_fifo_queues_with_dlq_and_visibility_six_times_timeout(
    template: dict[str, Any], queue: str, dlq: str, consumer: str
) -> None:
    res = template["Resources"]
    props = res[queue]["Properties"]
    assert props["FifoQueue"] is True
    assert res[dlq]["Properties"]["FifoQueue"] is True
    assert props["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq, "Arn"]}
    assert props["RedrivePolicy"]["maxReceiveCount"] >= 2
    timeout = res[consumer]["Properties"].get("Timeout", template["Globals"]["Function"]["Timeout"])
    assert props["VisibilityTimeout"] >= 6 * timeout
    sqs_events = [e for e in res[consumer]["Properties"]["Events"].values() if e["Type"] == "SQS"]
    assert len(sqs_events) == 1
    mapping = sqs_events[0]["Properties"]
    assert mapping["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] >= 2


def test_inbound_delay_is_the_debounce_parameter(template: dict[str, Any]) -> None:
    assert template["Parameters"]["DebounceSeconds"]["Default"] == 10
    assert template["Resources"]["InboundQueue"]["Properties"]["DelaySeconds"] == {"Ref": "DebounceSeconds"}


def test_tables_schemas_ttl_and_billing(template: dict[str, Any]) -> None:
    res = template["Resources"]
    keys = {
        "ConversationsTable": (["pk", "sk"], "expires_at", True),
        "CheckpointsTable": (["PK", "SK"], "ttl", True),
        "IdempotencyTable": (["id"], "expiration", True),
    }
    for name, (key_names, ttl, pitr) in keys.items():
        props = res[name]["Properties"]
        assert [k["AttributeName"] for k in props["KeySchema"]] == key_names
        types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        assert all(types[k] == "S" for k in key_names)
        assert props["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        pitr_on = props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False)
        assert pitr_on is pitr


def test_bucket_encrypted_private_tls_only_with_expiry(template: dict[str, Any]) -> None:
    res = template["Resources"]
    props = res["MediaBucket"]["Properties"]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert any("ExpirationInDays" in rule for rule in props["LifecycleConfiguration"]["Rules"])
    statement = res["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_no_secret_values_in_the_template(template: dict[str, Any]) -> None:
    text = (ROOT / "template.yaml").read_text().lower()
    for marker in ("sk-", "api_key:", "apikey:", "password:"):  # (a PasswordPolicy is no secret)
        assert marker not in text
    for fn in _resources(template, "AWS::Serverless::Function").values():
        for name in fn["Properties"]["Environment"]["Variables"]:
            assert not name.endswith(("_KEY", "_SECRET", "DATABASE_URL")), name


def test_alarms_on_every_dlq_and_function(template: dict[str, Any]) -> None:
    alarms = _resources(template, "AWS::CloudWatch::Alarm").values()
    values = [a["Properties"]["Dimensions"][0]["Value"] for a in alarms]
    watched = {v.get("Fn::GetAtt", [None])[0] for v in values if isinstance(v, dict)} | {
        v.get("Ref") for v in values if isinstance(v, dict)
    }
    assert {"InboundDeadLetterQueue", "OutboundDeadLetterQueue", "CalendarDeadLetterQueue"} <= watched
    assert watched >= FUNCTIONS


def test_alarms_on_silent_drops(template: dict[str, Any]) -> None:
    """Refused or ignored customer messages, fallbacks, abandoned sweeps and failed reminders each
    raise an alarm on the metric the code emits (namespace, name and dimensions must match exactly)."""
    namespace = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    alarms = [a["Properties"] for a in _resources(template, "AWS::CloudWatch::Alarm").values()]
    custom = {
        (a["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in a["Dimensions"])))
        for a in alarms
        if a["Namespace"] == namespace
    }
    assert custom == {
        (request_telemetry.REJECTED, (("reason", "invalid_payload"), ("service", "webhook"))),
        (request_telemetry.IGNORED, (("reason", "unsupported_message_type"), ("service", "webhook"))),
        (turn_telemetry.TURNS_GIVEN_UP, (("service", "processor"),)),
        (turn_telemetry.TURNS_OVER_BUDGET, (("service", "processor"),)),
        (sweep_telemetry.SWEEPS_ABANDONED, (("service", "sweeper"),)),
        (reminder_telemetry.REMINDERS_FAILED, (("service", "reminders"),)),
        (reminder_telemetry.REMINDERS_GIVEN_UP, (("service", "reminders"),)),
        (handoff_telemetry.HANDOFF_FAILED, (("service", "reminders"),)),  # the same run's follow-ups
        (recalls_telemetry.RECALLS_FAILED, (("service", "reminders"),)),  # the same run's recalls
        (waitlist_telemetry.OFFERS_GIVEN_UP, (("service", "reminders"),)),  # the same function's offer pass
        (stats_telemetry.STATS_FAILED, (("service", "reminders"),)),  # the same function's daily roll-up
        (retention_telemetry.FAILED, (("service", "retention"),)),
        (retention_telemetry.BACKLOG, (("service", "retention"),)),
    }
    services = {
        name: fn["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        for name, fn in _resources(template, "AWS::Serverless::Function").items()
    }
    assert {"webhook", "processor", "sweeper", "reminders", "retention"} <= set(services.values())


def test_processor_batch_cannot_overrun(template: dict[str, Any]) -> None:
    """One ticket per invocation, and its deadline plus the fallback's reserve fit the timeout."""
    props = template["Resources"]["ProcessorFunction"]["Properties"]
    mapping = props["Events"]["InboundTickets"]["Properties"]
    env = props["Environment"]["Variables"]
    assert mapping["BatchSize"] == 1
    assert 0 < float(env["FALLBACK_RESERVE_SECONDS"]) < props["Timeout"] / 2
    inbound = template["Resources"]["InboundQueue"]["Properties"]
    assert inbound["RedrivePolicy"]["maxReceiveCount"] == int(env["MAX_RECEIVE_COUNT"])
    assert inbound["VisibilityTimeout"] >= 6 * props["Timeout"]


def test_the_sweeper_runs_every_minute_on_the_open_index(template: dict[str, Any]) -> None:
    props = template["Resources"]["SweeperFunction"]["Properties"]
    assert props["Events"]["Sweep"] == {
        "Type": "Schedule",
        "Properties": {"Schedule": "rate(1 minute)", "Description": "Re-ticket messages stored without a ticket."},
    }
    table = template["Resources"]["ConversationsTable"]["Properties"]
    index = next(
        i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == props["Environment"]["Variables"]["OPEN_INDEX"]
    )
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["open_shard", "open_at"]
    assert props["Environment"]["Variables"]["DEBOUNCE_SECONDS"] == {"Ref": "DebounceSeconds"}


def test_the_reminders_run_every_five_minutes_with_one_connection(template: dict[str, Any]) -> None:
    """A schedule rule like the sweeper's; one pass at a time (one database connection); it sends
    only to the outbound queue and reads only the database URL; its errors are alarmed."""
    props = template["Resources"]["RemindersFunction"]["Properties"]
    assert props["Events"]["Remind"] == {
        "Type": "Schedule",
        "Properties": {"Schedule": "rate(5 minutes)", "Description": "Claim and queue the appointment reminders due."},
    }
    assert props["ReservedConcurrentExecutions"] == 1
    assert (props["Timeout"], props["MemorySize"]) == (60, 256)
    assert props["Layers"] == [{"Ref": "DepsDbLayer"}]
    env = props["Environment"]["Variables"]
    assert env["OUTBOUND_QUEUE_URL"] == {"Ref": "OutboundQueue"}
    assert env["DATABASE_URL_PARAM"] == {"Fn::Sub": "/receptionist/${Stage}/database-url"}
    assert float(env["REMINDER_LOOKBACK_HOURS"]) >= 1  # a missed run is caught up
    sends = [p["SQSSendMessagePolicy"] for p in props["Policies"] if "SQSSendMessagePolicy" in p]
    assert sends == [{"QueueName": {"Fn::GetAtt": ["OutboundQueue", "QueueName"]}}]
    assert [st["Action"] for st in _statements(template, "RemindersFunction")] == [["ssm:GetParameter"]]
    alarm = template["Resources"]["RemindersErrorsAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "RemindersFunction"}}]


def test_the_waitlist_s_offer_pass_runs_every_minute_in_the_reminders_function(template: dict[str, Any]) -> None:
    """A second schedule of the same function (no new database connection): its event names the pass."""
    props = template["Resources"]["RemindersFunction"]["Properties"]
    waitlist = props["Events"]["Waitlist"]
    assert waitlist["Type"] == "Schedule"
    assert waitlist["Properties"]["Schedule"] == "rate(1 minute)"
    assert json.loads(waitlist["Properties"]["Input"]) == {"pass": "waitlist"}
    assert props["ReservedConcurrentExecutions"] == 1


def test_the_budget_pass_runs_every_hour_and_may_publish_to_the_alarm_topic_only(template: dict[str, Any]) -> None:
    """Its own schedule of the reminders function (no new database connection); ops hear through
    the topic the alarms notify, and the function may publish to that topic and no other."""
    props = template["Resources"]["RemindersFunction"]["Properties"]
    budgets = props["Events"]["Budgets"]
    assert budgets["Type"] == "Schedule"
    assert budgets["Properties"]["Schedule"] == "rate(1 hour)"
    assert json.loads(budgets["Properties"]["Input"]) == {"pass": "budgets"}
    assert props["Environment"]["Variables"]["ALARM_TOPIC_ARN"] == {"Ref": "AlarmTopic"}
    publishes = [p["SNSPublishMessagePolicy"] for p in props["Policies"] if "SNSPublishMessagePolicy" in p]
    assert publishes == [{"TopicName": {"Fn::GetAtt": ["AlarmTopic", "TopicName"]}}]


def test_the_daily_roll_up_runs_every_hour_in_the_reminders_function(template: dict[str, Any]) -> None:
    """Another schedule of the same function (no new database connection): its event names the pass,
    and the function knows the deployment's model (a turn without one is priced at it)."""
    props = template["Resources"]["RemindersFunction"]["Properties"]
    stats = props["Events"]["Stats"]
    assert (stats["Type"], stats["Properties"]["Schedule"]) == ("Schedule", "rate(1 hour)")
    assert json.loads(stats["Properties"]["Input"]) == {"pass": "stats"}
    assert props["Environment"]["Variables"]["OPENAI_MODEL"] == {"Ref": "OpenAIModel"}


def test_the_retention_runs_every_night_with_one_connection_and_reaches_only_a_customer_s_items(
    template: dict[str, Any],
) -> None:
    """A nightly rule (the local runner plays it too); one run at a time, one database connection,
    Lambda's longest timeout with a reserve; as erasure reaches a customer, minus what only a block
    or an export needs (no S3 read, copy or write); its errors, failures and backlog alarmed."""
    props = template["Resources"]["RetentionFunction"]["Properties"]
    assert props["Events"]["Retain"]["Type"] == "Schedule"
    rule = ScheduledRule("RetentionFunction", props["Events"]["Retain"]["Properties"]["Schedule"])
    assert rule.period_seconds == 86400
    assert (props["ReservedConcurrentExecutions"], props["Timeout"], props["Layers"]) == (
        1,
        900,
        [{"Ref": "DepsDbLayer"}],
    )
    env = props["Environment"]["Variables"]
    assert env["DATABASE_URL_PARAM"] == {"Fn::Sub": "/receptionist/${Stage}/retention-database-url"}
    assert 5 <= float(env["RETENTION_RESERVE_SECONDS"]) < props["Timeout"] / 10
    settings = RetentionSettings.from_env(function_env("RetentionFunction", template))  # valid as deployed
    assert settings.customer_key_param and settings.reserve_seconds == float(env["RETENTION_RESERVE_SECONDS"])
    statements = {st["Sid"]: st for st in _statements(template, "RetentionFunction")}
    actions = [a for st in statements.values() for a in st["Action"]]
    assert not {"dynamodb:Scan", "s3:GetObject", "s3:PutObject", "sqs:SendMessage"} & set(actions)
    assert statements["RetentionCustomerItems"]["Action"] == ["dynamodb:Query", "dynamodb:BatchWriteItem"]
    assert statements["RetentionIdempotencyRecords"]["Action"] == ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"]
    assert statements["RetentionListObjects"]["Condition"]["StringLike"]["s3:prefix"] == [
        "media/*",
        "checkpoints/*",
        "blocked/*",
        "exports/*",
    ]
    assert statements["RetentionDeleteObjects"]["Action"] == ["s3:DeleteObject"]
    assert _resources_of(statements["RetentionDeleteObjects"]) == [
        f"${{MediaBucket.Arn}}/{prefix}/*" for prefix in ("media", "checkpoints", "blocked", "exports")
    ]
    assert "Policies" in props and not [p for p in props["Policies"] if "SQSSendMessagePolicy" in p]
    alarm = template["Resources"]["RetentionErrorsAlarm"]["Properties"]
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "RetentionFunction"}}]
    behind = template["Resources"]["RetentionBehindAlarm"]["Properties"]
    assert behind["Period"] * behind["EvaluationPeriods"] <= 7 * 86400  # CloudWatch's longest evaluation


def test_least_privilege_webhook_cannot_read_other_secrets(template: dict[str, Any]) -> None:
    policies = template["Resources"]["WebhookFunction"]["Properties"]["Policies"]
    assert not any("SSMParameterReadPolicy" in p for p in policies)
    statements = [st for p in policies for st in p.get("Statement", [])]
    ssm = [st for st in statements if any(a.startswith("ssm:") for a in st["Action"])]
    assert [(st["Action"], st["Resource"]["Fn::Sub"].rsplit(":parameter", 1)[1]) for st in ssm] == [
        (["ssm:GetParametersByPath"], "/receptionist/${Stage}/webhook-secrets")
    ]
    assert not any("DynamoDBCrudPolicy" in p for p in policies)


def test_a_message_left_without_a_ticket_is_answered_within_two_minutes(template: dict[str, Any]) -> None:
    """Stale after the debounce + margin, found by the next sweep (every minute), then the inbound
    queue's delay (the debounce again) and one turn within the processor's timeout."""
    sweeper = template["Resources"]["SweeperFunction"]["Properties"]
    env = sweeper["Environment"]["Variables"]
    assert sweeper["Events"]["Sweep"]["Properties"]["Schedule"] == "rate(1 minute)"
    debounce = template["Parameters"]["DebounceSeconds"]["Default"]
    stale_after = debounce + float(env["SWEEP_MARGIN_SECONDS"])
    turn = template["Resources"]["ProcessorFunction"]["Properties"]["Timeout"] / 2  # a slow turn
    assert stale_after + 60 + debounce + turn <= 120
    assert float(env["RESWEEP_SECONDS"]) >= template["Resources"]["InboundQueue"]["Properties"]["VisibilityTimeout"]


def _statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    policies = template["Resources"][function]["Properties"]["Policies"]
    return [st for p in policies if isinstance(p, dict) for st in p.get("Statement", [])]


def _resources_of(statement: dict[str, Any]) -> list[str]:
    res = statement["Resource"]
    items = res if isinstance(res, list) else [res]
    return [str(r.get("Fn::Sub", r.get("Fn::GetAtt", r))) for r in items]


def test_every_function_gets_only_the_actions_it_uses(template: dict[str, Any]) -> None:
    for name, fn in _resources(template, "AWS::Serverless::Function").items():
        kinds = {next(iter(p)) for p in fn["Properties"].get("Policies", []) if isinstance(p, dict)}
        assert not kinds & {"DynamoDBCrudPolicy", "S3CrudPolicy", "SSMParameterReadPolicy"}, name
        for st in _statements(template, name):
            assert "*" not in " ".join(st["Action"]), (name, st)
    processor = {st["Sid"]: st for st in _statements(template, "ProcessorFunction")}
    assert processor["Conversations"]["Action"] == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
    ]
    assert all(
        "/media/*" in r or "/checkpoints/*" in r for r in _resources_of(processor["MediaCopiesAndCheckpointOffload"])
    )


def test_each_function_reads_only_its_own_secrets(template: dict[str, Any]) -> None:
    def ssm(function: str) -> list[str]:
        found = [st for st in _statements(template, function) if any(a.startswith("ssm:") for a in st["Action"])]
        return sorted(r.split(":parameter", 1)[1] for st in found for r in _resources_of(st))

    assert ssm("ProcessorFunction") == [
        "/receptionist/${Stage}/calendar/tokens/*",  # a booking's re-check in the member's calendar
        "/receptionist/${Stage}/database-url",
        "/receptionist/${Stage}/gemini-api-key",
        "/receptionist/${Stage}/google-client-secret",
        "/receptionist/${Stage}/gupshup/*",  # the apps' Partner App Tokens (read receipts, "typing…")
        "/receptionist/${Stage}/langfuse-public-key",  # tracing, when LangfuseHost is set
        "/receptionist/${Stage}/langfuse-secret-key",
        "/receptionist/${Stage}/openai-api-key",
        "/receptionist/${Stage}/trace-user-key",  # the HMAC key of the traces' user id
    ]
    assert ssm("NotifierFunction") == ["/receptionist/${Stage}/database-url", "/receptionist/${Stage}/gupshup/*"]
    assert ssm("WebhookFunction") == ["/receptionist/${Stage}/webhook-secrets"]
    assert ssm("SweeperFunction") == []
    # The daily template sync reads each app's key for Gupshup's template API (issue 27).
    assert ssm("RemindersFunction") == ["/receptionist/${Stage}/database-url", "/receptionist/${Stage}/gupshup/*"]
    # Its own database role (receptionist_retention), the customer key (a removal's pseudonym), Langfuse's.
    assert ssm("RetentionFunction") == [
        "/receptionist/${Stage}/langfuse-public-key",
        "/receptionist/${Stage}/langfuse-secret-key",
        "/receptionist/${Stage}/retention-database-url",
        "/receptionist/${Stage}/trace-user-key",
    ]
    # The calendar sync: its refresh tokens only under their path, the push channels' key, the OAuth client's secret.
    assert ssm("CalendarFunction") == [
        "/receptionist/${Stage}/calendar-channel-key",
        "/receptionist/${Stage}/calendar/tokens/*",
        "/receptionist/${Stage}/database-url",
        "/receptionist/${Stage}/google-client-secret",
    ]
    assert ssm("CalendarPushFunction") == ["/receptionist/${Stage}/calendar-channel-key"]  # no database
    # The console's own database role (receptionist_console), never the message functions' URL.
    assert ssm("ConsoleFunction") == [
        # Members' calendars (issue 28): each connection's refresh token, read, written and deleted
        # under its path only, and the Google OAuth client's secret.
        "/receptionist/${Stage}/calendar/tokens/*",
        "/receptionist/${Stage}/console-database-url",
        "/receptionist/${Stage}/console-secret",
        "/receptionist/${Stage}/google-client-secret",
        "/receptionist/${Stage}/gupshup/*",  # the business's app key, for Gupshup's template API (issue 27)
        "/receptionist/${Stage}/langfuse-public-key",  # an owner's erasure deletes the customer's traces
        "/receptionist/${Stage}/langfuse-secret-key",
        "/receptionist/${Stage}/trace-user-key",  # the customer's pseudonym in the audit log
        "/receptionist/${Stage}/webhook-secrets/*",
        # rotation's write claims (docs/console.md): listed and deleted, only under claims/
        "/receptionist/${Stage}/webhook-secrets/*/claims",
        "/receptionist/${Stage}/webhook-secrets/*/claims/*",
    ]


def test_the_console_reaches_a_customer_s_items_and_nothing_wider(template: dict[str, Any]) -> None:
    """An owner's block or erasure (docs/privacy.md): DynamoDB by partition and id (no Scan, no
    table-wide action), S3 under the prefixes where a customer's objects are, writes only to blocked/."""
    console = {st["Sid"]: st for st in _statements(template, "ConsoleFunction")}
    assert console["ForgetCustomerItems"]["Action"] == ["dynamodb:Query", "dynamodb:BatchWriteItem"]
    assert _resources_of(console["ForgetCustomerItems"]) == [
        "['ConversationsTable', 'Arn']",
        "['CheckpointsTable', 'Arn']",
    ]
    assert console["ForgetIdempotencyRecords"]["Action"] == ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"]
    actions = [a for st in console.values() for a in st["Action"]]
    assert not {"dynamodb:Scan", "s3:PutObject*", "dynamodb:DeleteTable"} & set(actions)
    # S3: listed only under the prefixes where a customer's objects are; written only to blocked/
    # (a block's copies) and exports/ (an export's archive); read only from media/ and exports/.
    assert console["ListCustomerObjects"]["Condition"]["StringLike"]["s3:prefix"] == [
        "media/*",
        "checkpoints/*",
        "blocked/*",
        "exports/*",
    ]
    s3 = {sid: st for sid, st in console.items() if any(a.startswith("s3:") for a in st["Action"])}
    assert set(s3) == {"ListCustomerObjects", "ReadMedia", "ExportArchives", "ForgetCustomerObjects", "BlockedMedia"}
    assert _resources_of(console["BlockedMedia"]) == ["${MediaBucket.Arn}/blocked/*"]
    assert console["BlockedMedia"]["Action"] == ["s3:PutObject"]
    assert _resources_of(console["ReadMedia"]) == ["${MediaBucket.Arn}/media/*"]
    assert console["ReadMedia"]["Action"] == ["s3:GetObject"]
    assert console["ForgetCustomerObjects"]["Action"] == ["s3:DeleteObject"]
    assert _resources_of(console["ForgetCustomerObjects"]) == [
        f"${{MediaBucket.Arn}}/{prefix}/*" for prefix in ("media", "checkpoints", "blocked", "exports")
    ]


def test_reserved_concurrency_fits_the_database_pool(template: dict[str, Any]) -> None:
    """One connection per warm container: the reserved concurrency of every function that reaches
    the CRM (the psycopg layer), plus 1 for ops, within Supabase's default pool of 20 (the
    arithmetic is written next to ProcessorFunction)."""
    res = template["Resources"]
    with_db = [
        name
        for name, fn in _resources(template, "AWS::Serverless::Function").items()
        if {"Ref": "DepsDbLayer"} in fn["Properties"].get("Layers", [])
    ]
    assert set(with_db) == {
        "ProcessorFunction",
        "NotifierFunction",
        "ConsoleFunction",
        "RemindersFunction",
        "RetentionFunction",
        "CalendarFunction",
    }
    connections = sum(res[f]["Properties"]["ReservedConcurrentExecutions"] for f in with_db)
    assert connections + 1 <= 20
    reserved = {
        f: res[f]["Properties"]["ReservedConcurrentExecutions"] for f in ("ProcessorFunction", "NotifierFunction")
    }
    for function, limit in reserved.items():
        events = res[function]["Properties"]["Events"]
        (mapping,) = [e["Properties"] for e in events.values() if e["Type"] == "SQS"]
        assert mapping["ScalingConfig"]["MaximumConcurrency"] <= limit


def test_api_access_logs_leave_out_query_strings_and_addresses(template: dict[str, Any]) -> None:
    settings = template["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
    fmt = settings["Format"]
    assert "$context.routeKey" in fmt and "$context.status" in fmt
    for leak in ("querystring", "identity.sourceIp", "$context.path", "requestOverride"):
        assert leak.lower() not in fmt.lower()
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}


def test_every_checkov_skip_is_justified_on_its_resource(template: dict[str, Any]) -> None:
    skips = [
        (name, skip)
        for name, res in template["Resources"].items()
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips  # checkov runs in `make lint`; what it is told to skip is written down here
    for name, skip in skips:
        assert skip["id"].startswith("CKV_"), name
        assert len(skip.get("comment", "")) >= 40, f"{name}: {skip['id']} needs its reason"


def test_processor_resumes_from_a_snapshot_through_its_alias(template: dict[str, Any]) -> None:
    props = template["Resources"]["ProcessorFunction"]["Properties"]
    # SnapStart applies to published versions only: the alias follows each deploy's version,
    # and SAM attaches the function's SQS event source to the alias, not to $LATEST.
    assert props["SnapStart"] == {"ApplyOn": {"Ref": "ProcessorSnapStart"}}
    assert template["Parameters"]["ProcessorSnapStart"]["Default"] == "PublishedVersions"
    assert set(template["Parameters"]["ProcessorSnapStart"]["AllowedValues"]) == {"PublishedVersions", "None"}
    assert props["AutoPublishAlias"] == "live"
    assert "ProvisionedConcurrencyConfig" not in props  # SnapStart excludes it
    assert props.get("EphemeralStorage", {}).get("Size", 512) <= 512  # so does a larger /tmp
    assert [e["Type"] for e in props["Events"].values()] == ["SQS"]
