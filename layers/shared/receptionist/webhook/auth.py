"""Who may call the webhook: whoever presents the deployment's shared secret.

Gupshup's subscription can send custom headers, so the secret travels in `x-webhook-token`
(or `authorization: Bearer <secret>`); a `token` query parameter is accepted for setups that
can only configure a URL. Comparisons take constant time: both sides are hashed first (so not
even the length of the secret shows), and every place is checked whatever the earlier results.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from receptionist.webhook.http import HttpRequest

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


def is_authorized(request: HttpRequest, secret: str) -> bool:
    expected = _digest(secret)
    matched = False
    for token in presented_tokens(request):
        # Bitwise OR, not `or`: compare every token regardless of earlier results.
        matched |= hmac.compare_digest(_digest(token), expected)
    return bool(secret) and matched
