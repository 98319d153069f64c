"""Signing in and out: the credentials exchanged for Cognito's tokens (through its challenges: a
new password on the first sign-in with a temporary one, a TOTP code for an account with a second
factor), the account they belong to, the server-side session, and the audit lines of signing in
and out: the one section whose account is not known before the request (so it opens its own tenant
scope for its lines).

Cognito calls per sign-in: one (InitiateAuth) without a second factor, two with one (InitiateAuth,
RespondToAuthChallenge); a first sign-in adds RespondToAuthChallenge for the new password. The ID
token's signature is checked locally against the pool's keys (fetched once per container)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from receptionist.adapters.cognito import (
    Challenge,
    ChallengeExpired,
    CodeRefused,
    Identity,
    InvalidToken,
    PasswordNotAccepted,
    SignInRefused,
    Tokens,
    TooManyAttempts,
)
from receptionist.console import security
from receptionist.crm import console_sessions, inbox
from receptionist.crm.connection import Database
from receptionist.crm.console_sessions import SessionAccount
from receptionist.crm.inbox import StaffAccount

logger = logging.getLogger(__name__)


class AccountCalls(Protocol):
    """A staff member's own calls to the pool (adapters.cognito.CognitoSignIn)."""

    def start(self, email: str, password: str) -> Tokens | Challenge: ...

    def answer_new_password(self, challenge: Challenge, password: str) -> Tokens | Challenge: ...

    def totp(self, challenge: Challenge, code: str) -> Tokens | Challenge: ...

    def totp_secret(self, access_token: str) -> str: ...

    def enable_totp(self, access_token: str, code: str) -> None: ...

    def change_password(self, access_token: str, current: str, new: str) -> None: ...

    def forgot_password(self, email: str) -> None: ...

    def reset_password(self, email: str, code: str, new: str) -> None: ...

    def sign_out(self, access_token: str) -> None: ...


class SignInFailed(Exception):
    """Not signed in: the page says `code`'s sentence with `status` (401: the pool refused the
    credentials or the code; 403: they are right but name no console account; 400: a new
    password the pool refuses; 429: too many attempts)."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def refusal(exc: Exception) -> SignInFailed:
    """The sentence for what Cognito refused."""
    if isinstance(exc, CodeRefused):
        return SignInFailed(401, "code_refused")
    if isinstance(exc, PasswordNotAccepted):
        return SignInFailed(400, "password_policy")
    if isinstance(exc, ChallengeExpired):
        return SignInFailed(401, "challenge_expired")
    if isinstance(exc, TooManyAttempts):
        return SignInFailed(429, "too_many_attempts")
    return SignInFailed(401, "sign_in_refused")


REFUSED = (SignInRefused, InvalidToken, CodeRefused, PasswordNotAccepted, ChallengeExpired, TooManyAttempts)


@dataclass(frozen=True)
class SignedIn:
    """A session: its cookies' values and its account. `enrol`: the account must set up its
    second factor before anything else (the session passed none and the account needs one)."""

    token: str  # the ID token (rc_session)
    access_token: str  # rc_access
    session_id: str  # rc_sid
    account: StaffAccount
    enrol: bool


@dataclass(frozen=True)
class Pending:
    """A challenge to answer on the next page (sealed into rc_pending: no password in it)."""

    challenge: Challenge


@dataclass
class SignInService:
    db: Database  # the container's connection, acting for nobody yet

    def account(self, sub: str) -> StaffAccount | None:
        """The active console account of a verified token's `sub` (the one read across organizations)."""
        return inbox.staff_account(self.db, sub)

    def session(self, session_id: str, sub: str, at: datetime, idle: timedelta) -> SessionAccount | None:
        """The account of a session still in use (see crm.console_sessions.touch)."""
        return console_sessions.touch(self.db, security.session_hash(session_id), sub, at=at, idle=idle)

    def sign_in(
        self, email: str, password: str, cognito: AccountCalls, verify: Callable[[str], Identity], at: datetime
    ) -> SignedIn | Pending:
        try:
            outcome = cognito.start(email.strip().lower(), password)
        except REFUSED as exc:
            raise refusal(exc) from exc
        return self.finish(outcome, verify, at)

    def finish(
        self, outcome: Tokens | Challenge, verify: Callable[[str], Identity], at: datetime, *, audit: str | None = None
    ) -> SignedIn | Pending:
        """The next step of a sign-in: a challenge's page, or the session (audited before it
        exists: `sign_in`, and `audit` too when the sign-in changed something, e.g. the password)."""
        if isinstance(outcome, Challenge):
            return Pending(outcome)
        try:
            identity = verify(outcome.id_token)
        except InvalidToken as exc:
            raise SignInFailed(401, "sign_in_refused") from exc
        account = self.account(identity.sub)
        if account is None:
            raise SignInFailed(403, "no_account")
        session_id = security.new_session_id()
        if not console_sessions.open_session(
            self.db, account.sub, security.session_hash(session_id), mfa=outcome.mfa, at=at
        ):
            raise SignInFailed(403, "no_account")  # disabled between the two reads
        if audit:
            self.record(account, audit)
        self.record(account, "sign_in")
        enrol = account.mfa_required and not outcome.mfa
        return SignedIn(outcome.id_token, outcome.access_token, session_id, account, enrol)

    def signed_out(
        self, account: StaffAccount | None, session_id: str | None, access_token: str | None, cognito: AccountCalls
    ) -> None:
        """The account's sessions end here and in Cognito (GlobalSignOut: its refresh tokens are
        revoked), audited when there was one. A Cognito that does not answer does not keep anyone signed
        in: the server-side session is gone either way, and the refresh token was never given
        to the browser."""
        if session_id:
            console_sessions.close(self.db, security.session_hash(session_id))
        if access_token:
            try:
                cognito.sign_out(access_token)
            except REFUSED:
                pass  # the token had already expired or been revoked
            except (ClientError, BotoCoreError):
                logger.warning("GlobalSignOut failed; the console's session is closed anyway", exc_info=True)
        if account is not None:  # else the session had already ended: nobody to record
            self.record(account, "sign_out")

    def record(self, account: StaffAccount, action: str) -> None:
        if account.is_operator:  # of no business: its own line, with no tenant set
            inbox.record_audit(self.db, None, account.email, action, None)
            return
        with self.db.acting_for(account.organization_id):
            inbox.record_audit(self.db, account.organization_id, account.email, action, None)
