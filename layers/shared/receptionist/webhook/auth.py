"""Who may call the webhook for an app: whoever presents that Gupshup app's own secret.

Each app (business) has its own secrets (one, or two while rotating), so a secret of business A
cannot post as business B's customers, and an app nobody configured gets nothing. The secret
travels in `x-webhook-token` (or `authorization: Bearer <secret>`), or, for setups that can only
configure a URL, in a `token` query parameter. Comparisons take constant time: both sides are
hashed first (so not even the length of a secret shows), and every pair is compared whatever
the earlier results.

A request whose body names no app (unreadable JSON, too large...) is answered with its error
only if it carries the secret of *some* app; otherwise 401. Nothing is ever stored for it.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from receptionist.webhook.http import HttpRequest
from receptionist.webhook.ports import AppSecrets

# Names of where the token travels, not secrets.
TOKEN_HEADER: Final = "x-webhook-token"  # noqa: S105
TOKEN_QUERY: Final = "token"  # noqa: S105


def presented_tokens(request: HttpRequest) -> list[str]:
    tokens = []
    header = request.header(TOKEN_HEADER)
    if header:
        tokens.append(header.strip())
    authorization = request.header("authorization")
    if authorization:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            tokens.append(credentials.strip())
    query = request.query.get(TOKEN_QUERY)
    if query:
        tokens.append(query)
    return tokens


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def _matches(tokens: list[str], secrets: list[str]) -> bool:
    matched = False
    for token in tokens:
        presented = _digest(token)
        for secret in secrets:
            # Bitwise OR, not `or`: compare every pair regardless of earlier results.
            matched |= bool(secret) & hmac.compare_digest(presented, _digest(secret))
    return matched


def is_authorized(request: HttpRequest, app: str | None, secrets: AppSecrets) -> bool:
    """For `app`: one of its secrets was presented. With no app: the secret of any app.
    A miss reloads the secrets once (rate-limited by the adapter), so a secret rotated a moment
    ago is accepted at once instead of after the cache expires."""
    tokens = presented_tokens(request)
    if not tokens:
        return False

    def check() -> bool:
        known = secrets.secrets_for(app) if app is not None else secrets.all_secrets()
        return _matches(tokens, known)

    return check() or (secrets.refresh() and check())
