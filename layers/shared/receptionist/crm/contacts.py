"""CRM contacts: found or created from the customer's WhatsApp number."""

from __future__ import annotations

import re

from receptionist.crm.connection import Database, Row
from receptionist.crm.models import Contact

# The same rule as the contacts_email_check constraint (migration 20261123000200), applied to the
# normalized address: lower case, dot-separated atoms before the @, a host name of letters,
# digits and inner hyphens, and a top-level domain of letters (or an IDN "xn--" label).
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
_PHONE = re.compile(r"[0-9]{6,15}")


class InvalidEmailError(ValueError):
    pass


class InvalidPhoneError(ValueError):
    pass


def normalize_email(value: str) -> str:
    """The address as stored: trimmed, lower case, an internationalized domain in its ASCII
    ("xn--") form. Raises InvalidEmailError for anything that is not a plain mailbox address."""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or any(ch.isspace() for ch in text):
        raise InvalidEmailError("el email no es válido")
    try:
        ascii_domain = ".".join(
            label.encode("idna").decode("ascii") if not label.isascii() else label
            for label in domain.lower().rstrip(".").split(".")
        )
    except UnicodeError as exc:
        raise InvalidEmailError("el email no es válido") from exc
    address = f"{local.lower()}@{ascii_domain}"
    if len(address) > 254 or len(local) > 64 or not EMAIL.fullmatch(address):
        raise InvalidEmailError("el email no es válido")
    return address


def normalize_phone(value: str) -> str:
    """A WhatsApp number as Gupshup writes it: digits only, country code first, no '+'.
    Spaces, dashes, dots, parentheses and a leading '+' or '00' are dropped."""
    digits = re.sub(r"[\s().-]", "", value.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not _PHONE.fullmatch(digits):
        raise InvalidPhoneError("el teléfono no es válido")
    return digits


def _contact(row: Row) -> Contact:
    return Contact(row["id"], row["name"], row["phone"], row["email"])


def find_or_create_contact(
    db: Database, organization_id: str, phone: str, name: str | None = None, email: str | None = None
) -> Contact:
    """The contact for this phone in this organization (one round trip); name and email fill in
    what is missing or correct it. A malformed email or phone is refused (InvalidEmailError,
    InvalidPhoneError) before anything is written; the database checks both too."""
    if email is not None:
        email = normalize_email(email) if email.strip() else None
    phone = normalize_phone(phone)
    name = " ".join(name.split())[:200] if name and name.strip() else None
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
    try:
        phone = normalize_phone(phone)
    except InvalidPhoneError:
        return None
    row = db.fetch_one(
        "select id::text, name, phone, email from contacts where organization_id = %s and phone = %s",
        (organization_id, phone),
    )
    return _contact(row) if row else None
