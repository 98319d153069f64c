"""What the webhook service needs from the outside world, as small protocols.

The service is plain Python: the Lambda handler gives it DynamoDB/SQS adapters and Powertools
telemetry, unit tests give it in-memory fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from receptionist.turns import Buffered


class MessageBuffer(Protocol):
    """The conversations table, as the webhook uses it (adapters.conversation_table.ConversationBuffer)."""

    def buffer(
        self,
        *,
        conversation: str,
        message_id: str,
        message_type: str,
        message_json: str,
        received_at_ms: int,
        sent_at_ms: int,
    ) -> Buffered:
        """Dedupe and buffer in one write. For a duplicate, whether it still waits for a turn
        (then its ticket may have been lost, and is sent again)."""
        ...


class AppSecrets(Protocol):
    """Each Gupshup app's webhook secrets (adapters.app_secrets.SsmAppSecrets)."""

    def secrets_for(self, app: str) -> list[str]:
        """The app's valid secrets: one, or two while rotating; none for an unknown app."""
        ...

    def all_secrets(self) -> list[str]: ...

    def refresh(self) -> bool:
        """Reload now unless that was done very recently; whether it reloaded."""
        ...


RequestOutcome = Literal["accepted", "forwarded", "duplicate", "ignored", "rejected", "failed"]


@dataclass(frozen=True)
class RequestReport:
    """What became of one request; telemetry turns it into a log line and a metric.

    Never holds message content or phone numbers: `kind` and `reason` are bounded labels,
    `detail` is a field location / type name, `message_id` is Gupshup's opaque id.
    """

    outcome: RequestOutcome
    status_code: int
    kind: str | None = None  # text, image, delivered, opted-out, billing-event...
    reason: str | None = None  # why rejected / ignored; for "failed", the exception's type
    message_id: str | None = None
    detail: str | None = None


class Telemetry(Protocol):
    def correlate(self, message_id: str | None) -> None:
        """Tag what follows (logs, traces) with this Gupshup message id."""
        ...

    def record(self, report: RequestReport) -> None:
        """Log and count. For a "failed" outcome it is called while the exception is handled."""
        ...
