"""The CRM's side of retention, on the SQL functions of migration 20261207110000_retention.sql
(SECURITY DEFINER, executable by the `receptionist_retention` role only; the tables' owner may run
them too, for ops and tests):

- `CrmRetention` (receptionist.retention.ports.RetentionLedger): the businesses and their windows,
  what is due (customers, media, usage, the vault), the media pass's mark, cancelling requests;
- `RetentionPrivacyLedger` (receptionist.privacy.ports.PrivacyLedger): a due customer's removal as
  the ForgetService runs an erasure, begun, stepped and finished through retention_begin, _step and
  _finish, which refuse a customer who is not due (or no longer: then the request is cancelled).

What is due is decided in SQL with the database's clock: nothing here passes a time or a window."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from psycopg import errors
from psycopg.types.json import Jsonb

from receptionist.crm.connection import Database
from receptionist.privacy.ports import Begun, Caller, CustomerActive, Finished, ForgetRefused
from receptionist.privacy.stores import CrmRefs, Mode
from receptionist.retention.ports import (
    AnotherRequest,
    Business,
    DueCustomer,
    DueMedia,
    DueVault,
    Usage,
)
from receptionist.retention.rules import Windows


def _refused(exc: errors.Error) -> Exception | None:
    """RC409: not due (or another request runs); RC404: no retention request runs; RC422: a value."""
    message = str(exc.diag.message_primary or "")
    if exc.sqlstate == "RC409":
        return AnotherRequest(message) if "another request" in message else CustomerActive(message)
    if exc.sqlstate == "RC404":
        return ForgetRefused("no_request", message)
    if exc.sqlstate == "RC422":
        return ForgetRefused("invalid", message)
    return None


def _call(db: Database, sql: str, params: tuple[Any, ...]) -> Any:
    try:
        found = db.fetch_one(sql, params)
    except errors.Error as exc:
        refusal = _refused(exc)
        if refusal is not None:
            raise refusal from exc
        raise
    return found["r"] if found else None


class CrmRetention:
    def __init__(self, db: Database) -> None:
        self.db = db

    def businesses(self) -> list[Business]:
        rows = self.db.fetch_all(
            "select organization_id::text as id, apps, text_months, media_days, usage_months"
            " from public.retention_businesses()"
        )
        return [
            Business(r["id"], tuple(r["apps"]), Windows(r["text_months"], r["media_days"], r["usage_months"]))
            for r in rows
        ]

    def cancel_stale(self, organization_id: str) -> int:
        return int(_call(self.db, "select public.retention_cancel_stale(%s) as r", (organization_id,)))

    def due_customers(
        self, organization_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[DueCustomer]:  # fmt: skip
        at, number = after if after is not None else (None, None)
        rows = self.db.fetch_all(
            "select customer_number, last_activity from public.retention_due(%s, %s, %s, %s)",
            (organization_id, limit, at, number),
        )
        return [DueCustomer(r["customer_number"], r["last_activity"]) for r in rows]

    def cancel(self, organization_id: str, customer_ref: str) -> bool:
        return bool(_call(self.db, "select public.retention_cancel(%s, %s) as r", (organization_id, customer_ref)))

    def due_media(self, organization_id: str, limit: int) -> list[DueMedia]:
        rows = self.db.fetch_all(
            "select customer_number, message_id, received_at, id::text as id from public.retention_media_due(%s, %s)",
            (organization_id, limit),
        )
        return [DueMedia(r["customer_number"], r["message_id"], r["received_at"], r["id"]) for r in rows]

    def media_done(self, organization_id: str, last: DueMedia) -> None:
        _call(
            self.db,
            "select public.retention_media_done(%s, %s, %s) as r",
            (organization_id, last.received_at, last.row_id),
        )

    def remove_usage(self, organization_id: str, limit: int) -> Usage:
        removed = _call(self.db, "select public.retention_usage(%s, %s) as r", (organization_id, limit))
        return Usage(
            int(removed["turn_usage"]), int(removed["budget_notices"]), int(removed.get("staff_template_sends", 0))
        )

    def due_vault(self, organization_id: str, limit: int) -> list[DueVault]:
        rows = self.db.fetch_all(
            "select id::text as id, media from public.retention_vault_due(%s, %s)", (organization_id, limit)
        )
        return [DueVault(r["id"], tuple(r["media"])) for r in rows]

    def remove_vault(self, organization_id: str, vault_id: str) -> bool:
        return bool(_call(self.db, "select public.retention_vault_remove(%s, %s) as r", (organization_id, vault_id)))


class RetentionPrivacyLedger:
    """A due customer's removal, as the ForgetService runs it (mode erase, actor 'retention'): the
    caller and reason it is given are ignored, the CRM writes its own (the window)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def begin(
        self, caller: Caller, organization_id: str, number: str, customer_ref: str, mode: Mode, until: date | None,
        reason: str,
    ) -> Begun:  # fmt: skip
        if mode != "erase" or until is not None:
            raise ForgetRefused("invalid", "retention erases, and keeps nothing until a date")
        row = _call(self.db, "select public.retention_begin(%s, %s, %s) as r", (organization_id, number, customer_ref))
        refs = row["refs"]
        return Begun(
            request_id=str(row["request"]),
            mode="erase",
            until=None,
            resumed=bool(row["resumed"]),
            steps=dict(row["steps"] or {}),
            apps=tuple(refs["apps"]),
            refs=CrmRefs(
                identity_ids=tuple(refs["identities"]),
                outbound=tuple((str(job), int(part)) for job, part in refs["outbound"]),
                escalation_turns=tuple(refs["escalation_turns"]),
                staff_numbers=tuple(refs["staff_numbers"]),
                blocked_media=tuple(refs["blocked_media"]),
            ),
        )

    def step(self, caller: Caller, organization_id: str, customer_ref: str, step: str, details: dict[str, Any]) -> None:
        _call(
            self.db,
            "select public.retention_step(%s, %s, %s, %s) as r",
            (organization_id, customer_ref, step, Jsonb(details)),
        )

    def finish(self, caller: Caller, organization_id: str, number: str, customer_ref: str) -> Finished:
        row = _call(self.db, "select public.retention_finish(%s, %s, %s) as r", (organization_id, number, customer_ref))
        if row.get("cancelled"):
            raise CustomerActive("active again before the removal finished: cancelled")
        return Finished(
            request_id=str(row["request"]),
            mode="erase",
            until=None,
            rows={str(k): int(v) for k, v in (row["rows"] or {}).items()},
        )
