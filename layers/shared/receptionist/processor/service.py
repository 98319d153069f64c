"""Processor domain logic. Foundation version: each ticket becomes one outbound job, which
proves the inbound -> processor -> outbound plumbing; the debounced agent turn replaces it."""

from __future__ import annotations

from receptionist.adapters.queues import FifoQueue
from receptionist.messages import InboundTicket, OutboundJob


class TurnService:
    def __init__(self, outbound: FifoQueue) -> None:
        self._outbound = outbound

    def handle_ticket(self, ticket: InboundTicket) -> OutboundJob:
        job = OutboundJob(job_id=f"ack-{ticket.message_id}", kind="reply", conversation=ticket.conversation)
        self._outbound.send(job, group=job.conversation, dedup_id=job.job_id)
        return job
