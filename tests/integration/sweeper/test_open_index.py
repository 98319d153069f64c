"""The open index on moto: the webhook puts a conversation on it, the processor takes it off once
its newest message is answered, and the sweep finds only what is left (one Query per shard)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from devstack.aws import moto_client
from receptionist.adapters.conversation_table import OPEN_SHARDS, ConversationBuffer
from receptionist.adapters.open_conversations import DynamoOpenConversations
from receptionist.adapters.turn_ledger import DynamoTurnLedger
from receptionist.turns import TurnRecord


def _table(endpoint: str, create: Any) -> str:
    name = f"conv-{uuid.uuid4().hex[:6]}"
    create(moto_client("dynamodb", endpoint, "us-east-1"), name)
    return name


class Counting:
    def __init__(self, client: Any) -> None:
        self.client, self.calls = client, []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.client, name)


def _buffer(buffer: ConversationBuffer, conversation: str, at_ms: int) -> tuple[str, str]:
    mid = f"wamid.{uuid.uuid4().hex}"
    message = {"id": mid, "type": "text", "payload": {"text": "hola"}}
    key = buffer.buffer(
        conversation=conversation,
        message_id=mid,
        message_type="text",
        message_json=json.dumps(message),
        received_at_ms=at_ms,
        sent_at_ms=at_ms,
    ).key
    return mid, key


def test_answered_conversations_leave_the_index_and_the_rest_are_found(
    moto_endpoint: str, new_conversations_table: Any
) -> None:
    table = _table(moto_endpoint, new_conversations_table)
    ddb = moto_client("dynamodb", moto_endpoint, "us-east-1")
    buffer, ledger = ConversationBuffer(table, ddb), DynamoTurnLedger(table, ddb)
    counting = Counting(ddb)
    index = DynamoOpenConversations(table, counting)  # type: ignore[arg-type]
    now = int(time.time() * 1000)
    answered, waiting = "App#34600000001", "App#34600000002"
    mid, key = _buffer(buffer, answered, now - 120_000)
    waiting_id, _ = _buffer(buffer, waiting, now - 120_000)
    _buffer(buffer, "App#34600000003", now - 1_000)  # too young to be stale

    ledger.claim(answered, ledger.open_messages(answered), mid)
    ledger.finish(
        answered, ledger.record_turn(answered, TurnRecord(mid, [key], "answered", reply="¡Hola!")), close_if_latest=mid
    )

    found = list(index.stale(now - 30_000))
    assert [(f.conversation, f.last_message_id) for f in found] == [(waiting, waiting_id)]
    assert counting.calls == ["query"] * OPEN_SHARDS  # a Query per shard, no Scan

    assert index.mark_swept(found[0], now, now - 360_000) == 1
    assert index.mark_swept(found[0], now + 1, now - 360_000) is None  # swept just now
    assert index.mark_swept(found[0], now + 400_000, now + 40_000) == 2
    _buffer(buffer, waiting, now)  # the customer writes again: the count starts over, not stale yet
    assert list(index.stale(now - 30_000)) == []


def test_a_newer_message_keeps_the_conversation_on_the_index(moto_endpoint: str, new_conversations_table: Any) -> None:
    table = _table(moto_endpoint, new_conversations_table)
    ddb = moto_client("dynamodb", moto_endpoint, "us-east-1")
    buffer, ledger = ConversationBuffer(table, ddb), DynamoTurnLedger(table, ddb)
    index = DynamoOpenConversations(table, ddb)
    conv, now = "App#34600000009", int(time.time() * 1000)
    first, key = _buffer(buffer, conv, now - 120_000)
    messages = ledger.open_messages(conv)
    ledger.claim(conv, messages, first)
    second, _ = _buffer(buffer, conv, now - 100_000)  # arrives while the turn runs
    ledger.finish(
        conv, ledger.record_turn(conv, TurnRecord(first, [key], "answered", reply="x")), close_if_latest=first
    )
    (still,) = list(index.stale(now - 30_000))
    assert still.last_message_id == second
    index.abandon(still)
    assert list(index.stale(now)) == []
