"""Create a business end to end: its organization, assistant settings, Gupshup connection and
notification settings (one transaction), and its owner's console account (a Cognito user in the
staff pool, linked to the business in console_users).

    DATABASE_URL=postgresql://postgres:...@.../postgres python -m receptionist.ops.onboard \\
        --name "Clínica Norte" --app ClinicaNorte --business-number 34910000002 \\
        --api-key-param /receptionist/prod/gupshup/ClinicaNorte --stage prod \\
        --timezone Europe/Madrid --language es --owner-email owner@clinicanorte.example \\
        --user-pool-id eu-west-1_AbCdEfGhI [--staff-number 34600111222 ...] [--assistant-name Sofía] \\
        [--emergency-number 112] [--endpoint-url http://127.0.0.1:4566] [--region eu-west-1] [--actor ops:maria]

DATABASE_URL is the tables' owner (as for the other ops commands). The new business's audit log
gets the line the console's operator pages write (`business_onboarded`, with the values), with
the actor `ops:<name>` (--actor, default `ops:<login>`) and `"via": "ops.onboard"`. The owner's password is
ONBOARD_OWNER_PASSWORD when set (never printed), else generated and printed once. It is set as
the account's password (the console does not yet handle Cognito's new-password challenge): the
owner should be given it over a private channel. The API key is only the NAME of its SSM
parameter, under /receptionist/<stage>/gupshup/; the command never reads or prints a key. The
emergency number (what the assistant tells a customer whose words suggest an emergency) defaults
to the time zone's where one is derivable (receptionist/emergency.py: 112 in Europe, 106 in Lima)
and must be given otherwise.

Idempotent on the app name: when the Gupshup app is already onboarded it says so and changes
nothing. An owner e-mail whose Cognito user exists but belongs to no business (a run that stopped
half-way) is reused; one that belongs to another business is refused.
Exit status: 0 created (or already there), 1 refused (the owner belongs to another business, or
Cognito refused), 2 usage error (a value that does not fit, a given password the pool's policy
refuses, DATABASE_URL missing). Values are checked before anything is created.

The console's operator pages (receptionist.console.services.operator) use the same checks (`checked`) and
steps (`onboard_with`), writing through a SECURITY DEFINER function instead of as the owner.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import boto3
from botocore.exceptions import ClientError

from receptionist.adapters.cognito import PasswordRefused, StaffPool, new_password
from receptionist.crm.connection import Database
from receptionist.crm.contacts import InvalidEmailError, InvalidPhoneError, normalize_email, normalize_phone
from receptionist.crm.settings.businesses import NewBusiness, console_user_exists, create_business, organization_of_app
from receptionist.crm.settings.connections import check_key_ref, valid_app_name
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.notifications import staff_numbers as checked_staff_numbers
from receptionist.crm.settings.zones import valid_timezone
from receptionist.emergency import InvalidEmergencyNumber
from receptionist.emergency import chosen as chosen_emergency_number
from receptionist.i18n.locales import business_languages
from receptionist.ops.actor import ops_actor

__all__ = ["InvalidBusiness", "Onboarded", "PasswordRefused", "checked", "main", "new_password", "onboard"]

PASSWORD_ENV = "ONBOARD_OWNER_PASSWORD"  # noqa: S105 - the variable's name, not a password


@dataclass(frozen=True)
class Onboarded:
    result: Literal["created", "exists", "owner_taken"]
    organization_id: str | None = None
    owner_sub: str | None = None
    password: str | None = None  # only when generated here (to be shown once)


class InvalidBusiness(ValueError):
    """A value that does not fit; `field` names it (the console shows its own sentence for it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def checked(
    *,
    name: str,
    app_name: str,
    business_number: str,
    api_key_ref: str,
    keys_prefix: str | None,
    timezone: str,
    language: str,
    owner_email: str,
    assistant_name: str = "Asistente",
    staff_numbers: list[str] | None = None,
    emergency_number: str | None = None,
    health: bool = False,
) -> NewBusiness:
    """The business's values, checked as the database and the console check them (ops.onboard
    and the console's operator pages both call this)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidBusiness("name", "--name must be 1 to 200 characters")
    if not valid_app_name(app_name):
        raise InvalidBusiness("app", "--app must be letters, digits and _ . - (100 at most), as in Gupshup")
    if not valid_timezone(timezone):
        raise InvalidBusiness("timezone", f"--timezone {timezone!r} is not a time zone name (e.g. Europe/Madrid)")
    if language not in business_languages():
        raise InvalidBusiness("language", f"--language must be one of {', '.join(business_languages())}")
    if not 1 <= len(assistant_name.strip()) <= 60:
        raise InvalidBusiness("assistant_name", "--assistant-name must be 1 to 60 characters")
    try:
        emergency = chosen_emergency_number(emergency_number, timezone)
    except InvalidEmergencyNumber as exc:
        raise InvalidBusiness("emergency_number", "--emergency-number must be 2 to 15 digits (e.g. 112)") from exc
    if emergency is None:
        message = f"--emergency-number is needed: there is no default for the time zone {timezone}"
        raise InvalidBusiness("emergency_number_needed", message)
    try:
        number = normalize_phone(business_number)
    except InvalidPhoneError as exc:
        raise InvalidBusiness(
            "business_number", "--business-number must be 6 to 15 digits with the country code"
        ) from exc
    try:
        ref = check_key_ref(api_key_ref, keys_prefix)
    except InvalidSetting as exc:
        message = f"--api-key-param must name an SSM parameter under {keys_prefix}"
        raise InvalidBusiness("api_key_param", message) from exc
    try:
        numbers = checked_staff_numbers(staff_numbers or [])
    except InvalidSetting as exc:
        raise InvalidBusiness(
            "staff_number", "--staff-number must be 6 to 15 digits with the country code (20 at most)"
        ) from exc
    try:
        email = normalize_email(owner_email)
    except InvalidEmailError as exc:
        raise InvalidBusiness("owner_email", "--owner-email is not an e-mail address") from exc
    return NewBusiness(
        name, app_name, number, ref, timezone, language, email, assistant_name.strip(), numbers, emergency, health
    )


class Businesses(Protocol):
    """Where new businesses are written: the tables' owner (ops, OwnerBusinesses) or the
    console's SECURITY DEFINER function (console/services/operator.py)."""

    def app_organization(self, app_name: str) -> str | None:
        """The organization a Gupshup app is connected to, active or not."""

    def account_taken(self, sub: str) -> bool:
        """Whether this Cognito user already has a console account (of any business, or an operator's)."""

    def create(self, business: NewBusiness, owner_sub: str) -> str | None:
        """Every row of the new business in one transaction; its id. None (nothing written)
        when the app or the owner's account was taken meanwhile."""


@dataclass
class OwnerBusinesses:
    """As the tables' owner (DATABASE_URL): ops, recorded in the audit log as `actor`."""

    db: Database
    actor: str

    def app_organization(self, app_name: str) -> str | None:
        return organization_of_app(self.db, app_name)

    def account_taken(self, sub: str) -> bool:
        return console_user_exists(self.db, sub)

    def create(self, business: NewBusiness, owner_sub: str) -> str | None:
        return create_business(self.db, business, owner_sub, self.actor)


def onboard_with(
    businesses: Businesses, accounts: StaffPool, business: NewBusiness, password: str | None = None
) -> Onboarded:
    """Create the business and its owner's account (see the module's docstring): nothing when
    the app is onboarded; a Cognito user created (or reused when it belongs to no business yet)
    with `password` (checked against the pool's policy first) or a generated one (returned, to
    be shown once); then the rows, in one transaction."""
    existing = businesses.app_organization(business.app_name)
    if existing is not None:
        return Onboarded("exists", existing)
    generated = password is None
    if password is None:
        password = new_password()  # meets any policy the template's pool can have
    else:
        accounts.check_password(password)
    sub = accounts.existing_sub(business.owner_email)
    if sub is not None:
        if businesses.account_taken(sub):
            return Onboarded("owner_taken", None, sub)
    else:
        sub = accounts.create_user(business.owner_email, password)
    accounts.set_password(business.owner_email, password)
    try:
        organization = businesses.create(business, sub)
    except InvalidSetting as exc:  # the database's own check of the time zone (nothing written)
        raise InvalidBusiness("timezone", f"--timezone {business.timezone!r} is not a time zone the CRM knows") from exc
    if organization is None:  # another run onboarded the same app (or linked the owner) meanwhile
        existing = businesses.app_organization(business.app_name)
        return Onboarded("exists", existing) if existing else Onboarded("owner_taken", None, sub)
    return Onboarded("created", organization, sub, password if generated else None)


def onboard(
    db: Database, idp: Any, pool: str, business: NewBusiness, password: str | None = None, *, actor: str
) -> Onboarded:
    """Create the business and its owner's account, as the tables' owner, audited as `actor`
    (see the module's docstring)."""
    return onboard_with(OwnerBusinesses(db, actor), StaffPool(pool, idp), business, password)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.ops.onboard",
        description="Create a business (organization, assistant, Gupshup connection, notifications) and its"
        " owner's console account. Connects to the CRM at $DATABASE_URL (the tables' owner).",
    )
    parser.add_argument("--name", required=True, help="the business's name, as staff and customers know it")
    parser.add_argument("--app", required=True, help="its Gupshup app name, e.g. ClinicaNorte")
    parser.add_argument("--business-number", required=True, help="its WhatsApp number with the country code")
    parser.add_argument(
        "--api-key-param", required=True, help="the NAME of the SSM SecureString with the app's Gupshup API key"
    )
    parser.add_argument("--stage", default="dev", help="the deployment stage (the keys' prefix), default dev")
    parser.add_argument("--timezone", required=True, help="IANA time zone, e.g. Europe/Madrid")
    parser.add_argument(
        "--language", default="es", choices=business_languages(), help="the assistant's language (default es)"
    )
    parser.add_argument("--assistant-name", default="Asistente", help="the assistant's name (default Asistente)")
    parser.add_argument("--staff-number", action="append", default=[], help="a staff WhatsApp number (repeatable)")
    parser.add_argument(
        "--emergency-number",
        help="what the assistant tells a customer to call in an emergency (default: 112 for a Europe/* zone,"
        " 106 for America/Lima; required for other zones)",
    )
    parser.add_argument("--owner-email", required=True, help="the owner's e-mail: their console account")
    parser.add_argument(
        "--health",
        action="store_true",
        help="the business handles health data (a clinic): its staff need a second factor too (docs/console.md)",
    )
    parser.add_argument("--user-pool-id", required=True, help="the staff Cognito user pool (stack output)")
    parser.add_argument("--endpoint-url", help="Cognito endpoint (the local stack's moto)")
    parser.add_argument("--region", help="AWS region (default: the environment's)")
    parser.add_argument("--actor", help="who onboards it, recorded in its audit log (default ops:<login>)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set")
    try:
        business = checked(
            name=args.name,
            app_name=args.app,
            business_number=args.business_number,
            api_key_ref=args.api_key_param,
            keys_prefix=f"/receptionist/{args.stage}/gupshup/",
            timezone=args.timezone,
            language=args.language,
            owner_email=args.owner_email,
            assistant_name=args.assistant_name,
            staff_numbers=args.staff_number,
            emergency_number=args.emergency_number,
            health=args.health,
        )
    except InvalidBusiness as exc:
        parser.error(str(exc))
    given = os.environ.get(PASSWORD_ENV) or None
    idp = boto3.client("cognito-idp", endpoint_url=args.endpoint_url, region_name=args.region)
    db = Database(url)
    try:
        outcome = onboard(db, idp, args.user_pool_id, business, given, actor=ops_actor(args.actor))
    except PasswordRefused:
        print(f"${PASSWORD_ENV} does not meet the user pool's password policy; nothing created", file=sys.stderr)
        return 2
    except InvalidBusiness as exc:
        print(f"{exc}; nothing created in the CRM", file=sys.stderr)
        return 2
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        print(f"Cognito refused ({code or type(exc).__name__}); nothing created in the CRM", file=sys.stderr)
        return 1
    finally:
        db.close()
    if outcome.result == "exists":
        print(f"{business.app_name} is already onboarded (organization {outcome.organization_id}); nothing changed")
        return 0
    if outcome.result == "owner_taken":
        print(
            f"{business.owner_email} already has a console account of another business; nothing created",
            file=sys.stderr,
        )
        return 1
    print(f"created organization {outcome.organization_id} ({business.name}) for Gupshup app {business.app_name}")
    print(f"owner account: {business.owner_email}")
    print(f"emergency number the assistant gives: {business.emergency_number}")
    if outcome.password:
        print(f"owner's password (shown once; give it to the owner privately): {outcome.password}")
    print("next steps:")
    print(f"  - put the app's Gupshup API key in SSM: {business.api_key_ref} (SecureString)")
    print(f"  - put its webhook secret in SSM: /receptionist/{args.stage}/webhook-secrets/{business.app_name}")
    print("    (SecureString; docs/security.md) and point the Gupshup app's callback at the webhook with it")
    if not business.staff_numbers:
        print("  - staff notification numbers: in the console's settings (none given)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
