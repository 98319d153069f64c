"""Webhook integration kit: the real template deployed into a moto server, and the webhook's parts
as its wiring builds them (DynamoDB transaction, SQS FIFO) on boto3 clients that count their AWS
calls."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from webhook_kit import APP, OTHER_APP, OTHER_SECRET, SECRET, Harness

from devstack.aws import moto_client
from devstack.cloudformation import DeployedStack, TranslatedTemplate, deploy
from devstack.stack import MotoServer
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.queues import FifoQueue
from receptionist.config import WebhookSettings
from receptionist.conversation_key import ConversationKey
from receptionist.webhook.service import WebhookService, epoch_ms
from receptionist.webhook.wiring import build

ROOT = Path(__file__).resolve().parents[3]

REGION = "us-east-1"
PARAMETERS = {"Stage": "dev", "DebounceSeconds": "0"}


class SerialMoto(MotoServer):
    """devstack's moto server (DynamoDB requests serialized, as DynamoDB serializes conflicting
    transactions) on a free port, ready when constructed."""

    def __init__(self, log: IO[str]) -> None:
        super().__init__(0, log)
        self.wait_ready()


@dataclass
class Aws:
    """The template's resources in moto, and clients on them."""

    endpoint: str
    stack: DeployedStack
    table: str
    inbound_url: str
    outbound_url: str
    secrets_path: str  # one SecureString per Gupshup app under it

    def client(self, service: str) -> Any:
        return moto_client(service, self.endpoint, REGION)


@contextmanager
def deployed_stack(log: IO[str]) -> Iterator[Aws]:
    """The template deployed into a fresh serial moto server (stopped on exit)."""
    server = SerialMoto(log)
    try:
        template = TranslatedTemplate.from_sam(
            ROOT / "template.yaml", ROOT / ".venv-sam/bin/python", PARAMETERS, REGION
        )
        stack = deploy(template, stack_name="webhook-it", endpoint_url=server.url, region=REGION, parameters=PARAMETERS)
        webhook_env = template.functions["WebhookFunction"]["Environment"]["Variables"]
        aws = Aws(
            endpoint=server.url,
            stack=stack,
            table=stack.resolve(webhook_env["CONVERSATIONS_TABLE"]),
            inbound_url=stack.resolve(webhook_env["INBOUND_QUEUE_URL"]),
            outbound_url=stack.resolve(webhook_env["OUTBOUND_QUEUE_URL"]),
            secrets_path=stack.resolve(webhook_env["WEBHOOK_SECRETS_PATH"]),
        )
        for app, secret in ((APP, SECRET), (OTHER_APP, OTHER_SECRET)):
            aws.client("ssm").put_parameter(
                Name=f"{aws.secrets_path}/{app}", Value=secret, Type="SecureString", Overwrite=True
            )
        yield aws
    finally:
        server.stop()


@dataclass
class CallCounter:
    """Counts the AWS API calls boto3 clients make (botocore's before-call event)."""

    calls: list[str] = field(default_factory=list)

    def watch(self, client: Any) -> Any:
        client.meta.events.register("before-call.*.*", self._seen)
        return client

    def _seen(self, model: Any, **_: Any) -> None:
        self.calls.append(f"{model.service_model.service_id}.{model.name}")

    def count(self) -> collections.Counter[str]:
        return collections.Counter(self.calls)

    def reset(self) -> None:
        self.calls.clear()


@dataclass
class Wired:
    """The webhook's service as its wiring builds it, and what it takes to look at the results."""

    aws: Aws
    counter: CallCounter
    service: WebhookService
    inbound: FifoQueue
    buffer: ConversationBuffer
    harness: Harness  # reuses the testkit's request helpers and clock

    def items(self, conversation: str) -> dict[str, dict[str, Any]]:
        return items(self.aws, conversation)

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        return drain(self.aws, queue_url)


def items(aws: Aws, conversation: str) -> dict[str, dict[str, Any]]:
    """Every item of a conversation's partition, by sort key."""
    resp = aws.client("dynamodb").query(
        TableName=aws.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": ConversationKey.parse(conversation).partition}},
        ConsistentRead=True,
    )
    return {item["sk"]["S"]: item for item in resp["Items"]}


def drain(aws: Aws, queue_url: str) -> list[dict[str, Any]]:
    """Receive and delete everything visible on a queue."""
    sqs = aws.client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        resp = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        )
        messages = resp.get("Messages", [])
        if not messages:
            return out
        out.extend(messages)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )


def wire(aws: Aws, *, inbound_url: str | None = None, clock: Callable[[], int] | None = None) -> Wired:
    counter = CallCounter()
    ddb = counter.watch(aws.client("dynamodb"))
    sqs = counter.watch(aws.client("sqs"))
    settings = WebhookSettings.from_env(
        {
            "CONVERSATIONS_TABLE": aws.table,
            "INBOUND_QUEUE_URL": inbound_url or aws.inbound_url,
            "OUTBOUND_QUEUE_URL": aws.outbound_url,
            "WEBHOOK_SECRETS_PATH": aws.secrets_path,
        }
    )
    # SSM not watched: the secrets are read once per 5 minutes per container, not per request.
    service = build(settings, ssm=aws.client("ssm"), dynamodb=ddb, sqs=sqs, clock=clock or epoch_ms).service
    harness = Harness()
    harness.service = service
    return Wired(aws, counter, service, service._inbound, service._buffer, harness)  # type: ignore[arg-type]
