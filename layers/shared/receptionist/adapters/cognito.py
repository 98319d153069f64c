"""Amazon Cognito for the staff console: signing in with email and password (the user pool's
USER_PASSWORD_AUTH flow, with its new-password and TOTP challenges), a staff member's own password
and TOTP device, signing out (GlobalSignOut), verifying the ID tokens it issues against the pool's
JWKS, and the accounts an owner or an operator manages (invited, disabled, enabled, removed).

A token is accepted only when its RS256 signature matches one of the pool's published keys and
it is an ID token of this pool (issuer) for this app client (audience) that has not expired.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
from botocore.exceptions import ClientError

from receptionist.adapters.aws import fast_client_config


class SignInRefused(Exception):
    """Wrong email or password, or a user who may not sign in (the message says which, for
    logs; the console shows one neutral sentence)."""


class CodeRefused(Exception):
    """A TOTP or reset code that does not match, or expired."""


class PasswordNotAccepted(Exception):
    """A new password the pool's policy refuses (InvalidPasswordException)."""


class ChallengeExpired(Exception):
    """The challenge's session is no longer valid (Cognito keeps it 3 minutes): sign in again."""


class TooManyAttempts(Exception):
    """Cognito's limit on attempts or requests (LimitExceeded, TooManyRequests): wait a little."""


class InvalidToken(Exception):
    """A session token that is not a valid, current ID token of this pool and client."""


@dataclass(frozen=True)
class Identity:
    sub: str
    email: str


@dataclass(frozen=True)
class Tokens:
    """What a finished sign-in gives: the ID token (who; the session cookie) and the access token
    (the account's own calls: change password, MFA, sign-out). The refresh token is never used
    nor kept: signing out revokes it (GlobalSignOut)."""

    id_token: str
    access_token: str
    mfa: bool = False  # the sign-in passed the second factor


@dataclass(frozen=True)
class Challenge:
    """A step Cognito asks for before tokens: NEW_PASSWORD_REQUIRED or SOFTWARE_TOKEN_MFA;
    `session` is Cognito's opaque key for the next call (no password in it)."""

    name: str
    session: str
    email: str


NEW_PASSWORD = "NEW_PASSWORD_REQUIRED"  # noqa: S105 - challenge names, not passwords
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"  # noqa: S105
CHALLENGES = (NEW_PASSWORD, SOFTWARE_TOKEN_MFA)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _refusal(exc: ClientError) -> Exception | None:
    """The exception a refused account call means for the person, None for a failure of ours."""
    code = _code(exc)
    if code in ("NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"):
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if "session" in message.lower():
            return ChallengeExpired(code)
        return SignInRefused(code)
    if code in ("CodeMismatchException", "ExpiredCodeException", "EnableSoftwareTokenMFAException"):
        return CodeRefused(code)
    if code in ("InvalidPasswordException",):
        return PasswordNotAccepted(code)
    if code in ("LimitExceededException", "TooManyRequestsException", "TooManyFailedAttemptsException"):
        return TooManyAttempts(code)
    if code in ("ResourceNotFoundException",):  # moto: an unknown challenge session
        return ChallengeExpired(code)
    return None


class CognitoSignIn:
    """The staff member's own calls to the pool (its app client, no AWS credentials needed):
    signing in with its challenges, their password and their TOTP device, and signing out."""

    def __init__(self, user_pool_client_id: str, client: Any | None = None) -> None:
        self._client_id = user_pool_client_id
        self._idp = client if client is not None else boto3.client("cognito-idp", config=fast_client_config())

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self._idp, method)(**kwargs)
        except ClientError as exc:
            refusal = _refusal(exc)
            if refusal is not None:
                raise refusal from exc
            raise
        return answer

    def _outcome(self, answer: dict[str, Any], email: str, *, mfa: bool = False) -> Tokens | Challenge:
        result = answer.get("AuthenticationResult")
        if result:
            return Tokens(str(result["IdToken"]), str(result["AccessToken"]), mfa)
        name = str(answer.get("ChallengeName", ""))
        if name not in CHALLENGES:  # a challenge the pool is not set up to ask (SMS, MFA_SETUP)
            raise SignInRefused(name or "no result")
        return Challenge(name, str(answer["Session"]), email)

    def start(self, email: str, password: str) -> Tokens | Challenge:
        """USER_PASSWORD_AUTH: tokens, or the challenge to answer first."""
        answer = self._call(
            "initiate_auth",
            ClientId=self._client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return self._outcome(answer, email)

    def sign_in(self, email: str, password: str) -> str:
        """The ID token for this email and password (an account with no challenge pending)."""
        outcome = self.start(email, password)
        if isinstance(outcome, Challenge):
            raise SignInRefused(outcome.name)
        return outcome.id_token

    def answer_new_password(self, challenge: Challenge, password: str) -> Tokens | Challenge:
        """Answers NEW_PASSWORD_REQUIRED (the first sign-in with a temporary password)."""
        answer = self._call(
            "respond_to_auth_challenge",
            ClientId=self._client_id,
            ChallengeName=NEW_PASSWORD,
            Session=challenge.session,
            ChallengeResponses={"USERNAME": challenge.email, "NEW_PASSWORD": password},
        )
        return self._outcome(answer, challenge.email)

    def totp(self, challenge: Challenge, code: str) -> Tokens | Challenge:
        """Answers SOFTWARE_TOKEN_MFA with the authenticator's code."""
        answer = self._call(
            "respond_to_auth_challenge",
            ClientId=self._client_id,
            ChallengeName=SOFTWARE_TOKEN_MFA,
            Session=challenge.session,
            ChallengeResponses={"USERNAME": challenge.email, "SOFTWARE_TOKEN_MFA_CODE": code},
        )
        return self._outcome(answer, challenge.email, mfa=True)

    def totp_secret(self, access_token: str) -> str:
        """A new TOTP secret for the account (AssociateSoftwareToken): shown once, never kept."""
        return str(self._call("associate_software_token", AccessToken=access_token)["SecretCode"])

    def enable_totp(self, access_token: str, code: str) -> None:
        """Verifies a code of the new secret, then makes TOTP the account's second factor."""
        answer = self._call(
            "verify_software_token", AccessToken=access_token, UserCode=code, FriendlyDeviceName="console"
        )
        if answer.get("Status") != "SUCCESS":
            raise CodeRefused(str(answer.get("Status")))
        self._call(
            "set_user_mfa_preference",
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )

    def change_password(self, access_token: str, current: str, new: str) -> None:
        self._call("change_password", AccessToken=access_token, PreviousPassword=current, ProposedPassword=new)

    def forgot_password(self, email: str) -> None:
        """Cognito sends a reset code to the account's e-mail (the pool says nothing about
        whether the account exists: PreventUserExistenceErrors)."""
        self._call("forgot_password", ClientId=self._client_id, Username=email)

    def reset_password(self, email: str, code: str, new: str) -> None:
        self._call(
            "confirm_forgot_password", ClientId=self._client_id, Username=email, ConfirmationCode=code, Password=new
        )

    def sign_out(self, access_token: str) -> None:
        """GlobalSignOut: the account's refresh tokens are revoked (and its access tokens)."""
        self._call("global_sign_out", AccessToken=access_token)


class TokenVerifier:
    def __init__(self, *, issuer: str, audience: str, jwks_url: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        # Keys are fetched once and again only for an unknown key id (rotation).
        self._keys = jwt.PyJWKClient(jwks_url or f"{self.issuer}/.well-known/jwks.json", cache_keys=True)

    @staticmethod
    def issuer_for(region: str, user_pool_id: str) -> str:
        return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"

    def verify(self, token: str) -> Identity:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from exc
        if claims.get("token_use") != "id":
            raise InvalidToken("not an ID token")
        return Identity(sub=str(claims["sub"]), email=str(claims.get("email") or claims.get("cognito:username", "")))


PASSWORD_LENGTH = 20


class PasswordRefused(ValueError):
    """A given password the pool's policy would refuse (checked before anything is created)."""


def new_password() -> str:
    """A password any Cognito policy accepts: 20 characters with lower and upper case letters,
    digits and a symbol."""
    symbols = "-_.!#%+="
    alphabet = string.ascii_letters + string.digits + symbols
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(PASSWORD_LENGTH))
        classes = (str.islower, str.isupper, str.isdigit, lambda c: c in symbols)
        if all(any(test(c) for c in candidate) for test in classes):
            return candidate


def _sub_of(user: dict[str, Any]) -> str:
    attributes = user.get("UserAttributes") or user.get("Attributes") or []
    return next(str(a["Value"]) for a in attributes if a["Name"] == "sub")


class StaffPool:
    """The staff user pool's administration: onboarding a business (AdminGetUser,
    AdminCreateUser, AdminSetUserPassword; DescribeUserPool for a given password's check, ops
    only) and an owner's team (invitations, AdminDisableUser / AdminEnableUser with
    AdminUserGlobalSignOut, AdminDeleteUser)."""

    def __init__(self, user_pool_id: str, client: Any | None = None) -> None:
        self.pool = user_pool_id
        self._idp = client if client is not None else boto3.client("cognito-idp", config=fast_client_config())

    def check_password(self, password: str) -> None:
        """Raises PasswordRefused unless `password` meets the pool's password policy."""
        described = self._idp.describe_user_pool(UserPoolId=self.pool)["UserPool"]
        policy = described.get("Policies", {}).get("PasswordPolicy", {})
        rules = [
            len(password) >= int(policy.get("MinimumLength", 8)),
            not policy.get("RequireUppercase") or any(c.isupper() for c in password),
            not policy.get("RequireLowercase") or any(c.islower() for c in password),
            not policy.get("RequireNumbers") or any(c.isdigit() for c in password),
            not policy.get("RequireSymbols") or any(not c.isalnum() for c in password),
        ]
        if not all(rules):
            raise PasswordRefused

    def existing_sub(self, email: str) -> str | None:
        """The `sub` of the user with this e-mail, None when there is none."""
        try:
            found: dict[str, Any] = self._idp.admin_get_user(UserPoolId=self.pool, Username=email)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
                return None
            raise
        return _sub_of(found)

    def create_user(self, email: str, password: str) -> str:
        """A new user (e-mail verified, no invitation e-mail); its `sub`. `password` must meet
        the pool's policy; set_password then makes it the account's password."""
        created = self._idp.admin_create_user(
            UserPoolId=self.pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
        )["User"]
        return _sub_of(created)

    def set_password(self, email: str, password: str) -> None:
        """The account's permanent password (ops.onboard's and the operator pages' owners, who are
        given theirs once; invited colleagues get a temporary one instead: invite)."""
        self._idp.admin_set_user_password(UserPoolId=self.pool, Username=email, Password=password, Permanent=True)

    def status(self, email: str) -> str | None:
        """The user's status (FORCE_CHANGE_PASSWORD, CONFIRMED, ...), None when there is none."""
        try:
            found: dict[str, Any] = self._idp.admin_get_user(UserPoolId=self.pool, Username=email)
        except ClientError as exc:
            if _code(exc) == "UserNotFoundException":
                return None
            raise
        return str(found.get("UserStatus", ""))

    def invite(self, email: str) -> str:
        """A new user whom Cognito e-mails an invitation with a temporary password (generated
        here, handed to Cognito and forgotten: never returned, logged or stored); its `sub`. The
        first sign-in with it asks for a new password (NEW_PASSWORD_REQUIRED)."""
        created = self._idp.admin_create_user(
            UserPoolId=self.pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            TemporaryPassword=new_password(),
            DesiredDeliveryMediums=["EMAIL"],
        )["User"]
        return _sub_of(created)

    def disable(self, email: str) -> None:
        """AdminDisableUser, then AdminUserGlobalSignOut: no new sign-in, no refresh."""
        self._idp.admin_disable_user(UserPoolId=self.pool, Username=email)
        self._idp.admin_user_global_sign_out(UserPoolId=self.pool, Username=email)

    def enable(self, email: str) -> None:
        self._idp.admin_enable_user(UserPoolId=self.pool, Username=email)

    def delete(self, email: str) -> None:
        """The user gone from the pool (none already: nothing to do)."""
        try:
            self._idp.admin_delete_user(UserPoolId=self.pool, Username=email)
        except ClientError as exc:
            if _code(exc) != "UserNotFoundException":
                raise
