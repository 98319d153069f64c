"""A copy of every media file in the S3 bucket (Gupshup's URLs expire after 7 days)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.privacy.keys import MEDIA_PREFIX, media_key

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

PREFIX = MEDIA_PREFIX  # the bucket's lifecycle rule expires this prefix


class MediaArchive:
    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self._s3: S3Client = client if client is not None else boto3.client("s3", config=bounded_client_config())

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str:
        # Keys carry no phone number: a hash of the conversation keeps them apart (privacy/keys.py,
        # where erasure and export find them too).
        key = media_key(conversation, message_id)
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        return f"s3://{self.bucket}/{key}"
