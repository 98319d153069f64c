"""The devstack's moto server: a cancelled transaction changes nothing (its rollback restores the
items it touched, not whole tables), a committed one writes every item, and the server reports
the calls it served per API action."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.aws import moto_client


@pytest.fixture
def table(moto_endpoint: str) -> tuple[Any, str]:
    ddb = moto_client("dynamodb", moto_endpoint, "us-east-1")
    name = f"tx-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    return ddb, name


def _item(pk: str, sk: str, value: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, "v": {"S": value}}


def _get(ddb: Any, name: str, pk: str, sk: str) -> str | None:
    item = ddb.get_item(TableName=name, Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")
    return None if item is None else str(item["v"]["S"])


def test_a_cancelled_transaction_leaves_every_item_as_it_was(table: tuple[Any, str]) -> None:
    ddb, name = table
    ddb.put_item(TableName=name, Item=_item("c", "old", "before"))
    ddb.put_item(TableName=name, Item=_item("c", "guard", "taken"))
    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": _item("c", "old", "after")}},  # overwrite...
                {"Put": {"TableName": name, "Item": _item("c", "new", "created")}},  # ...create...
                {
                    "Update": {  # ...update...
                        "TableName": name,
                        "Key": {"pk": {"S": "c"}, "sk": {"S": "counter"}},
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "bumped"}},
                    }
                },
                {  # ...but this condition fails, so none of it happens
                    "Put": {
                        "TableName": name,
                        "Item": _item("c", "guard", "mine"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _get(ddb, name, "c", "old") == "before"
    assert _get(ddb, name, "c", "new") is None
    assert _get(ddb, name, "c", "counter") is None
    assert _get(ddb, name, "c", "guard") == "taken"
    assert ddb.scan(TableName=name)["Count"] == 2


def test_a_committed_transaction_writes_every_item(table: tuple[Any, str]) -> None:
    ddb, name = table
    ddb.put_item(TableName=name, Item=_item("c", "gone", "x"))
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": name,
                    "Item": _item("c", "a", "1"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "c"}, "sk": {"S": "gone"}}}},
        ]
    )
    assert _get(ddb, name, "c", "a") == "1"
    assert _get(ddb, name, "c", "gone") is None


def test_the_server_counts_calls_per_action(moto_endpoint: str, table: tuple[Any, str]) -> None:
    ddb, name = table

    def calls() -> dict[str, Any]:
        with urllib.request.urlopen(f"{moto_endpoint}/_devstack/calls", timeout=5) as response:
            return dict(json.load(response))

    before = calls().get("DynamoDB_20120810.GetItem", {"calls": 0})["calls"]
    for _ in range(3):
        _get(ddb, name, "c", "nothing")
    after = calls()["DynamoDB_20120810.GetItem"]
    assert after["calls"] == before + 3
    assert after["cpu_seconds"] > 0
