"""The media copies of one conversation, read for a customer's export (privacy/export.py's
MediaStore): listed under the conversation's folder of the media bucket and streamed one at a
time (a voice note may be 16 MB). Keys are the archive's own (privacy/keys.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.privacy.keys import conversation_media_prefix, media_key

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

CHUNK = 1024 * 1024  # what a read streams at a time


@dataclass(frozen=True)
class StoredMedia:
    key: str
    size: int
    stored_at: datetime


@dataclass(frozen=True)
class MediaContent:
    content_type: str | None
    chunks: Iterator[bytes]


class MediaCopies:
    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        self._s3: S3Client = client if client is not None else boto3.client("s3", config=bounded_client_config())

    def key(self, conversation: str, message_id: str) -> str:
        return media_key(conversation, message_id)

    def stored(self, conversation: str) -> list[StoredMedia]:
        """Every copy kept for the conversation ("<app>#<number>")."""
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=conversation_media_prefix(conversation)
        )
        found = (o for page in pages for o in page.get("Contents", []))
        return [StoredMedia(str(o["Key"]), int(o["Size"]), o["LastModified"]) for o in found]

    def read(self, key: str) -> MediaContent:
        """One copy's bytes, streamed."""
        got = self._s3.get_object(Bucket=self.bucket, Key=key)
        return MediaContent(got.get("ContentType"), got["Body"].iter_chunks(CHUNK))
