"""The processor's side of the conversations table (see adapters/conversation_table.py for the layout):
the newest message, the open messages, claiming them for a turn, the turn records that make a
turn idempotent, and taking a conversation off the sweep's index once it is answered.

Claims and finishes are single TransactWriteItems calls (a turn takes at most TurnLimits
messages, far below DynamoDB's 100 items per transaction).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Final, cast

import boto3
from botocore.exceptions import ClientError

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.conversation_table import (
    BUFFER_TTL_DAYS,
    MESSAGE_PREFIX,
    META_SK,
    TURN_PREFIX,
)
from receptionist.conversation_key import ConversationKey
from receptionist.messages import Choice
from receptionist.turns import CLAIMED, DONE, PENDING, BufferedMessage, ClaimConflict, Latest, RecordOutcome, TurnRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

MAX_TRANSACTION_ITEMS: Final = 100
_CLOSE = "REMOVE open_shard, open_at, sweeps, swept_at"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class DynamoTurnLedger:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb: DynamoDBClient = (
            client if client is not None else boto3.client("dynamodb", config=bounded_client_config())
        )
        self._ttl_seconds = BUFFER_TTL_DAYS * 86_400

    def _key(self, conversation: str, sk: str) -> dict[str, Any]:
        return {"pk": _s(ConversationKey.parse(conversation).partition), "sk": _s(sk)}

    def latest(self, conversation: str) -> Latest | None:
        item = self._ddb.get_item(
            TableName=self.table_name, Key=self._key(conversation, META_SK), ConsistentRead=True
        ).get("Item")
        if not item or "last_message_id" not in item:
            return None
        return Latest(item["last_message_id"]["S"])

    def open_messages(self, conversation: str) -> list[BufferedMessage]:
        out: list[BufferedMessage] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
            "FilterExpression": "#s IN (:pending, :claimed)",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":pk": _s(ConversationKey.parse(conversation).partition),
                ":msg": _s(MESSAGE_PREFIX),
                ":pending": _s(PENDING),
                ":claimed": _s(CLAIMED),
            },
            "ConsistentRead": True,
        }
        while True:
            page = self._ddb.query(**kwargs)
            out.extend(_buffered(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def turn(self, conversation: str, turn_id: str) -> TurnRecord | None:
        item = self._ddb.get_item(
            TableName=self.table_name, Key=self._key(conversation, TURN_PREFIX + turn_id), ConsistentRead=True
        ).get("Item")
        return _record(turn_id, item) if item else None

    def claim(self, conversation: str, messages: list[BufferedMessage], turn_id: str) -> None:
        if len(messages) > MAX_TRANSACTION_ITEMS:
            raise ValueError("too many messages for one claim")
        now = str(int(time.time() * 1000))
        items: list[TransactWriteItemTypeDef] = []
        for m in messages:
            values = {":claimed": _s(CLAIMED), ":turn": _s(turn_id), ":now": {"N": now}}
            if m.status == PENDING:
                condition = "#s = :pending"
                values[":pending"] = _s(PENDING)
            else:  # a failed or abandoned turn's message: taken over only if still as read
                condition = "#s = :claimed AND turn_id = :prev"
                values[":prev"] = _s(m.turn_id or "")
            items.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": self._key(conversation, m.sk),
                        "UpdateExpression": "SET #s = :claimed, turn_id = :turn, claimed_at = :now",
                        "ConditionExpression": condition,
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        try:
            self._ddb.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                raise ClaimConflict("a message changed hands while being claimed") from exc
            raise

    def record_turn(self, conversation: str, record: TurnRecord) -> TurnRecord:
        item: dict[str, Any] = {
            **self._key(conversation, TURN_PREFIX + record.turn_id),
            "message_keys": _s(json.dumps(record.message_keys)),
            "outcome": _s(record.outcome),
            "reply_kind": _s(record.reply_kind),
            "escalations": _s(json.dumps(record.escalations, ensure_ascii=False)),
            "sent": {"BOOL": False},
            "expires_at": {"N": str(int(time.time()) + self._ttl_seconds)},
        }
        if record.reply is not None:
            item["reply"] = _s(record.reply)
        if record.choices:
            choices = [c.model_dump(exclude_none=True) for c in record.choices]
            item["choices"] = _s(json.dumps(choices, ensure_ascii=False))
        try:
            self._ddb.put_item(TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(pk)")
            return record
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        stored = self.turn(conversation, record.turn_id)
        assert stored is not None
        return stored

    def finish(self, conversation: str, record: TurnRecord, *, close_if_latest: str | None) -> None:
        items: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": self._key(conversation, TURN_PREFIX + record.turn_id),
                    "UpdateExpression": "SET sent = :true",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":true": {"BOOL": True}},
                }
            }
        ]
        for key in record.message_keys:
            items.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": self._key(conversation, key),
                        "UpdateExpression": "SET #s = :done",
                        # An expired message is not recreated as a stub.
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":done": _s(DONE)},
                    }
                }
            )
        if close_if_latest:
            items.append(self._close_item(conversation, close_if_latest))
        self._transact(items)

    def close(self, conversation: str, latest_id: str) -> None:
        update = self._close_item(conversation, latest_id)["Update"]
        try:
            self._ddb.update_item(**update)  # type: ignore[arg-type]
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _close_item(self, conversation: str, latest_id: str) -> TransactWriteItemTypeDef:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": self._key(conversation, META_SK),
                "UpdateExpression": _CLOSE,
                # Only if no newer message arrived meanwhile: its ticket (or the sweep) answers it.
                "ConditionExpression": "last_message_id = :latest",
                "ExpressionAttributeValues": {":latest": _s(latest_id)},
            }
        }

    def _transact(self, items: list[TransactWriteItemTypeDef]) -> None:
        """The items in one transaction (chunks of 100 if ever more). An item whose condition
        fails (the newest message changed, a message expired) is left out and the rest written;
        the turn record's own update must succeed."""
        for start in range(0, len(items), MAX_TRANSACTION_ITEMS):
            chunk = items[start : start + MAX_TRANSACTION_ITEMS]
            for _ in range(3):
                try:
                    self._ddb.transact_write_items(TransactItems=chunk, ClientRequestToken=uuid.uuid4().hex)
                    break
                except ClientError as exc:
                    reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])  # type: ignore[assignment]
                    failed = {i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"}
                    if not failed or (start == 0 and 0 in failed):
                        raise
                    chunk = [item for i, item in enumerate(chunk) if i not in failed]
                    if not chunk:
                        break
            else:
                raise RuntimeError("turn could not be finished")


def _buffered(item: dict[str, Any]) -> BufferedMessage:
    status = item.get("status", {}).get("S", PENDING)
    return BufferedMessage(
        sk=item["sk"]["S"],
        message_id=item["message_id"]["S"],
        message_type=item.get("message_type", {}).get("S", "text"),
        message=json.loads(item.get("message", {}).get("S", "{}")),
        received_at_ms=int(item.get("received_at", {}).get("N", "0")),
        status=CLAIMED if status == CLAIMED else PENDING,
        turn_id=item.get("turn_id", {}).get("S"),
    )


def _record(turn_id: str, item: dict[str, Any]) -> TurnRecord:
    kind = item.get("reply_kind", {}).get("S", "reply")
    return TurnRecord(
        turn_id=turn_id,
        message_keys=json.loads(item.get("message_keys", {}).get("S", "[]")),
        outcome=cast(RecordOutcome, item["outcome"]["S"]),
        reply=item["reply"]["S"] if "reply" in item else None,
        reply_kind="fallback" if kind == "fallback" else "opt_out" if kind == "opt_out" else "reply",
        escalations=json.loads(item.get("escalations", {}).get("S", "[]")),
        choices=[Choice.model_validate(c) for c in json.loads(item.get("choices", {}).get("S", "[]"))],
        sent=bool(item.get("sent", {}).get("BOOL", False)),
    )
