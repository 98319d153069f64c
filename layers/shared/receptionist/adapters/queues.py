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
