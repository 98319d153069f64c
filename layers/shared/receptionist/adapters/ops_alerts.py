"""Ops' alerts outside CloudWatch's alarms: a message published to the stack's AlarmTopic (SNS,
the topic the alarms notify, so it reaches the same people: template.yaml AlarmTopic). Used by
the budget pass (receptionist.reminders.budgets) for a business that reached its monthly budget.
A message names a business and figures, never a customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# SNS's subject limit (ASCII, no line breaks).
SUBJECT_CHARS = 100


class OpsAlerts(Protocol):
    def publish(self, subject: str, message: str) -> str:
        """Publish `message` for ops; SNS's message id. Raises when SNS did not take it."""
        ...


@dataclass(frozen=True)
class SnsOpsAlerts:
    topic_arn: str
    sns: Any  # boto3's SNS client (bounded retries: receptionist.adapters.aws)

    def publish(self, subject: str, message: str) -> str:
        answer = self.sns.publish(TopicArn=self.topic_arn, Subject=subject[:SUBJECT_CHARS], Message=message)
        return str(answer["MessageId"])
