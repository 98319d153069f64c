"""A staff member's own WhatsApp number (console_users.whatsapp_number): notified, instead of every
staff number, of escalations in conversations assigned to them. Anyone signed in sets their own
only (the SECURITY DEFINER functions own_whatsapp / set_own_whatsapp check the account and the
business); the audit line says whether one was set, never the number."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.console.forms.handoff import OwnNumberForm
from receptionist.crm import handoff
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, record_audit


@dataclass
class OwnNumberService:
    db: Database  # acting for the account's organization
    account: StaffAccount

    def current(self) -> str | None:
        return handoff.own_whatsapp(self.db, self.account.sub)

    def save(self, form: OwnNumberForm) -> None:
        number = form.number()
        with self.db.transaction():
            handoff.set_own_whatsapp(self.db, self.account.sub, number)
            org = self.account.organization_id
            record_audit(self.db, org, self.account.email, "own_whatsapp", None, {"set": number is not None})
