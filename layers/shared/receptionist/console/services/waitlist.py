"""The waitlist page (issue 29): who is waiting for what, in the order they asked, with the slots
each was offered, and staff withdrawing an entry: the change and its audit line
(`waitlist_withdrawn`, target the entry; no personal data in the details) in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from receptionist.console.errors import NotFound
from receptionist.crm import inbox, waitlist, waitlist_console
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, record_audit
from receptionist.crm.waitlist_console import ListedEntry

WITHDRAWN: Final = "waitlist_withdrawn"  # the audit action, and the page's notice
LIVE_OFFERS: Final = frozenset({"claimed", "queued", "sent"})


@dataclass(frozen=True)
class WaitlistView:
    entries: list[ListedEntry]  # their times shown by the page's formatter (console/times.py)


@dataclass
class WaitlistService:
    db: Database  # acting for the account's organization
    account: StaffAccount
    now: Callable[[], datetime]

    def view(self) -> WaitlistView:
        org = self.account.organization_id
        return WaitlistView(waitlist_console.waiting(self.db, org))

    def withdraw(self, entry_id: str) -> None:
        """Any account of the business (the front desk hears "take me off the list" too). An entry
        no longer waiting (or another business's) is not found."""
        org = self.account.organization_id
        if not inbox.is_id(entry_id):
            raise NotFound("waitlist_not_found")
        with self.db.transaction():
            if not waitlist.withdraw_entry(self.db, org, entry_id):
                raise NotFound("waitlist_not_found")
            record_audit(self.db, org, self.account.email, WITHDRAWN, entry_id, {})
