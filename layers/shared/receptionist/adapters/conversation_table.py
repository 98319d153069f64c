"""The conversations table (DynamoDB): inbound message buffer, dedupe markers, conversation meta,
turn records.

Layout (keys `pk`, `sk` strings; TTL attribute `expires_at`, epoch seconds):

  pk "CONV#<app>#<number>"   sk "MSG#<arrival epoch ms, 15 digits>#<message id>"
      one buffered customer message: message_id, message_type, message (the parsed Gupshup
      message as JSON), status pending -> claimed (turn_id) -> done, received_at and sent_at
      (epoch ms: arrival here, and Gupshup's timestamp), expires_at
  pk "CONV#<app>#<number>"   sk "DEDUP#<message id>"
      dedupe marker: buffer_sk (where the message is), expires_at
  pk "CONV#<app>#<number>"   sk "META"
      last_message_id, last_message_sk, updated_at (epoch ms), expires_at; while the
      conversation may have unanswered messages also open_shard + open_at (the sweep's index,
      see OPEN_INDEX) and, once swept, sweeps / swept_at
  pk "CONV#<app>#<number>"   sk "TURN#<turn id>"
      a turn's record (adapters/turn_ledger.py)

The partition key is the conversation's (ConversationKey.partition, conversation_key.py).
Sort keys of messages order by arrival, so a Query on "MSG#" reads the buffer in order.
Markers and messages live for BUFFER_TTL_DAYS, far beyond the SQS 5-minute deduplication
window, so a redelivery days later is still recognized.

The sweep's index (OPEN_INDEX, a sparse GSI): partition open_shard ("open#0".."open#7", spread by
conversation), sort open_at (the newest message's arrival, epoch ms). Only conversations with
work that may be unanswered are in it: the webhook puts a conversation in with every message and
the processor takes it out when a turn has answered its newest message, so the sweep finds a
message stored without a ticket with one Query per shard, never a scan.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.exceptions import ClientError

from receptionist.adapters.aws import fast_client_config
from receptionist.conversation_key import ConversationKey
from receptionist.turns import Buffered

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

BUFFER_TTL_DAYS: Final = 7
MESSAGE_PREFIX: Final = "MSG#"
DEDUPE_PREFIX: Final = "DEDUP#"
TURN_PREFIX: Final = "TURN#"
META_SK: Final = "META"
PENDING: Final = "pending"
OPEN_INDEX: Final = "open-conversations"
OPEN_SHARDS: Final = 8


def message_sk(received_at_ms: int, message_id: str) -> str:
    return f"{MESSAGE_PREFIX}{received_at_ms:015d}#{message_id}"


def dedupe_sk(message_id: str) -> str:
    return f"{DEDUPE_PREFIX}{message_id}"


def open_shard(conversation: str) -> str:
    """The sweep index partition of a conversation (stable, spreads writes over OPEN_SHARDS)."""
    digest = hashlib.sha256(conversation.encode("utf-8", "surrogatepass")).digest()
    return f"open#{digest[0] % OPEN_SHARDS}"


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
        self._ddb: DynamoDBClient = (
            client if client is not None else boto3.client("dynamodb", config=fast_client_config())
        )
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
    ) -> Buffered:
        """Buffer the message unless its id was seen. One call for a new message:
        (a) the dedupe marker, put only if absent; (b) the message item, status "pending";
        (c) the conversation's META: newest message, and on the sweep's index.
        A duplicate costs one more call (GetItem of the message), to tell whether it still
        waits for a turn, in which case its ticket may have been lost and is sent again."""
        pk = ConversationKey.parse(conversation).partition
        sk = message_sk(received_at_ms, message_id)
        items = self._buffer_items(conversation, sk, message_id, message_type, message_json, received_at_ms, sent_at_ms)
        for attempt in range(1, self._conflict_attempts + 1):
            try:
                # A fresh token per attempt; botocore's own retries of this call reuse it, so a
                # retried request that had in fact committed is not mistaken for a duplicate.
                self._ddb.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
                return Buffered(sk)
            except ClientError as exc:
                reasons = _cancellation_reasons(exc)
                codes = [str(r.get("Code", "None")) for r in reasons]
                if codes and codes[0] == "ConditionalCheckFailed":  # the marker exists: a redelivery
                    marker = reasons[0].get("Item") or {}
                    return self._duplicate(pk, str(marker.get("buffer_sk", {}).get("S") or sk))
                # Another transaction on the same items was in flight (a concurrent delivery of
                # this message); once it commits, the next attempt sees its marker.
                if "TransactionConflict" in codes and attempt < self._conflict_attempts:
                    time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter only
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _buffer_items(
        self,
        conversation: str,
        sk: str,
        message_id: str,
        message_type: str,
        message_json: str,
        received_at_ms: int,
        sent_at_ms: int,
    ) -> list[TransactWriteItemTypeDef]:
        """The dedupe marker (only if absent), the pending message, the conversation's META."""
        pk = ConversationKey.parse(conversation).partition
        expires_at = received_at_ms // 1000 + self._ttl_seconds
        return [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": {
                        "pk": _s(pk),
                        "sk": _s(dedupe_sk(message_id)),
                        "message_id": _s(message_id),
                        "buffer_sk": _s(sk),
                        "created_at": _n(received_at_ms),
                        "expires_at": _n(expires_at),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
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
                        "SET last_message_id = :id, last_message_sk = :sk, updated_at = :now, expires_at = :exp,"
                        " open_shard = :shard, open_at = :now REMOVE sweeps, swept_at"
                    ),
                    "ExpressionAttributeValues": {
                        ":id": _s(message_id),
                        ":sk": _s(sk),
                        ":now": _n(received_at_ms),
                        ":exp": _n(expires_at),
                        ":shard": _s(open_shard(conversation)),
                    },
                }
            },
        ]

    def _duplicate(self, pk: str, key: str) -> Buffered:
        item = self._ddb.get_item(
            TableName=self.table_name,
            Key={"pk": _s(pk), "sk": _s(key)},
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
            ConsistentRead=True,
        ).get("Item")
        status = item.get("status", {}).get("S") if item else None
        return Buffered(key, duplicate=True, pending=status == PENDING)


def _cancellation_reasons(exc: ClientError) -> list[dict[str, Any]]:
    """Per-item reasons of a TransactionCanceledException (Code "None" where the item was fine)."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])  # type: ignore[assignment]
    return reasons
