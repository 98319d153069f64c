"""What an operator (a console account of no business) does: list the businesses and onboard a
new one end to end, as ops.onboard does it (`ops.onboard.onboard_with`, the same checks and
steps): the owner's Cognito user is created (or reused when it belongs to no business yet) with a
generated password, then the SECURITY DEFINER function `onboard_business` writes the
organization, its assistant settings, Gupshup connection, notification settings, the owner's
console account and the audit line (`business_onboarded`, actor the operator's e-mail) in one
transaction. The password is returned once, never logged or audited."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from receptionist.adapters.cognito import StaffPool
from receptionist.console.errors import ConsoleError, Forbidden
from receptionist.console.forms.operator import OnboardingForm
from receptionist.crm import inbox
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount
from receptionist.crm.settings import businesses
from receptionist.crm.settings.businesses import BusinessLine, NewBusiness
from receptionist.ops.onboard import InvalidBusiness, Onboarded, onboard_with


class OnboardingFailed(ConsoleError):
    """A refusal the operator reads on the form (`code` is the sentence's key), nothing created."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.status = status


@dataclass
class ConsoleBusinesses:
    """ops.onboard's Businesses for the console: as the console's role, through the SECURITY
    DEFINER functions of migration 20261202000400_operators.sql, for this operator."""

    db: Database
    operator_sub: str

    def app_organization(self, app_name: str) -> str | None:
        return businesses.gupshup_app_organization(self.db, app_name)

    def account_taken(self, sub: str) -> bool:
        return inbox.staff_account(self.db, sub) is not None

    def create(self, business: NewBusiness, owner_sub: str) -> str | None:
        return businesses.onboard_business(self.db, self.operator_sub, business, owner_sub)


@dataclass
class OperatorService:
    db: Database  # the container's connection: an operator acts for no business
    operator: StaffAccount
    accounts: StaffPool | None  # creating owners' accounts (None: no user pool reachable)
    keys_prefix: str | None  # where the stage's Gupshup keys live (ConsoleSettings)

    def businesses(self) -> list[BusinessLine]:
        return businesses.operator_businesses(self.db, self.operator.sub)

    def secret_param(self, app_name: str) -> str:
        """Where the new app's webhook secret goes (next to the keys' prefix), or "" when unknown."""
        prefix = self.keys_prefix or ""
        if not prefix.endswith("/gupshup/"):
            return ""
        return f"{prefix.removesuffix('gupshup/')}webhook-secrets/{app_name}"

    def onboard(self, form: OnboardingForm) -> tuple[NewBusiness, Onboarded]:
        """The business created and its owner's account (its password, shown once); OnboardingFailed
        with nothing created."""
        if self.accounts is None:
            raise OnboardingFailed("op_no_pool", 503)
        try:
            business = form.business(self.keys_prefix)
        except InvalidBusiness as exc:
            raise OnboardingFailed(f"op_bad_{exc.field}") from exc
        try:
            outcome = onboard_with(ConsoleBusinesses(self.db, self.operator.sub), self.accounts, business)
        except businesses.NotAnOperator as exc:
            raise Forbidden("op_operators_only") from exc
        except InvalidBusiness as exc:  # the database refused a value the checks above let through
            raise OnboardingFailed(f"op_bad_{exc.field}") from exc
        except ClientError as exc:
            raise OnboardingFailed("op_cognito_refused", 502) from exc
        if outcome.result == "exists":
            raise OnboardingFailed("op_app_taken")
        if outcome.result == "owner_taken":
            raise OnboardingFailed("op_owner_taken")
        return business, outcome
