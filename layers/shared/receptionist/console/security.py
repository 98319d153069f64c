"""The console's cookies and CSRF tokens.

- Session: the Cognito ID token itself, in an HttpOnly, Secure, SameSite=Lax cookie; verified
  on every request (signature, issuer, audience, expiry), never trusted as sent.
- CSRF (every form, sign-in included): a random value in its own cookie, and in each form the
  HMAC of that value under the console's secret. A POST is accepted only when the form's token
  is the HMAC of the cookie it came with: another site can make the browser send the cookie,
  but cannot read it to compute the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "rc_session"
CSRF_COOKIE = "rc_csrf"
LANGUAGE_COOKIE = "rc_lang"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 3600  # Cognito's ID tokens live an hour


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(secret: str, seed: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, seed: str | None, token: str | None) -> bool:
    if not seed or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, seed), token)
