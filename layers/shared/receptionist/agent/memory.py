"""Conversation memory: LangGraph checkpoints in DynamoDB (langgraph-checkpoint-aws), states over
DynamoDB's item limit offloaded to S3, expired by TTL. One thread per organization + customer."""

from __future__ import annotations

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
