"""What retention needs of the CRM (receptionist.crm.retention, on the SQL functions of migration
20261207110000_retention.sql) and of the bucket. The CRM decides what is due, with its own clock:
these calls carry no time and no window, only how many to take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from receptionist.retention.rules import Windows


class AnotherRequest(Exception):
    """Another request (an owner's or ops' block or erasure) runs for this customer: theirs to finish."""


@dataclass(frozen=True)
class Business:
    organization_id: str
    apps: tuple[str, ...]  # its Gupshup apps: one conversation key, one media folder each
    windows: Windows


@dataclass(frozen=True)
class DueCustomer:
    number: str  # digits, as WhatsApp gives it: in memory only, never logged or reported
    last_activity: datetime


@dataclass(frozen=True)
class DueMedia:
    number: str
    message_id: str  # the inbound message's Gupshup id: the copy's key derives from it
    received_at: datetime
    row_id: str  # chat_messages.id: (received_at, row_id) is the media pass's mark


@dataclass(frozen=True)
class DueVault:
    vault_id: str
    media: tuple[str, ...]  # S3 keys under blocked/<pseudonym>/ (no number)


@dataclass(frozen=True)
class Usage:
    turn_usage: int = 0
    budget_notices: int = 0
    staff_template_sends: int = 0  # templates sent to staff numbers (crm/staff_sends.py)


class RetentionLedger(Protocol):
    def businesses(self) -> list[Business]: ...

    def cancel_stale(self, organization_id: str) -> int:
        """Cancel retention requests a dead run left running (over an hour): how many."""
        ...

    def due_customers(
        self, organization_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[DueCustomer]:  # fmt: skip
        """Customers with no activity for the business's window, oldest first, after `after`."""
        ...

    def cancel(self, organization_id: str, customer_ref: str) -> bool:
        """The customer's running retention request, cancelled (they are active)."""
        ...

    def due_media(self, organization_id: str, limit: int) -> list[DueMedia]: ...

    def media_done(self, organization_id: str, last: DueMedia) -> None:
        """Every media copy up to `last` is deleted: the next pass starts after it."""
        ...

    def remove_usage(self, organization_id: str, limit: int) -> Usage: ...

    def due_vault(self, organization_id: str, limit: int) -> list[DueVault]: ...

    def remove_vault(self, organization_id: str, vault_id: str) -> bool: ...


class Objects(Protocol):
    """The media bucket (adapters.privacy_stores.S3MediaFiles): deleting keys, missing ones too."""

    def delete(self, keys: Sequence[str]) -> int: ...
