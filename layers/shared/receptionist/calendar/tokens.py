"""Refresh tokens, kept encrypted outside PostgreSQL (an SSM SecureString per connection:
`adapters/calendar_tokens.py`), and the short-lived access tokens made from them.

Why a cache of our own: an access token lasts about an hour and each refresh is a round trip to
the provider's token endpoint; a warm Lambda reuses it for every call until a minute before it
expires. The refresh token is read from the store only when an access token is needed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from receptionist.calendar.provider import AccessToken, AccessTokenRejected, CalendarProvider, GrantRevoked
from receptionist.deadline import Deadline

# An access token this close to expiring is refreshed before use.
EXPIRY_MARGIN = timedelta(seconds=60)

T = TypeVar("T")


class RefreshTokens(Protocol):
    """Where refresh tokens live, by reference (the connection's `token_ref`)."""

    def put(self, ref: str, refresh_token: str) -> None: ...

    def get(self, ref: str) -> str: ...

    def delete(self, ref: str) -> None:
        """Removing one already gone is not an error."""
        ...


def token_ref(prefix: str, connection_id: str) -> str:
    """The SSM parameter name of a connection's refresh token."""
    return f"{prefix.rstrip('/')}/{connection_id}"


class AccessTokens:
    """Access tokens per connection, refreshed when missing or about to expire. GrantRevoked from
    the provider goes to the caller (who marks the connection broken)."""

    def __init__(
        self,
        provider: CalendarProvider,
        refresh_tokens: RefreshTokens,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._provider = provider
        self._refresh_tokens = refresh_tokens
        self._clock = clock
        self._cache: dict[str, AccessToken] = {}
        self.refreshes = 0  # token endpoint calls made (the bench and the notes count them)

    def token_for(self, token_ref: str, deadline: Deadline) -> AccessToken:
        cached = self._cache.get(token_ref)
        if cached is not None and cached.expires_at - EXPIRY_MARGIN > self._clock():
            return cached
        token = self._provider.refresh(self._refresh_tokens.get(token_ref), deadline)
        self.refreshes += 1
        self._cache[token_ref] = token
        return token

    def forget(self, token_ref: str) -> None:
        """Drop a cached token (a 401 with it, a disconnection)."""
        self._cache.pop(token_ref, None)


def with_access_token(tokens: AccessTokens, token_ref: str, deadline: Deadline, call: Callable[[AccessToken], T]) -> T:
    """`call` with the connection's access token. A 401 (AccessTokenRejected) with the cached
    token: forget it and call once more with a fresh one; refused again, the grant is gone."""
    try:
        return call(tokens.token_for(token_ref, deadline))
    except AccessTokenRejected:
        tokens.forget(token_ref)
    try:
        return call(tokens.token_for(token_ref, deadline))
    except AccessTokenRejected as exc:
        tokens.forget(token_ref)
        raise GrantRevoked("a fresh access token was refused too") from exc
