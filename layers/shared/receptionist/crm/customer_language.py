"""A customer's language on their chat identity (chat_identities.language, language_source,
language_set_at): set by the detector from what they write (receptionist/i18n/detection.py
decides when) or chosen by staff, who then outrank the detector until they give it back.

Called inside `Database.acting_for(organization)` like the rest of the CRM: row level security
keeps every statement to that organization's rows; the organization is also in each statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from receptionist.crm.connection import Database
from receptionist.i18n.locales import Locale

LanguageSource = Literal["detected", "staff"]


@dataclass(frozen=True)
class CustomerLanguage:
    language: Locale
    source: LanguageSource
    set_at: datetime


def set_detected(db: Database, organization_id: str, identity_id: str, locale: Locale, at: datetime) -> bool:
    """Store a detected language unless staff chose one (theirs stays) or it is stored already;
    a detection older than the stored one (a late retry) changes nothing. Whether it changed.
    One statement."""
    return (
        db.execute(
            """
            update chat_identities
               set language = %(locale)s, language_source = 'detected', language_set_at = %(at)s, updated_at = now()
             where organization_id = %(org)s and id = %(id)s
               and language_source is distinct from 'staff'
               and language is distinct from %(locale)s
               and (language_set_at is null or language_set_at <= %(at)s)
            """,
            {"locale": locale, "at": at, "org": organization_id, "id": identity_id},
        )
        == 1
    )


def set_by_staff(db: Database, organization_id: str, identity_id: str, locale: Locale | None, at: datetime) -> bool:
    """A staff member's choice of the customer's language, kept whatever the customer writes;
    None gives it back to detection (all three columns null: the business's language until the
    next confident detection). Whether the customer exists in this organization. One statement."""
    return (
        db.execute(
            """
            update chat_identities
               set language = %(locale)s,
                   language_source = case when %(locale)s::text is null then null else 'staff' end,
                   language_set_at = case when %(locale)s::text is null then null else %(at)s::timestamptz end,
                   updated_at = now()
             where organization_id = %(org)s and id = %(id)s
            """,
            {"locale": locale, "at": at, "org": organization_id, "id": identity_id},
        )
        == 1
    )


def customer_language(db: Database, organization_id: str, identity_id: str) -> CustomerLanguage | None:
    """The stored language, who set it and when; None while not known (or no such customer)."""
    row = db.fetch_one(
        """
        select language, language_source, language_set_at from chat_identities
        where organization_id = %s and id = %s and language is not null
        """,
        (organization_id, identity_id),
    )
    if row is None:
        return None
    return CustomerLanguage(row["language"], row["language_source"], row["language_set_at"])
