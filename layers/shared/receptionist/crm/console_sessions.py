"""The console's server-side sessions (migration 20261208010000_staff_accounts.sql): one per
signed-in browser, named by the SHA-256 of its random id, ended on sign-out, with its account
(removed or disabled) and after an idle time. Reached only through SECURITY DEFINER functions:
the console's role is granted neither console_users nor console_sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, account_of


@dataclass(frozen=True)
class SessionAccount:
    account: StaffAccount
    mfa: bool  # this session passed the second factor (at sign-in, or by enrolling since)


def open_session(db: Database, sub: str, session_hash: str, *, mfa: bool, at: datetime) -> bool:
    """A new session for an active account (False: the account is no longer active)."""
    row = db.fetch_one("select public.console_session_open(%s, %s, %s, %s) as opened", (sub, session_hash, mfa, at))
    return bool(row and row["opened"])


def touch(db: Database, session_hash: str, sub: str, *, at: datetime, idle: timedelta) -> SessionAccount | None:
    """The session's account, marked used at `at`; None when the session is unknown, of another
    user, idle for `idle` or longer, or its account disabled or removed."""
    row = db.fetch_one(
        "select sub, organization_id::text as organization_id, organization_name, email, role, mfa_required, mfa"
        " from public.console_session_touch(%s, %s, %s, %s)",
        (session_hash, sub, at, idle),
    )
    account = account_of(row)
    if account is None or row is None:
        return None
    return SessionAccount(account, bool(row["mfa"]))


def passed_mfa(db: Database, session_hash: str, sub: str) -> None:
    db.execute("select public.console_session_passed_mfa(%s, %s)", (session_hash, sub))


def close(db: Database, session_hash: str) -> None:
    """Signing out: every session of this session's account ends (as GlobalSignOut does in Cognito)."""
    db.execute("select public.console_session_close(%s)", (session_hash,))
