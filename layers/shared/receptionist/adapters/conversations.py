"""The conversations table (DynamoDB): inbound message buffer, dedupe markers, conversation meta.

Layout (keys `pk`, `sk` strings; TTL attribute `expires_at`, epoch seconds):

  pk "CONV#<app>#<number>"   sk "MSG#<arrival epoch ms, 15 digits>#<message id>"
      one buffered customer message: message_id, message_type, message (the parsed Gupshup
      message as JSON), status "pending" (the processor claims and marks it), received_at and
      sent_at (epoch ms: arrival here, and Gupshup's timestamp), expires_at
  pk "CONV#<app>#<number>"   sk "DEDUP#<message id>"
      dedupe marker: state "held" | "released", buffer_sk, expires_at
  pk "CONV#<app>#<number>"   sk "META"
      last_message_id, last_message_sk, updated_at (epoch ms), expires_at

Sort keys of messages order by arrival, so a Query on "MSG#" reads the buffer in order.
Markers and messages live for BUFFER_TTL_DAYS, far beyond the SQS 5-minute deduplication
window, so a redelivery days later is still recognized.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

BUFFER_TTL_DAYS: Final = 7
MESSAGE_PREFIX: Final = "MSG#"
DEDUPE_PREFIX: Final = "DEDUP#"
META_SK: Final = "META"
PENDING: Final = "pending"
RELEASED: Final = "released"


def conversation_pk(conversation: str) -> str:
    return f"CONV#{conversation}"


def message_sk(received_at_ms: int, message_id: str) -> str:
    return f"{MESSAGE_PREFIX}{received_at_ms:015d}#{message_id}"


def dedupe_sk(message_id: str) -> str:
    return f"{DEDUPE_PREFIX}{message_id}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


class ConversationBuffer:
    """Dedupe + buffer in ONE TransactWriteItems call (boto3 low-level client)."""

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | None = None,
        *,
        ttl_days: int = BUFFER_TTL_DAYS,
        conflict_attempts: int = 3,
    ) -> None:
        self.table_name = table_name
        self._ddb: DynamoDBClient = client if client is not None else boto3.client("dynamodb")
        self._ttl_seconds = ttl_days * 86_400
        self._conflict_attempts = conflict_attempts

    def buffer(
        self,
        *,
        conversation: str,
        message_id: str,
        message_type: str,
        message_json: str,
        received_at_ms: int,
        sent_at_ms: int,
    ) -> str | None:
        """Buffer the message unless its id was seen: its sort key, or None for a duplicate.

        (a) the dedupe marker, put only if absent (or released by a failed earlier attempt);
        (b) the message item, status "pending"; (c) the conversation's latest message in META.
        """
        pk = conversation_pk(conversation)
        sk = message_sk(received_at_ms, message_id)
        expires_at = received_at_ms // 1000 + self._ttl_seconds
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {
                        "pk": _s(pk),
                        "sk": _s(dedupe_sk(message_id)),
                        "message_id": _s(message_id),
                        "buffer_sk": _s(sk),
                        "state": _s("held"),
                        "created_at": _n(received_at_ms),
                        "expires_at": _n(expires_at),
                    },
                    "ConditionExpression": "attribute_not_exists(pk) OR #state = :released",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {":released": _s(RELEASED)},
                }
            },
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {
                        "pk": _s(pk),
                        "sk": _s(sk),
                        "message_id": _s(message_id),
                        "message_type": _s(message_type),
                        "message": _s(message_json),
                        "status": _s(PENDING),
                        "received_at": _n(received_at_ms),
                        "sent_at": _n(sent_at_ms),
                        "expires_at": _n(expires_at),
                    },
                }
            },
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": {"pk": _s(pk), "sk": _s(META_SK)},
                    "UpdateExpression": (
                        "SET last_message_id = :id, last_message_sk = :sk, updated_at = :now, expires_at = :exp"
                    ),
                    "ExpressionAttributeValues": {
                        ":id": _s(message_id),
                        ":sk": _s(sk),
                        ":now": _n(received_at_ms),
                        ":exp": _n(expires_at),
                    },
                }
            },
        ]
        for attempt in range(1, self._conflict_attempts + 1):
            try:
                # A fresh token per attempt; botocore's own retries of this call reuse it, so a
                # retried request that had in fact committed is not mistaken for a duplicate.
                self._ddb.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
                return sk
            except ClientError as exc:
                codes = _cancellation_codes(exc)
                if codes and codes[0] == "ConditionalCheckFailed":
                    return None  # the marker exists: a redelivery
                # Another transaction on the same items was in flight (a concurrent delivery of
                # this message); once it commits, the next attempt sees its marker.
                if "TransactionConflict" in codes and attempt < self._conflict_attempts:
                    time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter only
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def release(self, *, conversation: str, message_id: str, buffer_sk: str, released_at_ms: int) -> None:
        """Mark the marker and the buffered message released (UpdateItem, like the buffer's META).

        A released marker lets the same message id be buffered again; the processor only claims
        "pending" messages, so the released item is never processed.
        """
        pk = conversation_pk(conversation)
        self._ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": {"pk": _s(pk), "sk": _s(dedupe_sk(message_id))},
                        "UpdateExpression": "SET #state = :released, released_at = :now",
                        "ExpressionAttributeNames": {"#state": "state"},
                        "ExpressionAttributeValues": {":released": _s(RELEASED), ":now": _n(released_at_ms)},
                    }
                },
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": {"pk": _s(pk), "sk": _s(buffer_sk)},
                        "UpdateExpression": "SET #status = :released, released_at = :now",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {":released": _s(RELEASED), ":now": _n(released_at_ms)},
                    }
                },
            ],
            ClientRequestToken=uuid.uuid4().hex,
        )


def _cancellation_codes(exc: ClientError) -> list[str]:
    """Per-item codes of a TransactionCanceledException ("None" where the item was fine)."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])  # type: ignore[assignment]
    return [str(r.get("Code", "None")) for r in reasons]
