"""A new business: its organization, assistant settings, Gupshup connection, notification
settings, its owner's console account and the audit line, in one transaction.

- As the tables' owner (ops.onboard): organization_of_app, console_user_exists, create_business
  read and write across businesses.
- From the console's operator pages (as the console's role): through the SECURITY DEFINER
  functions of migration 20261202000400_operators.sql, each refusing anyone but an operator
  account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from psycopg import errors
from psycopg.types.json import Jsonb

from receptionist.crm.connection import Database
from receptionist.crm.settings.errors import InvalidSetting, zone_refused


@dataclass(frozen=True)
class NewBusiness:
    """A business to create (ops.onboard), its values already checked."""

    name: str
    app_name: str
    business_number: str
    api_key_ref: str
    timezone: str
    language: str
    owner_email: str
    assistant_name: str = "Asistente"
    staff_numbers: list[str] = field(default_factory=list)
    emergency_number: str | None = None  # receptionist/emergency.py
    health: bool = False  # handles health data: its staff need a second factor too (organizations.health)


# -- as the tables' owner (ops.onboard) -----------------------------------------------------------
def organization_of_app(db: Database, app_name: str) -> str | None:
    """The organization a Gupshup app is connected to, active or not."""
    row = db.fetch_one(
        "select organization_id::text as id from platform_connections where provider = 'gupshup' and app_name = %s",
        (app_name,),
    )
    return str(row["id"]) if row else None


def console_user_exists(db: Database, sub: str) -> bool:
    """Whether this Cognito user has a console account (of a business, or an operator's)."""
    return db.fetch_one("select 1 as found from console_users where sub = %s", (sub,)) is not None


def create_business(db: Database, business: NewBusiness, owner_sub: str, actor: str) -> str | None:
    """The organization, its assistant settings, Gupshup connection, notification settings, its
    owner's console account and the audit line (`business_onboarded` by `actor`, the values
    onboard_business() records from the console, and `via`), in one transaction; its id. None
    when the app name (or the owner's account) was taken meanwhile: nothing is written.
    InvalidSetting("set_bad_timezone") when the database does not know the time zone."""
    try:
        with db.transaction() as tx:
            row = tx.fetch_one(
                "insert into organizations (name, health) values (%s, %s) returning id::text as id",
                (business.name, business.health),
            )
            assert row is not None
            org = str(row["id"])
            tx.execute(
                "insert into agent_settings (organization_id, assistant_name, language, timezone, emergency_number)"
                " values (%s, %s, %s, %s, %s)",
                (org, business.assistant_name, business.language, business.timezone, business.emergency_number),
            )
            tx.execute(
                "insert into platform_connections (organization_id, provider, app_name, business_number, api_key_ref)"
                " values (%s, 'gupshup', %s, %s, %s)",
                (org, business.app_name, business.business_number, business.api_key_ref),
            )
            tx.execute(
                "insert into notification_settings (organization_id, staff_numbers) values (%s, %s)",
                (org, business.staff_numbers),
            )
            tx.execute(
                "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, 'owner')",
                (owner_sub, org, business.owner_email),
            )
            details = {
                "name": business.name,
                "app_name": business.app_name,
                "business_number": business.business_number,
                "api_key_ref": business.api_key_ref,
                "owner_email": business.owner_email,
                "health": business.health,
                "via": "ops.onboard",
            }
            tx.execute(
                "insert into audit_log (organization_id, actor, action, target, details)"
                " values (%s, %s, 'business_onboarded', %s, %s)",
                (org, actor, org, Jsonb(details)),
            )
    except errors.UniqueViolation:
        return None
    except errors.CheckViolation as exc:
        if zone_refused(exc):
            raise InvalidSetting("set_bad_timezone") from exc
        raise
    return org


# -- from the console's operator pages (as the console's role) ------------------------------------
class NotAnOperator(Exception):
    """onboard_business refused the caller (SQLSTATE RC403): not an operator account."""


_APP_TAKEN, _OWNER_TAKEN, _NOT_OPERATOR = "RC409", "RC410", "RC403"


@dataclass(frozen=True)
class BusinessLine:
    """A business as the operator's list shows it (one line per Gupshup app)."""

    id: str
    name: str
    app_name: str | None
    active: bool
    created_at: datetime


def gupshup_app_organization(db: Database, app_name: str) -> str | None:
    row = db.fetch_one("select public.gupshup_app_organization(%s)::text as id", (app_name,))
    return str(row["id"]) if row and row["id"] else None


def operator_businesses(db: Database, operator_sub: str) -> list[BusinessLine]:
    rows = db.fetch_all(
        "select id::text as id, name, app_name, active, created_at from public.operator_businesses(%s)",
        (operator_sub,),
    )
    return [BusinessLine(**r) for r in rows]


def onboard_business(db: Database, operator_sub: str, business: NewBusiness, owner_sub: str) -> str | None:
    """Every row of the new business, its owner's console account and the audit line (actor:
    the operator's e-mail), in one transaction; its id. None, with nothing written, when the app
    is onboarded or the owner's account linked meanwhile."""
    try:
        row = db.fetch_one(
            "select public.onboard_business(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)::text as id",
            (
                operator_sub,
                business.name,
                business.app_name,
                business.business_number,
                business.api_key_ref,
                business.timezone,
                business.language,
                business.assistant_name,
                business.staff_numbers,
                owner_sub,
                business.owner_email,
                business.emergency_number,
                business.health,
            ),
        )
    except errors.Error as exc:
        if exc.sqlstate in (_APP_TAKEN, _OWNER_TAKEN):
            return None
        if exc.sqlstate == _NOT_OPERATOR:
            raise NotAnOperator from exc
        if zone_refused(exc):
            raise InvalidSetting("set_bad_timezone") from exc
        raise
    assert row is not None
    return str(row["id"])
