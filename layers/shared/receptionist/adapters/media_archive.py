"""A copy of every media file in the S3 bucket (Gupshup's URLs expire after 7 days)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import boto3

from receptionist.adapters.aws import bounded_client_config

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

PREFIX = "media"  # the bucket's lifecycle rule expires this prefix


def conversation_prefix(conversation: str) -> str:
    """Where a conversation's copies are kept ("media/<16 hex>/"): keys carry no phone number, a
    hash of the conversation ("<app>#<number>") keeps them apart."""
    return f"{PREFIX}/{hashlib.sha256(conversation.encode()).hexdigest()[:16]}/"


def media_key(conversation: str, message_id: str) -> str:
    """The copy of one message's media (message_id: Gupshup's id of the message)."""
    return conversation_prefix(conversation) + hashlib.sha256(message_id.encode()).hexdigest()[:32]


class MediaArchive:
    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self._s3: S3Client = client if client is not None else boto3.client("s3", config=bounded_client_config())

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str:
        key = media_key(conversation, message_id)
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return f"s3://{self.bucket}/{key}"
