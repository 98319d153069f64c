"""The processor's side of the conversations table: latest-ticket check, claiming a burst,
and the turn record that makes a retried turn idempotent.

Items (see adapters/conversations.py for the webhook's side):
  sk "MSG#..."        status pending -> claimed (turn_id) -> done
  sk "TURN#<turn id>" the turn's outcome once the agent has answered: reply texts, message ids,
                      so a retry after a crash re-sends the same reply instead of running again.
A turn's id is the id of the message whose ticket won the debounce (stable across retries).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.exceptions import ClientError

from receptionist.adapters.conversations import (
    BUFFER_TTL_DAYS,
    MESSAGE_PREFIX,
    META_SK,
    PENDING,
    conversation_pk,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

CLAIMED: Final = "claimed"
DONE: Final = "done"
TURN_PREFIX: Final = "TURN#"


@dataclass(frozen=True)
class BufferedMessage:
    sk: str
    message_id: str
    message_type: str
    message: dict[str, Any]  # the parsed Gupshup message (Gupshup's field names)
    received_at_ms: int
    status: str
    turn_id: str | None


@dataclass(frozen=True)
class TurnRecord:
    turn_id: str
    replies: list[str]
    message_ids: list[str]
    outcome: str
    escalations: list[str]


class TurnBuffer:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb: DynamoDBClient = client if client is not None else boto3.client("dynamodb")
        self._ttl_seconds = BUFFER_TTL_DAYS * 86_400

    def latest_message_id(self, conversation: str) -> str | None:
        item = self._ddb.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": conversation_pk(conversation)}, "sk": {"S": META_SK}},
            ConsistentRead=True,
        ).get("Item")
        return item["last_message_id"]["S"] if item and "last_message_id" in item else None

    def open_messages(self, conversation: str, turn_id: str) -> list[BufferedMessage]:
        """Pending messages, plus those this same turn claimed before a crash, in arrival order."""
        out: list[BufferedMessage] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
            "ExpressionAttributeValues": {":pk": {"S": conversation_pk(conversation)}, ":msg": {"S": MESSAGE_PREFIX}},
            "ConsistentRead": True,
        }
        while True:
            page = self._ddb.query(**kwargs)
            for item in page.get("Items", []):
                msg = _buffered(item)
                if msg.status == PENDING or (msg.status == CLAIMED and msg.turn_id == turn_id):
                    out.append(msg)
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim(self, conversation: str, messages: list[BufferedMessage], turn_id: str) -> list[BufferedMessage]:
        """Mark messages as this turn's; one that another turn took meanwhile is left out."""
        claimed = []
        for msg in messages:
            try:
                self._ddb.update_item(
                    TableName=self.table_name,
                    Key={"pk": {"S": conversation_pk(conversation)}, "sk": {"S": msg.sk}},
                    UpdateExpression="SET #s = :claimed, turn_id = :turn",
                    ConditionExpression="#s = :pending OR (#s = :claimed AND turn_id = :turn)",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={
                        ":claimed": {"S": CLAIMED},
                        ":pending": {"S": PENDING},
                        ":turn": {"S": turn_id},
                    },
                )
                claimed.append(msg)
            except ClientError as err:
                if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
        return claimed

    def finish(self, conversation: str, messages: list[BufferedMessage]) -> None:
        for msg in messages:
            self._ddb.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": conversation_pk(conversation)}, "sk": {"S": msg.sk}},
                UpdateExpression="SET #s = :done",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":done": {"S": DONE}},
            )

    def turn(self, conversation: str, turn_id: str) -> TurnRecord | None:
        item = self._ddb.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": conversation_pk(conversation)}, "sk": {"S": TURN_PREFIX + turn_id}},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        return TurnRecord(
            turn_id=turn_id,
            replies=json.loads(item["replies"]["S"]),
            message_ids=json.loads(item["message_ids"]["S"]),
            outcome=item["outcome"]["S"],
            escalations=json.loads(item.get("escalations", {}).get("S", "[]")),
        )

    def record_turn(self, conversation: str, record: TurnRecord) -> TurnRecord:
        """First writer wins: a concurrent or repeated turn gets the stored record back."""
        try:
            self._ddb.put_item(
                TableName=self.table_name,
                Item={
                    "pk": {"S": conversation_pk(conversation)},
                    "sk": {"S": TURN_PREFIX + record.turn_id},
                    "replies": {"S": json.dumps(record.replies, ensure_ascii=False)},
                    "message_ids": {"S": json.dumps(record.message_ids)},
                    "outcome": {"S": record.outcome},
                    "escalations": {"S": json.dumps(record.escalations, ensure_ascii=False)},
                    "expires_at": {"N": str(int(time.time()) + self._ttl_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
            return record
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        stored = self.turn(conversation, record.turn_id)
        assert stored is not None
        return stored


def _buffered(item: dict[str, Any]) -> BufferedMessage:
    return BufferedMessage(
        sk=item["sk"]["S"],
        message_id=item["message_id"]["S"],
        message_type=item.get("message_type", {}).get("S", "text"),
        message=json.loads(item.get("message", {}).get("S", "{}")),
        received_at_ms=int(item.get("received_at", {}).get("N", "0")),
        status=item.get("status", {}).get("S", PENDING),
        turn_id=item.get("turn_id", {}).get("S"),
    )
