"""Conversation memory: LangGraph checkpoints in DynamoDB (langgraph-checkpoint-aws), states over
DynamoDB's item limit offloaded to S3, expired by TTL. One thread per organization + customer,
holding one checkpoint: each turn writes its own at the end and removes the one before."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph_checkpoint_aws import DynamoDBSaver

from receptionist.adapters.aws import bounded_client_config

CHECKPOINT_TTL_DAYS = 30
S3_PREFIX = "checkpoints"  # the bucket's lifecycle rule expires this prefix


def thread_id(organization_id: str, customer_number: str) -> str:
    return f"{organization_id}:{customer_number}"


def dynamodb_checkpointer(
    table_name: str,
    bucket_name: str,
    *,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    ttl_days: int = CHECKPOINT_TTL_DAYS,
) -> DynamoDBSaver:
    """endpoint_url None: boto3's default resolution (AWS_ENDPOINT_URL locally, AWS in Lambda)."""
    offload: dict[str, str] = {"bucket_name": bucket_name, "key_prefix": S3_PREFIX}
    if endpoint_url:
        offload["endpoint_url"] = endpoint_url
    return DynamoDBSaver(
        table_name=table_name,
        region_name=region_name,
        endpoint_url=endpoint_url,
        boto_config=bounded_client_config(),
        ttl_seconds=ttl_days * 24 * 3600,
        enable_checkpoint_compression=True,
        s3_offload_config=offload,  # type: ignore[arg-type]
    )


def prune_superseded(saver: BaseCheckpointSaver[Any], thread: str) -> int:
    """Delete the thread's checkpoints older than its newest one, with their pending writes and
    offloaded payloads. A turn runs with durability="exit", so it writes one checkpoint, at its
    end: the newest is all the next turn needs, and a turn that crashed wrote nothing and is
    retried from it. Returns how many went. Savers without DynamoDB (in-memory, the CLI) keep all."""
    repo = getattr(saver, "repo", None)
    if repo is None:
        return 0
    found: list[tuple[str, str]] = repo.get_thread_checkpoint_info(thread)
    newest: dict[str, str] = {}
    for namespace, checkpoint_id in found:  # ids are time-ordered (uuid6): the greatest is the newest
        newest[namespace] = max(newest.get(namespace, ""), checkpoint_id)
    old = [(ns, cid) for ns, cid in found if cid != newest[ns]]
    if old:
        repo.delete_thread_writes(thread, old)  # children first, as the saver's own delete_thread does
        repo.delete_thread_checkpoints(thread, old)
    return len(old)
