"""How a console route gets what it works with (FastAPI dependencies, `Annotated[..., Depends()]`),
never by calling it by hand:

- `Parts`: what the console was built with (ConsoleParts, wiring.build), kept on the app.
- The signed-in account: `AnyAccount` (a business's or an operator's), `Account` (a business's:
  an operator gets a 403, it has only the operator pages), `Operator`, and owners only with
  `OwnersOnly("<sentence key>")`. No (or no longer a) session: SignInNeeded, which web.py answers;
  an account that needs a second factor and has not set one up yet: EnrolmentNeeded (to the
  enrolment page). `SignedInSession` (`MaybeSession`: or None) is the session itself, second factor
  or not: the enrolment page and signing out use it. Section routers declare theirs as router
  dependencies, so every route of a section has it.
- `CSRF` (a post's `dependencies=[CSRF]`): the form's token must be the HMAC of the CSRF cookie
  it came with, checked before the route does anything.
- `Session`: the container's database connection acting for the account's organization (row level
  security) for this request only; the section's service is built on it by its router.
- `Typed`: what a form post carried, as typed (a page shown again with a sentence keeps it).
- `FRAGMENT` (`dependencies=[FRAGMENT]`): the route answers a part of a page, which its page's
  script polls: without a session it gets a 401 notice, never the sign-in form.

The console's Lambda serves one request at a time per container, so the one connection's tenant,
set here for a request, is that request's alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from receptionist.adapters.cognito import Identity, InvalidToken, StaffPool
from receptionist.calendar.slot_guard import SlotGuard
from receptionist.console import security
from receptionist.console.errors import CsrfRefused, EnrolmentNeeded, Forbidden, SignInNeeded
from receptionist.console.services.sign_in import AccountCalls, SignInService
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount
from receptionist.messages import Queue
from receptionist.privacy.forget import ForgetService

if TYPE_CHECKING:
    from receptionist.adapters.gupshup_templates import GupshupTemplates
    from receptionist.console.services.calendar import CalendarAccess
    from receptionist.console.services.exports import ConsoleExports
    from receptionist.console.services.settings.connections import WebhookSecretStore

OWNER = "owner"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConsoleParts:
    """What the console app needs (wiring.build assembles it, one per container). Here rather than
    in wiring.py, as every other function's Parts are, because the routes' dependencies read it
    and wiring.py imports boto3."""

    db: Database  # as the console's own role, under row level security
    outbound: Queue  # staff replies and templates, for the notifier
    cognito: AccountCalls  # a staff member's own calls to the pool (sign-in, password, TOTP, sign-out)
    verify: Callable[[str], Identity]  # ID token -> who (raises InvalidToken)
    csrf_secret: Callable[[], str]
    secure_cookies: bool = True
    keys_prefix: str | None = None  # where the stage's Gupshup keys live (ConsoleSettings.gupshup_keys_prefix)
    accounts: StaffPool | None = None  # creating owners' accounts (the operator pages)
    webhook_secrets: WebhookSecretStore | None = None  # rotating an app's webhook secret (settings)
    exports: ConsoleExports | None = None  # a customer's data, for the owner (services/exports.py)
    forget: ForgetService | None = None  # blocking and erasing a customer (services/privacy.py)
    template_api: GupshupTemplates | None = None  # Gupshup's template API (the templates page)
    app_key: Callable[[str], str] | None = None  # an app's Gupshup key by its SSM parameter's name
    calendar: CalendarAccess | None = None  # members' calendars: the provider, the refresh tokens' store
    now: Callable[[], datetime] = field(default=_utc_now)  # the console's clock (business rules)
    # Sessions end after this long without a request (ConsoleSettings.idle_minutes), on the
    # sessions' own clock: real time, as the tokens' expiry (tests freeze the business clock).
    idle: timedelta = timedelta(minutes=30)
    session_now: Callable[[], datetime] = field(default=_utc_now)
    # Re-checks a booking or a move in the member's own calendar (members with a connected one);
    # None: no re-check, the synced busy blocks alone decide.
    slot_guard: SlotGuard | None = None


def parts(request: Request) -> ConsoleParts:
    built: ConsoleParts = request.app.state.parts
    return built


Parts = Annotated[ConsoleParts, Depends(parts)]


# -- who is signed in ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedInSession:
    account: StaffAccount
    mfa: bool  # this session passed the second factor
    session_id: str
    access_token: str  # the account's own Cognito calls


def current_session(request: Request, parts: Parts) -> SignedInSession:
    """The session of a verified ID token, still in use on the server (console_sessions: not idle
    for `parts.idle`, its account active): its business and role come from the CRM
    (console_users, keyed by the token's `sub`), never from a claim or the request."""
    token = request.cookies.get(security.SESSION_COOKIE)
    session_id = request.cookies.get(security.SID_COOKIE)
    if not token or not session_id:
        raise SignInNeeded
    try:
        identity = parts.verify(token)
    except InvalidToken as exc:
        raise SignInNeeded from exc
    found = SignInService(parts.db).session(session_id, identity.sub, parts.session_now(), parts.idle)
    if found is None:
        raise SignInNeeded
    return SignedInSession(found.account, found.mfa, session_id, request.cookies.get(security.ACCESS_COOKIE) or "")


CurrentSession = Annotated[SignedInSession, Depends(current_session)]


def signed_in_account(request: Request, session: CurrentSession) -> StaffAccount:
    """The signed-in account, its second factor passed where it needs one (kept on the request:
    web.render shows times in its business's zone, fragments included)."""
    if session.account.mfa_required and not session.mfa:
        raise EnrolmentNeeded
    request.state.account = session.account
    return session.account


AnyAccount = Annotated[StaffAccount, Depends(signed_in_account)]


def session_if_signed_in(request: Request, parts: Parts) -> SignedInSession | None:
    """The session, or None when it has ended (signing out)."""
    try:
        return current_session(request, parts)
    except SignInNeeded:
        return None


MaybeSession = Annotated[SignedInSession | None, Depends(session_if_signed_in)]


def business_account(account: AnyAccount) -> StaffAccount:
    """The signed-in staff member of a business (an operator's account, of no business, gets a
    403: it has only the operator pages)."""
    if account.is_operator:
        raise Forbidden("op_no_business")
    return account


Account = Annotated[StaffAccount, Depends(business_account)]


def operator_account(account: AnyAccount) -> StaffAccount:
    """The signed-in operator (anyone else: 403)."""
    if not account.is_operator:
        raise Forbidden("op_operators_only")
    return account


Operator = Annotated[StaffAccount, Depends(operator_account)]


class OwnersOnly:
    """A business's owner (anyone else of the business: a 403 saying `code`'s sentence)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __call__(self, account: Account) -> StaffAccount:
        if account.role != OWNER:
            raise Forbidden(self.code)
        return account


# -- the form, and its CSRF token ------------------------------------------------------------------
async def submitted(request: Request) -> FormData:
    """The post's form (parsed once per request: Starlette keeps it)."""
    return await request.form()


def csrf_checked(request: Request, form: Annotated[FormData, Depends(submitted)], parts: Parts) -> None:
    token = form.get(security.CSRF_FIELD)
    seed = request.cookies.get(security.CSRF_COOKIE)
    if not security.csrf_ok(parts.csrf_secret(), seed, token if isinstance(token, str) else None):
        raise CsrfRefused


CSRF = Depends(csrf_checked)


def typed_values(form: Annotated[FormData, Depends(submitted)]) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


Typed = Annotated[dict[str, str], Depends(typed_values)]


# -- the database ----------------------------------------------------------------------------------
def tenant_session(account: Account, parts: Parts) -> Iterator[Database]:
    """The container's connection, every statement of this request acting for the account's
    organization only; released as soon as the route returns."""
    with parts.db.acting_for(account.organization_id):
        yield parts.db


Session = Annotated[Database, Depends(tenant_session, scope="function")]


# -- parts of pages --------------------------------------------------------------------------------
def _answers_a_fragment(request: Request) -> None:
    request.state.fragment = True


FRAGMENT = Depends(_answers_a_fragment)
