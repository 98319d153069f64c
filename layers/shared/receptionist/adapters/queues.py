"""SQS FIFO sender: the only module that talks to SQS for the functions."""

from __future__ import annotations

from typing import Any

import boto3
from pydantic import BaseModel


class FifoQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = client or boto3.client("sqs")

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        resp = self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=message.model_dump_json(exclude_none=True),
            MessageGroupId=group,
            MessageDeduplicationId=dedup_id,
        )
        return str(resp["MessageId"])


class QueueVisibility:
    """When a received message comes back: a failed job's backoff (ChangeMessageVisibility)."""

    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = client or boto3.client("sqs")

    def delay(self, receipt_handle: str, seconds: int) -> None:
        # SQS allows 0..43200 s (12 hours).
        self._sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=max(0, min(seconds, 43_200))
        )
