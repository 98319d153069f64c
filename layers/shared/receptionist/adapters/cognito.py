"""Amazon Cognito for the staff console: signing in with email and password (the user pool's
USER_PASSWORD_AUTH flow) and verifying the ID tokens it issues against the pool's JWKS.

A token is accepted only when its RS256 signature matches one of the pool's published keys and
it is an ID token of this pool (issuer) for this app client (audience) that has not expired.
"""

from __future__ import annotations

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
