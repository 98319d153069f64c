"""Signing in (the credentials exchanged for a verified token, and the account it belongs to), and
the audit lines of signing in and out: the one section whose account is not known before the
request (so it opens its own tenant scope for its line)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from receptionist.adapters.cognito import Identity, InvalidToken, SignInRefused
from receptionist.crm import inbox
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount


class SignInFailed(Exception):
    """Not signed in: the page says `code`'s sentence with `status` (401: the pool refused the
    credentials; 403: they are right but name no console account)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class SignedIn:
    token: str  # the session cookie's value
    account: StaffAccount


@dataclass
class SignInService:
    db: Database  # the container's connection, acting for nobody yet

    def account(self, sub: str) -> StaffAccount | None:
        """The console account of a verified token's `sub` (the one read across organizations)."""
        return inbox.staff_account(self.db, sub)

    def sign_in(
        self, email: str, password: str, exchange: Callable[[str, str], str], verify: Callable[[str], Identity]
    ) -> SignedIn:
        """The pool's token for the credentials, verified, and its account, audited before the
        session exists."""
        try:
            token = exchange(email.strip(), password)
            identity = verify(token)
        except (SignInRefused, InvalidToken) as exc:
            raise SignInFailed(401, "sign_in_refused") from exc
        account = self.account(identity.sub)
        if account is None:
            raise SignInFailed(403, "no_account")
        self._session(account, "sign_in")
        return SignedIn(token, account)

    def signed_out(self, account: StaffAccount) -> None:
        self._session(account, "sign_out")

    def _session(self, account: StaffAccount, action: str) -> None:
        if account.is_operator:  # of no business: its own line, with no tenant set
            inbox.record_audit(self.db, None, account.email, action, None)
            return
        with self.db.acting_for(account.organization_id):
            inbox.record_audit(self.db, account.organization_id, account.email, action, None)
