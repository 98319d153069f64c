"""Helpers of the calendar integration tests: PKCE, a browser's consent, a push receiver, a clock."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from devstack.fakes.base import FakeServer, Recorded, Reply
from receptionist.calendar.provider import AccessToken, Grant

REDIRECT = "http://127.0.0.1:9/console/calendar/callback"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def pkce() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def consent(url: str) -> dict[str, str]:
    """Follow an authorization URL as the browser would; the redirect's query (code, state or error)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, timeout=5)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read()
        location = redirect.headers["Location"]
        assert location.startswith(REDIRECT)
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    raise AssertionError("the authorization endpoint did not redirect")


@dataclass
class Connected:
    account: str
    grant: Grant

    @property
    def token(self) -> AccessToken:
        return AccessToken(self.grant.access_token, self.grant.expires_at)


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Receiver(FakeServer):
    """Where push notifications arrive (the HTTP API's route, here): records, answers 200."""

    name = "push-receiver"

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Condition()

    def answer(self, request: Recorded) -> Reply:
        with self.arrived:
            self.arrived.notify_all()
        return Reply(200)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received()) >= count, timeout)
        return self.received()
