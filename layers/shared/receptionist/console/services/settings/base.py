"""What every settings service shares: the owner it acts for and its audit lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, record_audit


@dataclass
class OwnerService:
    db: Database  # acting for the owner's organization
    owner: StaffAccount

    @property
    def org(self) -> str:
        return self.owner.organization_id

    def _audit(self, what: str, target: str | None, details: dict[str, Any]) -> None:
        record_audit(self.db, self.org, self.owner.email, f"settings_{what}", target, details)


def changed_fields(before: object, after: object, *, long_fields: Sequence[str] = ()) -> dict[str, Any]:
    """What an edit changed, for the audit log: new values of short fields, "changed" for long texts."""
    old, new = before.__dict__, after.__dict__
    return {
        name: ("changed" if name in long_fields else value)
        for name, value in new.items()
        if name != "id" and old.get(name) != value
    }
