"""Amazon Cognito for the staff console: signing in with email and password (the user pool's
USER_PASSWORD_AUTH flow), verifying the ID tokens it issues against the pool's JWKS, and creating
a new business owner's account (ops.onboard and the console's operator pages).

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


class InvalidToken(Exception):
    """A session token that is not a valid, current ID token of this pool and client."""


@dataclass(frozen=True)
class Identity:
    sub: str
    email: str


class CognitoSignIn:
    def __init__(self, user_pool_client_id: str, client: Any | None = None) -> None:
        self._client_id = user_pool_client_id
        self._idp = client if client is not None else boto3.client("cognito-idp", config=fast_client_config())

    def sign_in(self, email: str, password: str) -> str:
        """The ID token for this email and password."""
        try:
            answer = self._idp.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"):
                raise SignInRefused(code) from exc
            raise
        result = answer.get("AuthenticationResult")
        if not result:  # a challenge (new password required, MFA): not handled by the console yet
            raise SignInRefused(str(answer.get("ChallengeName", "challenge")))
        return str(result["IdToken"])


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
    """The staff user pool's administration, as far as onboarding a business needs it:
    AdminGetUser, AdminCreateUser, AdminSetUserPassword (and DescribeUserPool for a given
    password's check, ops only)."""

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
        """The account's password (permanent: the console does not handle Cognito's
        new-password challenge yet, so an account left in FORCE_CHANGE_PASSWORD could not sign in)."""
        self._idp.admin_set_user_password(UserPoolId=self.pool, Username=email, Password=password, Permanent=True)
