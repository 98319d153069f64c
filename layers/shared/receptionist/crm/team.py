"""A business's console accounts as its owner manages them (the console's team page), through the
SECURITY DEFINER functions of migration 20261208010000_staff_accounts.sql: each takes the owner's
`sub` and acts on that owner's business only (RC403 for anyone else). The database keeps an
active owner in every business whatever the caller (trigger keep_an_owner, RC411)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import errors

from receptionist.crm.connection import Database

ROLES = ("owner", "staff")


class TeamRefused(Exception):
    """What the database refused: `code` is the sentence's key."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_REFUSALS = {
    "RC403": "team_owners_only",
    "RC404": "team_not_found",
    "RC410": "team_has_account",
    "RC411": "team_last_owner",
}


@dataclass(frozen=True)
class TeamMember:
    sub: str
    email: str
    role: str
    active: bool
    created_at: datetime


def _refused(exc: errors.DatabaseError) -> TeamRefused | None:
    code = _REFUSALS.get(exc.sqlstate or "")
    return TeamRefused(code) if code else None


def _call(db: Database, sql: str, params: tuple[object, ...]) -> None:
    try:
        with db.savepoint():
            db.execute(sql, params)
    except errors.DatabaseError as exc:
        refusal = _refused(exc)
        if refusal is None:
            raise
        raise refusal from exc


def members(db: Database, owner_sub: str) -> list[TeamMember]:
    rows = db.fetch_all("select sub, email, role, active, created_at from public.team_members(%s)", (owner_sub,))
    return [
        TeamMember(str(r["sub"]), str(r["email"]), str(r["role"]), bool(r["active"]), r["created_at"]) for r in rows
    ]


def member(db: Database, owner_sub: str, sub: str) -> TeamMember | None:
    return next((m for m in members(db, owner_sub) if m.sub == sub), None)


def add(db: Database, owner_sub: str, sub: str, email: str, role: str) -> None:
    _call(db, "select public.team_add(%s, %s, %s, %s)", (owner_sub, sub, email, role))


def change(db: Database, owner_sub: str, sub: str, *, role: str, active: bool) -> None:
    _call(db, "select public.team_change(%s, %s, %s, %s)", (owner_sub, sub, role, active))


def remove(db: Database, owner_sub: str, sub: str) -> None:
    _call(db, "select public.team_remove(%s, %s)", (owner_sub, sub))


def staff_mfa(db: Database, owner_sub: str) -> bool:
    row = db.fetch_one("select public.team_staff_mfa(%s) as required", (owner_sub,))
    return bool(row and row["required"])


def set_staff_mfa(db: Database, owner_sub: str, required: bool) -> None:
    _call(db, "select public.team_set_staff_mfa(%s, %s)", (owner_sub, required))
