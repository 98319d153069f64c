"""Notifier domain logic. Foundation version: accepts jobs; the Gupshup delivery comes with
the notifier issue."""

from __future__ import annotations

from receptionist.messages import OutboundJob


class DeliveryService:
    def deliver(self, job: OutboundJob) -> str:
        return job.job_id
