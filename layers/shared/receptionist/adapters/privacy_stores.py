"""One customer's items in DynamoDB and S3 (receptionist.privacy.stores: CustomerItems and
MediaFiles), found by where the functions write them (receptionist.privacy.keys) and deleted in
batches. Every item key is returned as an opaque string: DynamoDB items as "<pk>\\n<sk>" (a key
holds no newline), S3 objects as their key.

Finding uses Query (a conversation's partitions, a checkpoint thread), BatchGetItem (the
idempotency ids the CRM's references give) and ListObjectsV2 (a prefix): never a Scan. Deleting is
BatchWriteItem (25 at a time, unprocessed items retried) and DeleteObjects (1,000 at a time)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.conversation_key import ConversationKey
from receptionist.privacy import keys
from receptionist.privacy.ports import CustomerActive
from receptionist.privacy.stores import CrmRefs, Customer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client

BATCH_WRITE: Final = 25  # DynamoDB's BatchWriteItem limit
BATCH_GET: Final = 100  # DynamoDB's BatchGetItem limit
S3_DELETE: Final = 1000  # S3's DeleteObjects limit
_RETRIES: Final = 5
_CHECKPOINT_ATTRIBUTES: Final = ("PK", "SK", "ref_loc", "ref_key")  # langgraph-checkpoint-aws's items


def _dynamodb(client: Any | None) -> DynamoDBClient:
    return client if client is not None else boto3.client("dynamodb", config=bounded_client_config())


def _pair(pk: str, sk: str) -> str:
    return f"{pk}\n{sk}"


def _split(item: str) -> tuple[str, str]:
    pk, _, sk = item.partition("\n")
    return pk, sk


def _query(client: DynamoDBClient, table: str, pk: str, attributes: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Every item of partition `pk` (attributes[0] names the partition key), with those attributes."""
    names = {f"#a{i}": name for i, name in enumerate(attributes)}
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#a0 = :pk",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ProjectionExpression": ", ".join(names),
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _batch_delete(client: DynamoDBClient, table: str, item_keys: Sequence[dict[str, Any]]) -> int:
    """Deletes the items (a missing one is no error); how many were asked for."""
    for start in range(0, len(item_keys), BATCH_WRITE):
        pending: list[Any] = [{"DeleteRequest": {"Key": k}} for k in item_keys[start : start + BATCH_WRITE]]
        for attempt in range(_RETRIES):
            answer = client.batch_write_item(RequestItems={table: pending})
            pending = list(answer.get("UnprocessedItems", {}).get(table, []))
            if not pending:
                break
            time.sleep(0.05 * 2**attempt)  # DynamoDB's guidance: back off before retrying unprocessed items
        if pending:
            raise RuntimeError(f"DynamoDB left {len(pending)} deletions unprocessed")
    return len(item_keys)


class ConversationItems:
    """Every item of the customer's conversations (one per Gupshup app of the business):
    dedupe markers, buffered messages, META, turn records."""

    def __init__(self, table: str, client: Any | None = None) -> None:
        self.table = table
        self._ddb = _dynamodb(client)

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        found: list[str] = []
        for app in customer.apps:
            pk = ConversationKey(app, customer.number).partition
            found += [_pair(i["pk"]["S"], i["sk"]["S"]) for i in _query(self._ddb, self.table, pk, ("pk", "sk"))]
        return found

    def delete(self, item_keys: Sequence[str]) -> int:
        return _batch_delete(
            self._ddb, self.table, [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in map(_split, item_keys)]
        )


class RetainedConversationItems(ConversationItems):
    """The conversations table as retention reaches it: a customer due by the CRM (no activity for
    months) has nothing live here, since every item expires within 7 days. A live item (expires_at
    still ahead, or none) is a message of theirs buffered and not yet in the CRM: they are active.
    Retention asks first (`waiting`), before any store is touched; should one arrive after that,
    the removal stops here (CustomerActive) and nothing of theirs in this table is deleted; expired
    leftovers go."""

    def __init__(self, table: str, client: Any | None = None, now: Callable[[], float] = time.time) -> None:
        super().__init__(table, client)
        self._now = now

    def waiting(self, customer: Customer) -> bool:
        """Whether a message of theirs waits here (a live item): asked before anything is removed."""
        try:
            self.find(customer, CrmRefs())
        except CustomerActive:
            return True
        return False

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        found: list[str] = []
        for app in customer.apps:
            pk = ConversationKey(app, customer.number).partition
            for item in _query(self._ddb, self.table, pk, ("pk", "sk", "expires_at")):
                expires = item.get("expires_at", {}).get("N")
                if expires is None or float(expires) > self._now():
                    raise CustomerActive("a message of theirs waits in the conversations table")
                found.append(_pair(item["pk"]["S"], item["sk"]["S"]))
        return found


class CheckpointItems:
    """The agent's thread of the customer: its checkpoints, their pending writes, the chunks either
    stored in DynamoDB, and the payloads offloaded to S3 (found by their prefix, so a payload whose
    checkpoint is gone is found too). S3 objects are returned as "s3:<key>"."""

    def __init__(self, table: str, bucket: str, client: Any | None = None, s3: Any | None = None) -> None:
        self.table, self.bucket = table, bucket
        self._ddb = _dynamodb(client)
        self._s3: S3Client = s3 if s3 is not None else boto3.client("s3", config=bounded_client_config())

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        thread = customer.thread
        found: list[str] = []
        for checkpoint in _query(self._ddb, self.table, keys.checkpoint_pk(thread), _CHECKPOINT_ATTRIBUTES):
            found += self._with_chunk(checkpoint)
            namespace, _, checkpoint_id = checkpoint["SK"]["S"].partition("#")
            writes_pk = keys.checkpoint_writes_pk(thread, namespace, checkpoint_id)
            for write in _query(self._ddb, self.table, writes_pk, _CHECKPOINT_ATTRIBUTES):
                found += self._with_chunk(write)
        # Listed by the organization's prefix, the thread's kept here: a request's URL (in access
        # logs, CloudTrail data events) then carries no phone number. Offloads are rare (a state
        # over 350 KB), so the business's list is short.
        mine = keys.checkpoint_offload_prefix(thread)
        listed = _list(self._s3, self.bucket, keys.business_offload_prefix(customer.organization_id))
        found += [f"s3:{k}" for k in listed if k.startswith(mine)]
        return list(dict.fromkeys(found))

    @staticmethod
    def _with_chunk(item: dict[str, Any]) -> list[str]:
        out = [_pair(item["PK"]["S"], item["SK"]["S"])]
        if item.get("ref_loc", {}).get("S") == "DYNAMODB" and item.get("ref_key", {}).get("S"):
            out.append(_pair(item["ref_key"]["S"], "CHUNK"))
        return out

    def delete(self, item_keys: Sequence[str]) -> int:
        objects = [k.removeprefix("s3:") for k in item_keys if k.startswith("s3:")]
        items = [{"PK": {"S": pk}, "SK": {"S": sk}} for pk, sk in map(_split, (k for k in item_keys if "\n" in k))]
        return _batch_delete(self._ddb, self.table, items) + _delete_objects(self._s3, self.bucket, objects)


class IdempotencyRecords:
    """The notifier's Powertools records of every job and send to the customer: their ids derive
    from the CRM's outbound messages, reminders and escalations (keys.notifier_job_keys); the ones
    that exist are found with BatchGetItem."""

    def __init__(self, table: str, client: Any | None = None, prefix: str = keys.IDEMPOTENCY_PREFIX) -> None:
        self.table, self.prefix = table, prefix
        self._ddb = _dynamodb(client)

    def candidates(self, refs: CrmRefs) -> list[str]:
        ids = (
            keys.idempotency_id(scope, key, self.prefix)
            for scope, key in keys.notifier_job_keys(refs.outbound, refs.escalation_turns, refs.staff_numbers)
        )
        return list(dict.fromkeys(ids))

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        wanted = self.candidates(refs)
        found: list[str] = []
        for start in range(0, len(wanted), BATCH_GET):
            request: Any = {
                self.table: {
                    "Keys": [{"id": {"S": i}} for i in wanted[start : start + BATCH_GET]],
                    "ProjectionExpression": "id",
                    "ConsistentRead": True,
                }
            }
            for attempt in range(_RETRIES):
                answer = self._ddb.batch_get_item(RequestItems=request)
                found += [item["id"]["S"] for item in answer.get("Responses", {}).get(self.table, [])]
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.05 * 2**attempt)
            if request:
                raise RuntimeError("DynamoDB left keys unread")
        return found

    def delete(self, item_keys: Sequence[str]) -> int:
        return _batch_delete(self._ddb, self.table, [{"id": {"S": i}} for i in item_keys])


class S3MediaFiles:
    """The customer's media copies: one folder per conversation under media/, and what a block
    kept under blocked/<pseudonym>/."""

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._s3: S3Client = client if client is not None else boto3.client("s3", config=bounded_client_config())

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        found: list[str] = []
        for app in customer.apps:
            found += _list(self._s3, self.bucket, keys.media_prefix(app, customer.number))
        return found

    def find_blocked(self, customer_ref: str) -> list[str]:
        if not customer_ref:
            return []
        return list(_list(self._s3, self.bucket, keys.blocked_prefix(customer_ref)))

    def find_exports(self, organization_id: str, refs: CrmRefs) -> list[str]:
        found: list[str] = []
        for identity in refs.identity_ids:
            found += _list(self._s3, self.bucket, keys.export_prefix(organization_id, identity))
        return found

    def keep(self, object_keys: Sequence[str], prefix: str) -> list[str]:
        copies = []
        for key in object_keys:
            copy = f"{prefix}{key}"
            self._s3.copy_object(Bucket=self.bucket, Key=copy, CopySource={"Bucket": self.bucket, "Key": key})
            copies.append(copy)
        return copies

    def read(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def delete(self, object_keys: Sequence[str]) -> int:
        return _delete_objects(self._s3, self.bucket, list(object_keys))


def _list(s3: S3Client, bucket: str, prefix: str) -> Iterator[str]:
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = s3.list_objects_v2(**kwargs)
        for obj in page.get("Contents", []):
            yield obj["Key"]
        if not page.get("IsTruncated"):
            return
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def _delete_objects(s3: S3Client, bucket: str, object_keys: list[str]) -> int:
    for start in range(0, len(object_keys), S3_DELETE):
        batch = object_keys[start : start + S3_DELETE]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        if answer.get("Errors"):
            raise RuntimeError(f"S3 refused {len(answer['Errors'])} deletions ({answer['Errors'][0].get('Code')})")
    return len(object_keys)
