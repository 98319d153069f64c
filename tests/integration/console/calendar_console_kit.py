"""What the calendar section's tests share: the console on its parts with a Google Calendar
(devstack's protocol-level stand-in over real HTTP on loopback, reached through the real adapter)
and refresh tokens in moto's SSM; a business of each test's own with its members; accounts signed
in with their `sub`; the OAuth round trip as a browser makes it."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
from console_kit import PASSWORD, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient
from markupsafe import escape
from settings_kit import business

from devstack.fakes.google_calendar import FakeGoogleCalendar
from receptionist.adapters.calendar_tokens import SsmRefreshTokens
from receptionist.adapters.google_calendar import GoogleCalendar
from receptionist.calendar.tokens import RefreshTokens
from receptionist.console.services.calendar import CalendarAccess
from receptionist.console.wiring import CONSOLE_SCOPES

REDIRECT = "https://testserver/console/calendar/callback"
PAGE = "/console/calendar"


@dataclass
class Business:
    org: str
    members: list[str]  # member ids


@dataclass
class Signed:
    client: TestClient
    sub: str
    email: str


def new_business(console: Console, *names: str) -> Business:
    org = business(console)
    ids = [str(uuid.uuid4()) for _ in names]
    with psycopg.connect(console.owner_url) as conn:
        for member_id, name in zip(ids, names, strict=True):
            conn.execute("insert into members (id, organization_id, name) values (%s, %s, %s)", (member_id, org, name))
    return Business(org, ids)


def signed_in(console: Console, org: str, role: str = "owner") -> Signed:
    email = console.user(org, role)
    client = console.client()
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    assert answer.status_code == 303, answer.text
    finish_sign_in(client, answer.headers["location"])
    with psycopg.connect(console.owner_url) as conn:
        found = conn.execute("select sub from console_users where email = %s", (email,)).fetchone()
    assert found is not None
    return Signed(client, str(found[0]), email)


def link(console: Console, owner: Signed, account: Signed, member_id: str) -> Any:
    """The owner links `account` to the member, on the team page."""
    return owner.client.post(
        f"/console/team/{account.sub}/member",
        data={"member_id": member_id, "csrf_token": csrf(owner.client, PAGE)},  # one token for every page
    )


def said(page: str, sentence: str) -> bool:
    """The page shows the sentence (escaped as the templates escape it)."""
    return str(escape(sentence)) in page


def provider(google: FakeGoogleCalendar) -> GoogleCalendar:
    return GoogleCalendar(
        google.client_id,
        google.client_secret,
        oauth_url=google.oauth_url,
        token_url=google.token_url,
        api_url=google.api_url,
        scopes=CONSOLE_SCOPES,
    )


def access(google: FakeGoogleCalendar, tokens: RefreshTokens, tokens_path: str) -> CalendarAccess:
    built = provider(google)
    return CalendarAccess(provider=lambda: built, tokens=tokens, tokens_path=tokens_path, redirect_uri=REDIRECT)


def new_tokens_path() -> str:
    return f"/receptionist/t{uuid.uuid4().hex[:8]}/calendar/tokens"


def ssm_tokens(ssm: Any) -> SsmRefreshTokens:
    return SsmRefreshTokens(ssm)


def start(client: TestClient, member_id: str) -> Any:
    """Press "Conectar Google Calendar" for the member (the page's form, its CSRF token)."""
    return client.post(f"{PAGE}/{member_id}/connect", data={"csrf_token": csrf(client, PAGE)})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def consent(url: str) -> dict[str, str]:
    """The browser at Google's consent page (the stand-in consents at once): the query Google
    redirects back to the callback with (code and state, or error)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, timeout=5)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read()
        location = redirect.headers["Location"]
        assert location.startswith(REDIRECT), location
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    raise AssertionError("the authorization endpoint did not redirect")


def authorization_query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def callback(client: TestClient, answer: dict[str, str]) -> Any:
    return client.get("/console/calendar/callback", params=answer)


def connected(client: TestClient, member_id: str) -> Any:
    """The whole round trip: connect, consent, callback."""
    started = start(client, member_id)
    assert started.status_code == 303, started.text
    return callback(client, consent(started.headers["location"]))


def connection(console: Console, member_id: str) -> dict[str, Any] | None:
    with psycopg.connect(console.owner_url) as conn:
        cur = conn.execute(
            "select id::text, account, token_ref, status, organization_id::text as org, created_by, created_at"
            " from calendar_connections where member_id = %s",
            (member_id,),
        )
        found = cur.fetchone()
        if found is None:
            return None
        return dict(zip([d.name for d in cur.description or []], found, strict=True))


def parameters(ssm: Any, path: str) -> list[dict[str, Any]]:
    """Every parameter under the tokens' path (decrypted), as SSM lists them."""
    found: list[dict[str, Any]] = []
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path, WithDecryption=True):
        found.extend(page["Parameters"])
    return found


def with_calendar(console: Console, calendar: CalendarAccess | None) -> Any:
    return console.parts_changed(calendar=calendar)
