"""What travels on the queues between the functions (small JSON documents)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class InboundTicket(BaseModel):
    """Webhook -> processor: enough to find the buffered message, nothing more."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["message"] = "message"
    conversation: str  # "<gupshup app>#<customer number>"; also the FIFO group
    message_id: str  # the Gupshup message id


class OutboundJob(BaseModel):
    """Processor -> notifier: one thing to say on WhatsApp."""

    model_config = ConfigDict(extra="ignore")

    job_id: str
    kind: Literal["reply", "escalation", "human_reply", "fallback"]
    conversation: str
    text: str | None = None
