"""The Google Calendar adapter against devstack's stand-in, over real HTTP on loopback: each test
connects its own Google account (its own calendar) through the OAuth code flow with PKCE (helpers
in google_calendar_kit.py)."""

from __future__ import annotations

import itertools
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The tests run with --import-mode=importlib: make the kit importable by name.
sys.path.insert(0, str(Path(__file__).parent))

from google_calendar_kit import REDIRECT, Connected, FakeClock, Receiver, consent, pkce

from devstack.fakes.google_calendar import FakeGoogleCalendar
from receptionist.adapters.google_calendar import GoogleCalendar
from receptionist.deadline import Deadline

_accounts = itertools.count(1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def google(clock: FakeClock) -> Iterator[FakeGoogleCalendar]:
    with FakeGoogleCalendar(page_size=2, clock=clock) as fake:  # pages of two: paging is exercised
        yield fake


@pytest.fixture
def provider(google: FakeGoogleCalendar) -> GoogleCalendar:
    return GoogleCalendar(
        google.client_id,
        google.client_secret,
        oauth_url=google.oauth_url,
        token_url=google.token_url,
        api_url=google.api_url,
    )


@pytest.fixture
def connect(google: FakeGoogleCalendar, provider: GoogleCalendar) -> Callable[[], Connected]:
    """A new Google account connected through the whole code flow."""

    def made() -> Connected:
        account = f"gcal-it-{next(_accounts)}-{secrets.token_hex(3)}@calendar.local"
        google.set_next_account(account)
        verifier, challenge = pkce()
        answer = consent(provider.authorization_url(state="st", code_challenge=challenge, redirect_uri=REDIRECT))
        grant = provider.exchange_code(
            answer["code"], code_verifier=verifier, redirect_uri=REDIRECT, deadline=Deadline.after(5)
        )
        return Connected(account, grant)

    return made


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server
