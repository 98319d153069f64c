"""The DynamoDB buffer adapter's request and its handling of every transaction outcome.

moto cannot produce TransactionConflict (it has no concurrency control), so these cases are
played with botocore's Stubber; the integration tests run the same adapter against moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from receptionist.adapters.conversation_table import ConversationBuffer, open_shard
from receptionist.turns import Buffered

ARGS: dict[str, Any] = {
    "conversation": "ClinicaSonrisa#34600111222",
    "message_id": "wamid.ABC",
    "message_type": "text",
    "message_json": '{"id":"wamid.ABC"}',
    "received_at_ms": 1_795_420_805_123,
    "sent_at_ms": 1_795_420_800_000,
}
SK = "MSG#001795420805123#wamid.ABC"
PK = "CONV#ClinicaSonrisa#34600111222"
EXPIRES = 1_795_420_805 + 7 * 86_400


@pytest.fixture
def stubbed() -> Iterator[tuple[ConversationBuffer, Stubber]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield ConversationBuffer("conversations", client), stubber
        stubber.assert_no_pending_responses()


def _add_cancel(stubber: Stubber, *codes: str) -> None:
    reasons: list[dict[str, Any]] = [{"Code": c} for c in codes]
    if codes and codes[0] == "ConditionalCheckFailed":  # ReturnValuesOnConditionCheckFailure: ALL_OLD
        reasons[0]["Item"] = {"pk": {"S": PK}, "buffer_sk": {"S": SK}}
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        http_status_code=400,
        modeled_fields={"CancellationReasons": reasons},
    )


def _add_status(stubber: Stubber, status: str | None) -> None:
    item = {"Item": {"status": {"S": status}}} if status else {}
    stubber.add_response(
        "get_item",
        item,
        {
            "TableName": "conversations",
            "Key": {"pk": {"S": PK}, "sk": {"S": SK}},
            "ProjectionExpression": "#s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ConsistentRead": True,
        },
    )


def test_one_transaction_with_marker_message_and_meta(stubbed: tuple[ConversationBuffer, Stubber]) -> None:
    buffer, stubber = stubbed
    expected = {
        "ClientRequestToken": ANY,
        "TransactItems": [
            {
                "Put": {
                    "TableName": "conversations",
                    "Item": {
                        "pk": {"S": PK},
                        "sk": {"S": "DEDUP#wamid.ABC"},
                        "message_id": {"S": "wamid.ABC"},
                        "buffer_sk": {"S": SK},
                        "created_at": {"N": "1795420805123"},
                        "expires_at": {"N": str(EXPIRES)},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "TableName": "conversations",
                    "Item": {
                        "pk": {"S": PK},
                        "sk": {"S": SK},
                        "message_id": {"S": "wamid.ABC"},
                        "message_type": {"S": "text"},
                        "message": {"S": '{"id":"wamid.ABC"}'},
                        "status": {"S": "pending"},
                        "received_at": {"N": "1795420805123"},
                        "sent_at": {"N": "1795420800000"},
                        "expires_at": {"N": str(EXPIRES)},
                    },
                }
            },
            {
                "Update": {
                    "TableName": "conversations",
                    "Key": {"pk": {"S": PK}, "sk": {"S": "META"}},
                    "UpdateExpression": (
                        "SET last_message_id = :id, last_message_sk = :sk, updated_at = :now, expires_at = :exp,"
                        " open_shard = :shard, open_at = :now REMOVE sweeps, swept_at"
                    ),
                    "ExpressionAttributeValues": {
                        ":id": {"S": "wamid.ABC"},
                        ":sk": {"S": SK},
                        ":now": {"N": "1795420805123"},
                        ":exp": {"N": str(EXPIRES)},
                        ":shard": {"S": open_shard(ARGS["conversation"])},
                    },
                }
            },
        ],
    }
    stubber.add_response("transact_write_items", {}, expected)
    assert buffer.buffer(**ARGS) == Buffered(SK)


@pytest.mark.parametrize(("status", "pending"), [("pending", True), ("claimed", False), ("done", False), (None, False)])
def test_marker_condition_failure_is_a_duplicate_told_pending_or_not(
    stubbed: tuple[ConversationBuffer, Stubber], status: str | None, pending: bool
) -> None:
    buffer, stubber = stubbed
    _add_cancel(stubber, "ConditionalCheckFailed", "None", "None")
    _add_status(stubber, status)  # where the marker says the message is
    assert buffer.buffer(**ARGS) == Buffered(SK, duplicate=True, pending=pending)


def test_a_conflicting_transaction_is_retried_then_seen_as_duplicate(
    stubbed: tuple[ConversationBuffer, Stubber],
) -> None:
    buffer, stubber = stubbed
    _add_cancel(stubber, "TransactionConflict", "None", "None")
    _add_cancel(stubber, "ConditionalCheckFailed", "None", "None")
    _add_status(stubber, "done")
    assert buffer.buffer(**ARGS) == Buffered(SK, duplicate=True, pending=False)


def test_a_conflict_that_clears_is_buffered(stubbed: tuple[ConversationBuffer, Stubber]) -> None:
    buffer, stubber = stubbed
    _add_cancel(stubber, "None", "None", "TransactionConflict")
    stubber.add_response("transact_write_items", {})
    assert buffer.buffer(**ARGS) == Buffered(SK)


def test_conflicts_that_do_not_clear_raise(stubbed: tuple[ConversationBuffer, Stubber]) -> None:
    buffer, stubber = stubbed
    for _ in range(3):
        _add_cancel(stubber, "TransactionConflict", "None", "None")
    with pytest.raises(ClientError):
        buffer.buffer(**ARGS)


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ValidationException", "InternalServerError"]
)
def test_other_failures_raise(stubbed: tuple[ConversationBuffer, Stubber], code: str) -> None:
    buffer, stubber = stubbed
    stubber.add_client_error("transact_write_items", service_error_code=code, http_status_code=400)
    with pytest.raises(ClientError):
        buffer.buffer(**ARGS)
