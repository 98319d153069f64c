"""The webhook on the local stack: the template's HTTP API, worker processes, real queues, and the
processor and notifier downstream (they must keep reading what the webhook now sends)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from webhook_kit import CONTENT, CUSTOMER, message, status_event, user_event

from devstack.aws import moto_client
from devstack.gupshup_events import new_customer
from devstack.stack import LocalStack
from receptionist.conversation_key import ConversationKey
from receptionist.messages import InboundTicket, OutboundJob

EVENTS = Path(__file__).resolve().parents[3] / "events"


def _post(stack: LocalStack, body: bytes, headers: dict[str, str], query: str = "") -> tuple[int, dict[str, Any]]:
    url = stack.info["webhook_url"] + (f"?{query}" if query else "")
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()


def _auth(stack: LocalStack) -> dict[str, str]:
    return {"content-type": "application/json", "x-webhook-token": stack.config.webhook_secret}


def _reached(stack: LocalStack, function: str, needle: str) -> Any:
    return [i for i in stack.invocations_of(function) if any(needle in b for b in i.bodies)]


def _reaches(stack: LocalStack, needle: str, *path: str) -> Any:
    """The invocations of the last function of `path` that saw `needle`, waited for as long as
    the stack's own timings allow a message through `path` (one retry included)."""
    return stack.wait_for(lambda: _reached(stack, path[-1], needle), timeout=stack.bound(*path, retries=1))


@pytest.mark.parametrize("path", sorted(EVENTS.glob("webhook_*.json")), ids=lambda p: p.name)
def test_every_sample_event_returns_200(local_stack: LocalStack, path: Path) -> None:
    event = json.loads(path.read_text())
    assert event["queryStringParameters"]["token"] == "local-webhook-secret"
    # The sample's customer number, replaced by this test's own: its own conversation and group.
    event["body"] = event["body"].replace(CUSTOMER, new_customer())
    result = local_stack.pool("WebhookFunction").invoke(event)
    assert result["statusCode"] == 200, result
    assert json.loads(result["body"])["status"] in ("accepted", "forwarded", "duplicate")


@pytest.mark.parametrize("where", ["header", "bearer", "query"])
def test_the_token_works_in_each_place_over_http(local_stack: LocalStack, where: str) -> None:
    secret = local_stack.config.webhook_secret
    headers = {"content-type": "application/json; charset=utf-8"}
    query = ""
    if where == "header":
        headers["x-webhook-token"] = secret
    elif where == "bearer":
        headers["authorization"] = f"Bearer {secret}"
    else:
        query = f"token={secret}"
    body = message("text", CONTENT["text"], id=f"wamid.http-{where}-{time.time_ns()}", source=new_customer())
    assert _post(local_stack, _json(body), headers, query) == (200, {"status": "accepted"})


@pytest.mark.parametrize(
    ("body", "token", "content_type", "status", "error"),
    [
        (_json(message("text", CONTENT["text"])), False, "application/json", 401, "unauthorized"),
        (b"{not json", True, "application/json", 400, "malformed_json"),
        (_json({"hello": "world"}), True, "application/json", 422, "invalid_payload"),
        (_json(message("text", CONTENT["text"])), True, "text/plain", 415, "unsupported_media_type"),
        (b"{" + b" " * (300 * 1024) + b"}", True, "application/json", 413, "too_large"),
    ],
)
def test_bad_requests_get_4xx_over_http(
    local_stack: LocalStack, body: bytes, token: bool, content_type: str, status: int, error: str
) -> None:
    headers = {**_auth(local_stack), "content-type": content_type}
    if not token:
        del headers["x-webhook-token"]
    got_status, payload = _post(local_stack, body, headers)
    assert (got_status, payload["error"]) == (status, error)


def test_a_message_is_buffered_and_flows_to_the_processor_and_notifier(local_stack: LocalStack) -> None:
    message_id = f"wamid.flow-{time.time_ns()}"
    body = message("image", CONTENT["image"], id=message_id, source=new_customer())
    status, _ = _post(local_stack, _json(body), _auth(local_stack))
    assert status == 200

    processed = _reaches(local_stack, message_id, "WebhookFunction", "ProcessorFunction")
    assert processed[0].ok and not processed[0].failed_ids
    (body,) = [b for b in processed[0].bodies if message_id in b]
    ticket = InboundTicket.model_validate_json(body)
    notified = _reaches(local_stack, message_id, "WebhookFunction", "ProcessorFunction", "NotifierFunction")
    assert notified[0].ok and not notified[0].failed_ids

    info = local_stack.info
    ddb = moto_client("dynamodb", info["aws_endpoint_url"], info["region"])
    (item,) = [
        i
        for i in ddb.query(
            TableName=info["tables"]["ConversationsTable"],
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": ConversationKey.parse(ticket.conversation).partition}},
            ConsistentRead=True,
        )["Items"]
        if i["sk"]["S"].startswith("MSG#") and i["sk"]["S"].endswith(ticket.message_id)
    ]
    # The webhook buffered it as an image; the processor's turn then marked it done.
    assert item["status"]["S"] == "done" and item["message_type"]["S"] == "image"


def test_a_redelivery_reaches_nobody(local_stack: LocalStack) -> None:
    message_id = f"wamid.redelivery-{time.time_ns()}"
    body = _json(message("text", CONTENT["text"], id=message_id, source=new_customer()))
    assert _post(local_stack, body, _auth(local_stack))[0] == 200
    _reaches(local_stack, message_id, "WebhookFunction", "ProcessorFunction")
    assert _post(local_stack, body, _auth(local_stack)) == (200, {"status": "duplicate"})
    local_stack.wait_idle(timeout=local_stack.bound("ProcessorFunction", "NotifierFunction", retries=1))
    # Re-sent only while still pending, with the same deduplication id: one ticket reached it.
    assert len(_reached(local_stack, "ProcessorFunction", message_id)) == 1


def test_a_status_reaches_the_notifier_as_a_status_job(local_stack: LocalStack) -> None:
    body = status_event("read")
    body["payload"]["id"] = f"wamid.status-{time.time_ns()}"
    assert _post(local_stack, _json(body), _auth(local_stack)) == (200, {"status": "forwarded"})
    notified = _reaches(local_stack, body["payload"]["id"], "WebhookFunction", "NotifierFunction")
    assert notified[0].ok and not notified[0].failed_ids
    (raw,) = [b for b in notified[0].bodies if body["payload"]["id"] in b]
    job = OutboundJob.model_validate_json(raw)
    assert job.kind == "status" and job.status is not None and job.status.state == "read"


def test_an_opt_out_reaches_the_processor_as_a_user_event(local_stack: LocalStack) -> None:
    phone = new_customer("3469")
    assert _post(local_stack, _json(user_event("opted-out", phone=phone)), _auth(local_stack))[0] == 200
    processed = _reaches(local_stack, phone, "WebhookFunction", "ProcessorFunction")
    assert processed[0].ok and not processed[0].failed_ids
    (raw,) = [b for b in processed[0].bodies if phone in b]
    assert InboundTicket.model_validate_json(raw).kind == "user_event"
