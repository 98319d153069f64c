"""CRM contacts: found or created from the customer's WhatsApp number."""

from __future__ import annotations

import re

from receptionist.crm.connection import Database, Row
from receptionist.crm.models import Contact

EMAIL = re.compile(r"^[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}$", re.IGNORECASE)


class InvalidEmailError(ValueError):
    pass


def _contact(row: Row) -> Contact:
    return Contact(row["id"], row["name"], row["phone"], row["email"])


def find_or_create_contact(
    db: Database, organization_id: str, phone: str, name: str | None = None, email: str | None = None
) -> Contact:
    """The contact for this phone in this organization; name and email fill in what is missing
    or correct it. A malformed email is refused (the database checks it too)."""
    if email is not None:
        email = email.strip()
        if not EMAIL.match(email):
            raise InvalidEmailError("el email no es válido")
    name = name.strip() if name and name.strip() else None
    row = db.fetch_one(
        """
        insert into contacts (organization_id, phone, name, email) values (%s, %s, %s, %s)
        on conflict (organization_id, phone) do update set
            name = coalesce(excluded.name, contacts.name),
            email = coalesce(excluded.email, contacts.email)
        returning id::text, name, phone, email
        """,
        (organization_id, phone, name, email),
    )
    assert row is not None
    return _contact(row)


def contact_by_phone(db: Database, organization_id: str, phone: str) -> Contact | None:
    row = db.fetch_one(
        "select id::text, name, phone, email from contacts where organization_id = %s and phone = %s",
        (organization_id, phone),
    )
    return _contact(row) if row else None
