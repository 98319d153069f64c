"""The sweep's side of the conversations table: the sparse open index (see conversation_table.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.conversation_table import META_SK, OPEN_INDEX, OPEN_SHARDS
from receptionist.conversation_key import ConversationKey
from receptionist.turns import OpenConversation

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


class DynamoOpenConversations:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None, index_name: str = OPEN_INDEX) -> None:
        self.table_name = table_name
        self.index_name = index_name
        self._ddb: DynamoDBClient = (
            client if client is not None else boto3.client("dynamodb", config=bounded_client_config())
        )

    def stale(self, older_than_ms: int) -> Iterator[OpenConversation]:
        for shard in range(OPEN_SHARDS):
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": self.index_name,
                "KeyConditionExpression": "open_shard = :shard AND open_at < :cutoff",
                "ExpressionAttributeValues": {":shard": {"S": f"open#{shard}"}, ":cutoff": {"N": str(older_than_ms)}},
            }
            while True:
                page = self._ddb.query(**kwargs)
                for item in page.get("Items", []):
                    if "last_message_id" in item:
                        yield OpenConversation(
                            conversation=str(ConversationKey.from_partition(item["pk"]["S"])),
                            last_message_id=item["last_message_id"]["S"],
                        )
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _key(self, item: OpenConversation) -> dict[str, Any]:
        return {"pk": {"S": ConversationKey.parse(item.conversation).partition}, "sk": {"S": META_SK}}

    def mark_swept(self, item: OpenConversation, now_ms: int, not_since_ms: int) -> int | None:
        try:
            out = self._ddb.update_item(
                TableName=self.table_name,
                Key=self._key(item),
                UpdateExpression="SET swept_at = :now, sweeps = if_not_exists(sweeps, :zero) + :one",
                ConditionExpression=(
                    "attribute_exists(open_shard) AND last_message_id = :id"
                    " AND (attribute_not_exists(swept_at) OR swept_at < :since)"
                ),
                ExpressionAttributeValues={
                    ":now": {"N": str(now_ms)},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":id": {"S": item.last_message_id},
                    ":since": {"N": str(not_since_ms)},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return int(out["Attributes"]["sweeps"]["N"])

    def abandon(self, item: OpenConversation) -> None:
        try:
            self._ddb.update_item(
                TableName=self.table_name,
                Key=self._key(item),
                UpdateExpression="REMOVE open_shard, open_at",
                ConditionExpression="last_message_id = :id",
                ExpressionAttributeValues={":id": {"S": item.last_message_id}},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
