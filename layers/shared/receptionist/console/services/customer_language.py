"""A customer's language as staff see and set it on the conversation page (docs/languages.md):
the stored one and who set it (the detector or staff), and staff choosing one, which then
outranks what the customer writes, or giving it back to detection. The change and its audit line
(`customer_language_set`, target the chat identity, details the new and the previous language,
never the customer's text) are one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from receptionist.console.errors import NotFound
from receptionist.console.forms.customer_language import CustomerLanguageForm
from receptionist.crm import customer_language, inbox
from receptionist.crm.connection import Database
from receptionist.crm.customer_language import CustomerLanguage
from receptionist.crm.inbox import StaffAccount, record_audit
from receptionist.i18n.locales import LOCALES, Locale, customer_locale

SET: Final = "customer_language_set"  # the audit action, and the page's notice


@dataclass(frozen=True)
class CustomerLanguageView:
    """What the page shows: the stored language (None: not known yet), the locale the customer is
    written in now (theirs, else the business's), and the choices."""

    stored: CustomerLanguage | None
    writing_in: Locale
    choices: tuple[Locale, ...] = LOCALES


def customer_language_view(db: Database, organization_id: str, identity_id: str, business: str) -> CustomerLanguageView:
    """Inside `db.acting_for(organization_id)`; one round trip."""
    stored = customer_language.customer_language(db, organization_id, identity_id)
    return CustomerLanguageView(stored, customer_locale(stored.language if stored else None, business))


@dataclass
class CustomerLanguageService:
    db: Database  # acting for the account's organization
    account: StaffAccount
    now: Callable[[], datetime]

    def for_conversation(self, identity_id: str, form: CustomerLanguageForm) -> None:
        chosen = form.choice()
        org = self.account.organization_id
        if not inbox.is_id(identity_id):
            raise NotFound("not_found")
        with self.db.transaction():
            previous = customer_language.customer_language(self.db, org, identity_id)
            if not customer_language.set_by_staff(self.db, org, identity_id, chosen, self.now()):
                raise NotFound("not_found")  # another organization's, or none: the same answer
            record_audit(
                self.db,
                org,
                f"staff:{self.account.email}",
                SET,
                identity_id,
                {"language": chosen, "previous": previous.language if previous else None},
            )
