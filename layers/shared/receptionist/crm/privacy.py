"""The CRM's side of blocking and erasing a customer (receptionist.privacy.ports.PrivacyLedger),
on the SQL functions of migration 20261207090000_customer_erasure.sql: forget_begin, forget_step
and forget_finish (SECURITY DEFINER, executable by the console's role and the tables' owner), and
privacy_customer_record (the tables' owner only).

The same functions serve the console (as `receptionist_console`, for a signed-in owner named by
their Cognito sub) and ops (as the tables' owner, named 'ops:<name>'), so the CRM's part of an
erasure is written once, in SQL, and runs in one transaction whoever asks."""

from __future__ import annotations

from datetime import date
from typing import Any

from psycopg import errors
from psycopg.types.json import Jsonb

from receptionist.crm.connection import Database
from receptionist.privacy.ports import Begun, Caller, Finished, ForgetRefused, Refusal
from receptionist.privacy.stores import CrmRefs, Mode

_REFUSALS: dict[str, Refusal] = {"RC403": "not_allowed", "RC422": "invalid", "RC404": "no_request"}


def _refused(exc: errors.Error) -> ForgetRefused | None:
    code = _REFUSALS.get(exc.sqlstate or "")
    if code is None:
        return None
    if code == "invalid" and "name the customer" in str(exc.diag.message_primary or ""):
        return ForgetRefused("reason_names_customer")
    return ForgetRefused(code, str(exc.diag.message_primary or ""))


class CrmPrivacyLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    def begin(
        self, caller: Caller, organization_id: str, number: str, customer_ref: str, mode: Mode, until: date | None,
        reason: str,
    ) -> Begun:  # fmt: skip
        row = self._call(
            "select public.forget_begin(%s, %s, %s, %s, %s, %s, %s, %s) as r",
            (caller.sub, organization_id, number, customer_ref, mode, until, reason, caller.actor),
        )
        refs = row["refs"]
        return Begun(
            request_id=str(row["request"]),
            mode=row["mode"],
            until=date.fromisoformat(row["until"]) if row["until"] else None,
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
        self._call(
            "select public.forget_step(%s, %s, %s, %s, %s, %s) as r",
            (caller.sub, organization_id, customer_ref, caller.actor, step, Jsonb(details)),
        )

    def finish(self, caller: Caller, organization_id: str, number: str, customer_ref: str) -> Finished:
        row = self._call(
            "select public.forget_finish(%s, %s, %s, %s, %s) as r",
            (caller.sub, organization_id, number, customer_ref, caller.actor),
        )
        return Finished(
            request_id=str(row["request"]),
            mode=row["mode"],
            until=date.fromisoformat(row["until"]) if row["until"] else None,
            rows={str(k): int(v) for k, v in (row["rows"] or {}).items()},
        )

    def _call(self, sql: str, params: tuple[Any, ...]) -> Any:
        try:
            found = self.db.fetch_one(sql, params)
        except errors.Error as exc:
            refusal = _refused(exc)
            if refusal is not None:
                raise refusal from exc
            raise
        return found["r"] if found else None


def customer_record(db: Database, organization_id: str, number: str) -> dict[str, Any]:
    """The CRM's whole record of one customer of one business, as one JSON document (contacts,
    conversations with every message, summary, escalations and usage, appointments with their
    history and reminders): what a block keeps in the vault, and what an export hands over. The
    tables' owner only (the function is granted to no role)."""
    row = db.fetch_one("select public.privacy_customer_record(%s, %s) as r", (organization_id, number))
    assert row is not None
    record: dict[str, Any] = row["r"]
    return record


def organization_of_app(db: Database, app: str) -> str | None:
    """The organization a Gupshup app (active or not) belongs to: ops name a business by its app.
    The tables' owner only (RLS shows the functions' roles no other business)."""
    row = db.fetch_one(
        "select organization_id::text as id from platform_connections where provider = 'gupshup' and app_name = %s",
        (app,),
    )
    return str(row["id"]) if row else None
