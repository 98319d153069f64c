"""The console's cookies and CSRF tokens.

- Session: the Cognito ID token itself, in an HttpOnly, Secure, SameSite=Lax cookie; verified
  on every request (signature, issuer, audience, expiry), never trusted as sent. Beside it the
  access token (the account's own Cognito calls: change password, TOTP, GlobalSignOut on signing
  out) and a random session id whose SHA-256 names the server-side session (console_sessions:
  idle time, the second factor passed, ended on sign-out or when the account goes).
- A sign-in waiting for a new password or a TOTP code: Cognito's challenge session and the
  e-mail, in a cookie sealed with the console's secret (HMAC, 5 minutes); never a password.
- CSRF (every form, sign-in included): a random value in its own cookie, and in each form the
  HMAC of that value under the console's secret. A POST is accepted only when the form's token
  is the HMAC of the cookie it came with: another site can make the browser send the cookie,
  but cannot read it to compute the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

SESSION_COOKIE = "rc_session"
CSRF_COOKIE = "rc_csrf"
LANGUAGE_COOKIE = "rc_lang"
CSRF_FIELD = "csrf_token"
ACCESS_COOKIE = "rc_access"
SID_COOKIE = "rc_sid"
PENDING_COOKIE = "rc_pending"
SESSION_SECONDS = 3600  # Cognito's ID tokens live an hour
PENDING_SECONDS = 300  # Cognito keeps a challenge's session 3 minutes; a little more, never less


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(secret: str, seed: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, seed: str | None, token: str | None) -> bool:
    if not seed or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, seed), token)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_hash(session_id: str) -> str:
    """What the database keeps of a session id: its SHA-256 (a leaked table names no session)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def seal(secret: str, data: dict[str, Any], now: float, ttl: int = PENDING_SECONDS) -> str:
    """`data` with an expiry, signed with the console's secret (readable, not forgeable)."""
    body = base64.urlsafe_b64encode(json.dumps({**data, "exp": int(now) + ttl}).encode()).decode().rstrip("=")
    mac = hmac.new(secret.encode(), f"seal:{body}".encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unseal(secret: str, value: str | None, now: float) -> dict[str, Any] | None:
    """What `seal` signed, None when the value is absent, forged or expired."""
    if not value or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    if not hmac.compare_digest(hmac.new(secret.encode(), f"seal:{body}".encode(), hashlib.sha256).hexdigest(), mac):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int) or data["exp"] <= now:
        return None
    return data
