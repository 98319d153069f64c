"""Who a verified token belongs to, and the audit lines of signing in and out: the one section
whose account is not known before the request (so it opens its own tenant scope for its line)."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.crm import inbox
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount


@dataclass
class SignInService:
    db: Database  # the container's connection, acting for nobody yet

    def account(self, sub: str) -> StaffAccount | None:
        """The console account of a verified token's `sub` (the one read across organizations)."""
        return inbox.staff_account(self.db, sub)

    def signed_in(self, account: StaffAccount) -> None:
        self._session(account, "sign_in")

    def signed_out(self, account: StaffAccount) -> None:
        self._session(account, "sign_out")

    def _session(self, account: StaffAccount, action: str) -> None:
        if account.is_operator:  # of no business: its own line, with no tenant set
            inbox.record_audit(self.db, None, account.email, action, None)
            return
        with self.db.acting_for(account.organization_id):
            inbox.record_audit(self.db, account.organization_id, account.email, action, None)
