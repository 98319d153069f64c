"""The settings' audit trail as the owner's settings page shows it: who changed which setting,
and when (the lines the console's settings services write, `settings_<what>`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from receptionist.crm.connection import Database


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


def settings_changes(db: Database, organization_id: str, limit: int = 20) -> list[AuditLine]:
    """Who changed which setting, and when: the latest first."""
    rows = db.fetch_all(
        "select at, actor, action, target, details from audit_log"
        " where organization_id = %s and action like 'settings\\_%%' order by at desc, id desc limit %s",
        (organization_id, max(1, min(limit, 200))),
    )
    return [AuditLine(**r) for r in rows]
