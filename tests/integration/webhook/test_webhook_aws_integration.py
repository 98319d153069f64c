"""The webhook's adapters against moto with the template's own table and queues.

Every accepted message costs exactly two AWS calls (TransactWriteItems + SendMessage). A
redelivery costs two (the transaction, then a GetItem of the message) and, when the message still
waits for a turn, its ticket is sent again with the same deduplication id; once the message is
answered, nothing is sent however late the redelivery comes.
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError
from webhook_aws_kit import ROOT, Aws, CallCounter, Wired, drain, wire
from webhook_kit import APP, CONTENT, CUSTOMER, MESSAGE_KINDS, OTHER_SECRET, message, status_event, user_event

from devstack.template import function_env
from receptionist.conversation_key import ConversationKey
from receptionist.gupshup.inbound import parse_message
from receptionist.messages import InboundTicket, OutboundJob

CONVERSATION = str(ConversationKey(APP, CUSTOMER))
TWO_CALLS = {"DynamoDB.TransactWriteItems": 1, "SQS.SendMessage": 1}
DAY_MS = 86_400_000


def _unique(prefix: str) -> str:
    return f"wamid.{prefix}-{time.time_ns()}"


def test_an_accepted_message_is_exactly_two_aws_calls(wired: Wired) -> None:
    message_id = _unique("two-calls")
    before = time.time()
    response = wired.harness.post(message("text", CONTENT["text"], id=message_id))
    assert response.status == 200 and response.payload == {"status": "accepted"}
    assert wired.counter.count() == TWO_CALLS

    items = wired.items(CONVERSATION)
    marker = items[f"DEDUP#{message_id}"]
    (sk,) = [k for k, v in items.items() if k.startswith("MSG#") and v["message_id"]["S"] == message_id]
    stored = items[sk]
    assert marker["buffer_sk"]["S"] == sk
    assert stored["status"]["S"] == "pending" and stored["message_type"]["S"] == "text"
    assert parse_message(stored["message"]["S"]).id == message_id
    received_at = int(stored["received_at"]["N"])
    assert sk == f"MSG#{received_at:015d}#{message_id}"
    for item in (marker, stored):
        ttl = int(item["expires_at"]["N"])
        assert before + 7 * 86_400 - 5 <= ttl <= time.time() + 7 * 86_400 + 5
    meta = items["META"]
    assert meta["last_message_id"]["S"] == message_id and meta["last_message_sk"]["S"] == sk
    # On the sweep's open index until a turn answers it.
    assert meta["open_shard"]["S"].startswith("open#") and meta["open_at"]["N"] == str(received_at)

    (sent,) = wired.drain(wired.aws.inbound_url)
    assert sent["Attributes"]["MessageGroupId"] == CONVERSATION
    assert sent["Attributes"]["MessageDeduplicationId"] == message_id
    ticket = InboundTicket.model_validate_json(sent["Body"])
    assert (ticket.kind, ticket.conversation, ticket.message_id) == ("message", CONVERSATION, message_id)


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_message_type_is_two_calls(wired: Wired, kind: str) -> None:
    message_id = _unique(kind)
    assert wired.harness.post(message(kind, CONTENT[kind], id=message_id)).status == 200
    assert wired.counter.count() == TWO_CALLS
    (sent,) = wired.drain(wired.aws.inbound_url)
    ticket = InboundTicket.model_validate_json(sent["Body"])
    (stored,) = [v for k, v in wired.items(CONVERSATION).items() if k.startswith("MSG#") and k.endswith(message_id)]
    assert ticket.message_id == message_id and parse_message(stored["message"]["S"]).type == kind


def test_an_immediate_redelivery_re_sends_the_ticket_which_sqs_deduplicates(wired: Wired) -> None:
    body = message("text", CONTENT["text"], id=_unique("dup"))
    wired.harness.post(body)
    wired.counter.reset()
    again = wired.harness.post(body)
    assert again.payload == {"status": "duplicate"}
    assert wired.counter.count() == {"DynamoDB.TransactWriteItems": 1, "DynamoDB.GetItem": 1, "SQS.SendMessage": 1}
    assert len(wired.drain(wired.aws.inbound_url)) == 1  # same deduplication id: one ticket


def test_a_redelivery_after_the_sqs_dedup_window_is_still_dropped(aws: Aws) -> None:
    message_id = _unique("late")
    body = message("audio", CONTENT["audio"], id=message_id)
    first = wire(aws)
    assert first.harness.post(body).payload == {"status": "accepted"}
    # The processor has consumed the ticket and answered: the queue holds nothing for SQS to
    # dedupe against, and the message is done.
    assert len(first.drain(aws.inbound_url)) == 1
    (sk,) = [k for k in first.items(CONVERSATION) if k.startswith("MSG#") and k.endswith(message_id)]
    first.buffer._ddb.update_item(
        TableName=aws.table,
        Key={"pk": {"S": ConversationKey.parse(CONVERSATION).partition}, "sk": {"S": sk}},
        UpdateExpression="SET #s = :done",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":done": {"S": "done"}},
    )

    # Gupshup retries three days later, far past SQS's 5-minute deduplication window.
    later = wire(aws, clock=lambda: time.time_ns() // 1_000_000 + 3 * DAY_MS)
    response = later.harness.post(body)
    assert response.status == 200 and response.payload == {"status": "duplicate"}
    # Dropped by the DynamoDB marker and the message's status: no SendMessage was even attempted.
    assert later.counter.count() == {"DynamoDB.TransactWriteItems": 1, "DynamoDB.GetItem": 1}
    assert later.drain(aws.inbound_url) == []
    buffered = [v for k, v in later.items(CONVERSATION).items() if k.startswith("MSG#") and message_id in k]
    assert len(buffered) == 1


def test_a_status_is_one_call_to_the_outbound_queue(wired: Wired) -> None:
    body = status_event("delivered")
    body["payload"]["id"] = _unique("status")
    assert wired.harness.post(body).payload == {"status": "forwarded"}
    assert wired.counter.count() == {"SQS.SendMessage": 1}
    (sent,) = wired.drain(wired.aws.outbound_url)
    assert sent["Attributes"]["MessageGroupId"] == f"status#{body['payload']['id']}"  # never holds a reply
    assert sent["Attributes"]["MessageDeduplicationId"] == f"{body['payload']['id']}#delivered"
    job = OutboundJob.model_validate_json(sent["Body"])
    assert job.kind == "status" and job.status is not None and job.status.state == "delivered"


def test_an_opt_out_is_one_call_to_the_inbound_queue(wired: Wired) -> None:
    assert wired.harness.post(user_event("opted-out")).payload == {"status": "forwarded"}
    assert wired.counter.count() == {"SQS.SendMessage": 1}
    (sent,) = wired.drain(wired.aws.inbound_url)
    assert sent["Attributes"]["MessageGroupId"] == CONVERSATION
    ticket = InboundTicket.model_validate_json(sent["Body"])
    assert ticket.kind == "user_event" and ticket.event is not None and ticket.event.type == "opted-out"


@pytest.mark.parametrize(
    ("body", "kwargs"),
    [
        (message("text", CONTENT["text"]), {"token": "wrong"}),
        (b"{", {}),
        ({"app": "x"}, {}),
        (message("text", CONTENT["text"]), {"content_type": "text/plain"}),
        (message("reaction", {"emoji": "x"}), {}),
        (user_event("sandbox-start"), {}),
    ],
)
def test_rejected_and_ignored_requests_make_no_aws_call(wired: Wired, body: Any, kwargs: dict[str, Any]) -> None:
    wired.harness.post(body, **kwargs)
    assert wired.counter.calls == []


def test_a_ticket_lost_after_the_write_is_sent_on_gupshups_retry(aws: Aws) -> None:
    message_id = _unique("lost-ticket")
    body = message("text", CONTENT["text"], id=message_id)
    broken = wire(aws, inbound_url=aws.inbound_url.replace("inbound.fifo", "missing.fifo"))
    with pytest.raises(ClientError):
        broken.harness.post(body)  # stored, then the ticket fails: Gupshup gets a 5xx
    items = broken.items(CONVERSATION)
    (sk,) = [k for k in items if k.startswith("MSG#") and k.endswith(message_id)]
    assert items[sk]["status"]["S"] == "pending"

    retry = wire(aws)
    assert retry.harness.post(body).payload == {"status": "duplicate"}
    assert retry.counter.count() == {"DynamoDB.TransactWriteItems": 1, "DynamoDB.GetItem": 1, "SQS.SendMessage": 1}
    (sent,) = retry.drain(aws.inbound_url)
    assert InboundTicket.model_validate_json(sent["Body"]).message_id == message_id  # the same message, once
    assert len([k for k in retry.items(CONVERSATION) if k.endswith(message_id) and k.startswith("MSG#")]) == 1


# -- the Lambda module itself, its secret from SSM ----------------------------------------------
@pytest.fixture
def app(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    env = function_env(
        "WebhookFunction",
        AWS_ENDPOINT_URL=aws.endpoint,
        CONVERSATIONS_TABLE=aws.table,
        INBOUND_QUEUE_URL=aws.inbound_url,
        OUTBOUND_QUEUE_URL=aws.outbound_url,
        WEBHOOK_SECRETS_PATH=aws.secrets_path,
    )
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("webhook_app_on_moto", ROOT / "functions/webhook/app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module


class _Context:
    function_name = "receptionist-dev-webhook"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:receptionist-dev-webhook"
    aws_request_id = "req"


@pytest.mark.parametrize("name", [p.name for p in sorted((ROOT / "events").glob("webhook_*.json"))])
def test_sample_events_through_the_lambda_module(app: ModuleType, aws: Aws, name: str) -> None:
    counter = CallCounter()
    counter.watch(app.parts.service._inbound._sqs)  # the one SQS client of both queues
    counter.watch(app.parts.service._buffer._ddb)
    event = json.loads((ROOT / "events" / name).read_text())
    event["queryStringParameters"] = {"token": "wrong"}
    assert app.handler(event, _Context())["statusCode"] == 401  # the secret really comes from SSM
    event["queryStringParameters"] = {"token": OTHER_SECRET}
    assert app.handler(event, _Context())["statusCode"] == 401  # another business's secret
    counter.reset()

    body = json.loads(event["body"])
    if body["type"] == "message":
        body["payload"]["id"] = _unique(name)  # other tests may have buffered the sample's id
    event["body"] = json.dumps(body)
    event.pop("queryStringParameters")
    event["headers"]["x-webhook-token"] = "s3cret-webhook-token"
    result = app.handler(event, _Context())
    assert result["statusCode"] == 200, result
    expected = TWO_CALLS if body["type"] == "message" else {"SQS.SendMessage": 1}
    assert counter.count() == expected
    counter.reset()
    assert app.handler(event, _Context())["statusCode"] == 200  # the redelivery, still pending: re-ticketed
    redelivery = {"DynamoDB.TransactWriteItems": 1, "DynamoDB.GetItem": 1, "SQS.SendMessage": 1}
    assert counter.count() == (redelivery if body["type"] == "message" else expected)
    for url in (aws.inbound_url, aws.outbound_url):
        drain(aws, url)


def test_conftest_queue_names_come_from_the_template(aws: Aws) -> None:
    assert Path(aws.inbound_url).name == "receptionist-dev-inbound.fifo"
    assert Path(aws.outbound_url).name == "receptionist-dev-outbound.fifo"
    assert aws.table == "receptionist-dev-conversations"
