"""A staff member's own account: their password (changed when signed in; reset with Cognito's
e-mailed code when forgotten) and their second factor (a TOTP app, enrolled by scanning a QR code
and proving one code before it is active). Cognito holds the password and the TOTP secret; the
console only passes them through (never stored, logged or audited). Changes of a signed-in
account are audited (`password_changed`, `mfa_enabled`)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from receptionist.console.services.sign_in import REFUSED, AccountCalls, SignInService, refusal
from receptionist.crm import console_sessions
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount

ISSUER = "Recepcionista"  # what the authenticator app shows above the account


def otpauth_uri(secret: str, email: str, business: str) -> str:
    """The key URI authenticator apps read from the QR code (Google Authenticator's format)."""
    issuer = f"{ISSUER} {business}".strip() if business else ISSUER
    label = urllib.parse.quote(f"{issuer}:{email}")
    query = urllib.parse.urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": 6, "period": 30},
        quote_via=urllib.parse.quote,  # spaces as %20, as the key URI format asks
    )
    return f"otpauth://totp/{label}?{query}"


def qr_data_uri(text: str) -> str:
    """`text` as a QR code, an SVG data URI (segno: pure Python, imported only on this page)."""
    import segno

    uri: str = segno.make(text, error="m").svg_data_uri(scale=5, dark="#111", light="#fff")
    return uri


def grouped(secret: str) -> str:
    """The secret for typing by hand, in groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@dataclass(frozen=True)
class Enrolment:
    secret: str  # shown once on the page, never kept
    uri: str
    qr: str  # data URI


@dataclass
class AccountService:
    db: Database  # the container's connection (the account's own lines open their tenant scope)
    cognito: AccountCalls

    def enrolment(self, account: StaffAccount, access_token: str) -> Enrolment:
        try:
            secret = self.cognito.totp_secret(access_token)
        except REFUSED as exc:
            raise refusal(exc) from exc
        uri = otpauth_uri(secret, account.email, account.organization_name)
        return Enrolment(secret, uri, qr_data_uri(uri))

    def enable_mfa(self, account: StaffAccount, access_token: str, session_hash: str, code: str) -> None:
        """The code proves the app holds the secret: TOTP becomes the account's second factor
        (asked at every sign-in from now on) and this session has passed it."""
        try:
            self.cognito.enable_totp(access_token, code)
        except REFUSED as exc:
            raise refusal(exc) from exc
        console_sessions.passed_mfa(self.db, session_hash, account.sub)
        SignInService(self.db).record(account, "mfa_enabled")

    def change_password(self, account: StaffAccount, access_token: str, current: str, new: str) -> None:
        try:
            self.cognito.change_password(access_token, current, new)
        except REFUSED as exc:
            failed = refusal(exc)
            if failed.code == "sign_in_refused":  # the current password was wrong
                failed.code = "current_password_wrong"
            raise failed from exc
        SignInService(self.db).record(account, "password_changed")

    def forgot_password(self, email: str) -> None:
        """Cognito e-mails a reset code. Whether the account exists is not said (the same page
        either way), as the pool itself does not say."""
        try:
            self.cognito.forgot_password(email)
        except REFUSED as exc:
            failed = refusal(exc)
            if failed.code == "too_many_attempts":
                raise failed from exc

    def reset_password(self, email: str, code: str, new: str) -> None:
        try:
            self.cognito.reset_password(email, code, new)
        except REFUSED as exc:
            failed = refusal(exc)
            if failed.code == "sign_in_refused":  # an account that may not reset (disabled, unknown)
                failed.code = "code_refused"
            raise failed from exc
