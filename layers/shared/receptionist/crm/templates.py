"""The business's WhatsApp templates (table message_templates), as Gupshup has them, and their
preview.

A template is what a business may send when the customer's 24-hour window is closed (and what
reminders and staff notices are): Gupshup sends it by its id with the parameters in order; `body`
is its text, with {{1}}, {{2}}... where the parameters go, so a person (and the conversation's
history) can see what was said. The rows are Gupshup's list, read by receptionist.reminders.template_sync
(`save_synced`): a template Gupshup no longer lists is kept, marked removed, never offered; only a
`usable` one (APPROVED and listed) may be chosen or sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from receptionist.crm.connection import Database, Row
from receptionist.crm.models import MessageTemplate

_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
# Gupshup's template ids as a business's settings may name one (the escalation notice, reminders),
# and the most values a template a setting names may take.
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
MAX_PARAMS = 10

_COLUMNS = (
    "template_id, label, body, param_count, name, language, category, status, rejected_reason, header, footer,"
    " buttons, removed_at is not null as removed"
)
# What a template's label may be (the table's check): Gupshup's name, cut to fit.
_LABEL_MAX = 200


def template_from(row: Row) -> MessageTemplate:
    """A message_templates row (selected with _COLUMNS) as a MessageTemplate."""
    return MessageTemplate(
        template_id=row["template_id"],
        label=row["label"],
        body=row["body"],
        param_count=row["param_count"],
        name=row["name"],
        language=row["language"],
        category=row["category"],
        status=row["status"],
        rejected_reason=row["rejected_reason"],
        header=row["header"],
        footer=row["footer"],
        buttons=tuple(b for b in row["buttons"] or () if isinstance(b, dict)),
        removed=row["removed"],
    )


_template = template_from
SELECT_TEMPLATE = f"select {_COLUMNS} from message_templates"


def list_templates(db: Database, organization_id: str) -> list[MessageTemplate]:
    """The organization's templates, every status (the pages say which may be used), by label.
    One round trip."""
    rows = db.fetch_all(
        f"select {_COLUMNS} from message_templates where organization_id = %s order by label, template_id",
        (organization_id,),
    )
    return [_template(r) for r in rows]


def usable_templates(db: Database, organization_id: str) -> list[MessageTemplate]:
    """The templates that may be chosen or sent: approved, and still listed by Gupshup."""
    return [t for t in list_templates(db, organization_id) if t.usable]


def get_template(db: Database, organization_id: str, template_id: str) -> MessageTemplate | None:
    """One of the organization's templates by Gupshup's id (None when it has no such template)."""
    row = db.fetch_one(
        f"select {_COLUMNS} from message_templates where organization_id = %s and template_id = %s",
        (organization_id, template_id),
    )
    return _template(row) if row else None


def placeholder_count(body: str) -> int:
    """How many parameters a template body takes: its highest {{n}} (0 without placeholders)."""
    return max((int(m.group(1)) for m in _PLACEHOLDER.finditer(body)), default=0)


def render_template(body: str, params: list[str]) -> str:
    """The template's text with {{n}} replaced by params[n-1] (a parameter's own text is never
    read for placeholders). Raises ValueError unless exactly as many parameters as it takes are
    given."""
    expected = placeholder_count(body)
    if len(params) != expected:
        raise ValueError(f"this template takes {expected} parameter{'' if expected == 1 else 's'}, {len(params)} given")
    if any(int(m.group(1)) < 1 for m in _PLACEHOLDER.finditer(body)):
        raise ValueError("template placeholders are numbered from {{1}}")
    return _PLACEHOLDER.sub(lambda m: params[int(m.group(1)) - 1], body)


# -- what Gupshup lists, written ----------------------------------------------------------------
@dataclass(frozen=True)
class ListedTemplate:
    """One template as Gupshup lists it (adapters/gupshup_templates.GupshupTemplate's fields that
    are kept), in the CRM's own terms."""

    template_id: str
    name: str
    language: str | None
    category: str | None
    status: str
    body: str
    header: str | None = None
    footer: str | None = None
    buttons: tuple[dict[str, str], ...] = ()
    example: str | None = None
    rejected_reason: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "template_id": self.template_id[:200],
            "label": self.name[:_LABEL_MAX],
            "body": self.body[:1024] or self.name[:1024],
            "param_count": placeholder_count(self.body),
            "name": self.name[:512],
            "language": self.language if self.language and _LANGUAGE.fullmatch(self.language) else None,
            "category": self.category if self.category and _UPPER.fullmatch(self.category) else None,
            "status": self.status if _UPPER.fullmatch(self.status) else "UNKNOWN",
            "rejected_reason": (self.rejected_reason or "")[:1000] or None,
            "header": (self.header or "")[:1024] or None,
            "footer": (self.footer or "")[:1024] or None,
            "buttons": Jsonb(list(self.buttons)),
            "example": (self.example or "")[:2048] or None,
        }


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,4})?$")
_UPPER = re.compile(r"^[A-Z_]{1,40}$")


@dataclass(frozen=True)
class SyncCounts:
    added: int = 0
    updated: int = 0  # a listed template whose status, text or buttons changed
    removed: int = 0  # no longer listed by Gupshup (kept, marked)
    unchanged: int = 0


def save_synced(
    db: Database, organization_id: str, listed: Sequence[ListedTemplate], at: datetime, connection_ids: Sequence[str]
) -> SyncCounts:
    """Gupshup's complete list for the organization, written in one transaction: each listed
    template inserted or brought up to date (its label, the business's own, is kept), every row
    Gupshup no longer lists marked removed (kept: settings and history name it), and the
    connections' last sync recorded. Only for a list that was read whole: a failed read never
    gets here, so a sync never wipes what was there."""
    added = updated = unchanged = 0
    with db.transaction() as tx:
        before = {
            r["template_id"]: r
            for r in tx.fetch_all(
                "select template_id, body, param_count, status, rejected_reason, header, footer, buttons,"
                " removed_at is not null as removed from message_templates where organization_id = %s for update",
                (organization_id,),
            )
        }
        seen: set[str] = set()
        for template in listed:
            row = template.row()
            if row["template_id"] in seen:
                continue
            seen.add(row["template_id"])
            old = before.get(row["template_id"])
            tx.execute(_UPSERT, {**row, "org": organization_id, "at": at})
            if old is None:
                added += 1
            elif _changed(old, row):
                updated += 1
            else:
                unchanged += 1
        gone = [tid for tid, r in before.items() if tid not in seen and not r["removed"]]
        if gone:
            tx.execute(
                "update message_templates set removed_at = %s, synced_at = %s"
                " where organization_id = %s and template_id = any(%s) and removed_at is null",
                (at, at, organization_id, gone),
            )
        tx.execute(
            "update platform_connections set templates_synced_at = %s, templates_sync_error = null,"
            " templates_sync_failed_at = null where organization_id = %s and id = any(%s::uuid[])",
            (at, organization_id, list(connection_ids)),
        )
    return SyncCounts(added, updated, len(gone), unchanged)


_UPSERT = """
    insert into message_templates (organization_id, template_id, label, body, param_count, name, language,
                                   category, status, rejected_reason, header, footer, buttons, example,
                                   removed_at, synced_at)
    values (%(org)s, %(template_id)s, %(label)s, %(body)s, %(param_count)s, %(name)s, %(language)s, %(category)s,
            %(status)s, %(rejected_reason)s, %(header)s, %(footer)s, %(buttons)s, %(example)s, null, %(at)s)
    on conflict (organization_id, template_id) do update set
        body = excluded.body, param_count = excluded.param_count, name = excluded.name,
        language = excluded.language, category = excluded.category, status = excluded.status,
        rejected_reason = excluded.rejected_reason, header = excluded.header, footer = excluded.footer,
        buttons = excluded.buttons, example = excluded.example, removed_at = null, synced_at = excluded.synced_at
"""


def _changed(old: Row, new: dict[str, Any]) -> bool:
    fields = ("body", "param_count", "status", "rejected_reason", "header", "footer")
    return any(old[f] != new[f] for f in fields) or list(old["buttons"] or []) != new["buttons"].obj or old["removed"]


def record_sync_failure(
    db: Database, organization_id: str, connection_ids: Sequence[str], error: str, at: datetime
) -> None:
    """Why the last sync of these connections failed (a short code; the rows are left as they were)."""
    db.execute(
        "update platform_connections set templates_sync_error = %s, templates_sync_failed_at = %s"
        " where organization_id = %s and id = any(%s::uuid[])",
        (error, at, organization_id, list(connection_ids)),
    )


def record_submitted(db: Database, organization_id: str, template: ListedTemplate, at: datetime) -> None:
    """A template the owner just submitted, as Gupshup answered (PENDING while Meta reviews it)."""
    db.execute(_UPSERT, {**template.row(), "org": organization_id, "at": at})
