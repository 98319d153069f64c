"""How every console route reaches what it works with, read from the app itself (no database, no
AWS): the account, the role and the CSRF check come from dependencies, in that order, before the
database session; every route is a plain def (FastAPI runs it in its thread pool: the database and
AWS calls behind it block); the JSON API declares its models; routes neither open a transaction nor
write an audit line. And what those dependencies answer on their own: no session, a page goes to
sign in, a part of a page and the API get a 401; a post with a wrong token gets a 403, all before
the database is reached."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from receptionist.adapters.cognito import Identity, InvalidToken, SignInRefused
from receptionist.console import routers, security
from receptionist.console.app import create_app
from receptionist.console.dependencies import (
    ConsoleParts,
    OwnersOnly,
    business_account,
    csrf_checked,
    current_session,
    operator_account,
    session_if_signed_in,
    signed_in_account,
    tenant_session,
)
from receptionist.console.words import words
from receptionist.crm.connection import Database

# The routes that need no session: signing in, the language, the way home.
OPEN = {("GET", "/console"), ("GET", "/console/"), ("GET", "/console/login"), ("POST", "/console/login")}
OPEN |= {("GET", "/console/lang/{code}"), ("POST", "/console/logout")}
# The steps of signing in after the password, and a forgotten password: no session yet.
OPEN |= {(m, f"/console/login/{step}") for m in ("GET", "POST") for step in ("new-password", "code")}
# The console's own scripts (issue 31: Chart.js and the dashboard's), which hold no business's data.
OPEN |= {("GET", "/console/static/{name:path}")}
OPEN |= {("GET", "/console/password/forgot"), ("POST", "/console/password/forgot"), ("POST", "/console/password/reset")}
# The second factor's enrolment: a session that has not passed one yet (no account without it).
ENROLMENT = {("GET", "/console/mfa/setup"), ("POST", "/console/mfa/setup")}


class _Outbound:
    def send(self, job: Any, *, group: str, dedup_id: str) -> None:
        raise AssertionError("nothing is queued here")


def _no_token(token: str) -> Identity:
    raise InvalidToken("not a token of the pool")


class _NoSignIn:
    """The pool refuses every password (nothing else is reached here)."""

    def start(self, email: str, password: str) -> Any:
        raise SignInRefused("no")

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"no Cognito call {name} here")


_no_sign_in: Any = _NoSignIn()


@pytest.fixture
def parts() -> Iterator[ConsoleParts]:
    db = Database("postgresql://nobody@127.0.0.1:9/none")  # never reached: counted below
    yield ConsoleParts(db, _Outbound(), _no_sign_in, _no_token, lambda: "console-secret")
    assert db.connects == 0


def routes() -> list[APIRoute]:
    app = create_app(ConsoleParts(None, None, _no_sign_in, _no_token, str))  # type: ignore[arg-type]
    found = list(_flat(app.routes))
    assert found
    return found


def _flat(candidates: list[Any]) -> Iterator[APIRoute]:
    """The app's routes, those of included routers too (FastAPI keeps an included router whole)."""
    for route in candidates:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _flat(route.original_router.routes)


def calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """Every dependency of a route, in the order FastAPI solves them (sub-dependencies first)."""
    for sub in dependant.dependencies:
        yield from calls(sub)
        assert sub.call is not None
        yield sub.call


def named(route: APIRoute) -> list[tuple[str, str]]:
    return [(method, route.path) for method in sorted(route.methods)]


def test_the_console_has_its_routes() -> None:
    # As many as before they took their dependencies (GET /console and /console/: two), and issue 27's: the
    # handoff's 6, the templates page's three and the WhatsApp page's app id, signing in's new password and code
    # (4), a forgotten password (3), the account (2), the second factor's enrolment (2), the team (5); issue 28's
    # calendar section (page, connect, callback, disconnect, resolve) and the team's member link (6); issue 29's
    # no-show policy settings (page, save: 2), waitlist page and withdraw, its settings page and save (4),
    # recall settings (page and save: 2); issue 30's template per language on the reminder, waitlist and recall
    # settings pages (3), and a customer's language set by staff on the conversation page (1); issue 31's owner's
    # dashboard and its CSV (2), the console's static files (1), and the operator's costs page, its CSV and the
    # budget form (3).
    assert len(routes()) == 62 + 6 + 4 + 16 + 6 + 2 + 4 + 2 + 3 + 1 + 2 + 1 + 3


def test_every_route_is_a_plain_def() -> None:
    assert [r.path for r in routes() if inspect.iscoroutinefunction(r.endpoint)] == []


def test_every_route_but_signing_in_needs_a_session_and_every_post_its_csrf_token_first() -> None:
    for route in routes():
        solved = list(calls(route.dependant))
        for method, path in named(route):
            if (method, path) in OPEN:
                assert current_session not in solved or session_if_signed_in in solved, path
            elif (method, path) in ENROLMENT:
                assert current_session in solved and signed_in_account not in solved, path
            else:
                assert signed_in_account in solved, (method, path)
            if method == "POST":
                assert csrf_checked in solved, path
                if tenant_session in solved:  # the token is checked before the database is reached
                    assert solved.index(csrf_checked) < solved.index(tenant_session), path
                if current_session in solved:  # who is signed in first: a session that ended is not a 403
                    assert solved.index(current_session) < solved.index(csrf_checked), path


def test_each_section_says_who_may_use_it() -> None:
    for route in routes():
        solved = list(calls(route.dependant))
        owners = {c.code for c in solved if isinstance(c, OwnersOnly)}
        if route.path.startswith("/console/settings"):
            assert owners == {"set_owners_only"}, route.path
        elif route.path.startswith("/console/operator"):
            assert operator_account in solved and business_account not in solved, route.path
        elif route.path.startswith("/console/exports"):
            assert owners == {"export_owners_only"}, route.path
        elif route.path.endswith("/forget"):
            assert owners == {"privacy_owners_only"}, route.path
        elif route.path.startswith("/console/team"):
            assert owners == {"team_owners_only"}, route.path
        elif route.path.startswith("/console/dashboard"):
            assert business_account in solved and owners == {"dash_owners_only"}, route.path
        elif route.path.startswith("/console/account"):  # anyone's own account, an operator's too
            assert signed_in_account in solved and owners == set(), route.path
        elif (sorted(route.methods)[0], route.path) in ENROLMENT:
            assert business_account not in solved and owners == set(), route.path
        elif (sorted(route.methods)[0], route.path) not in OPEN:
            assert business_account in solved and owners == set(), route.path


def test_the_json_api_declares_what_it_answers() -> None:
    api = [r for r in routes() if r.path.startswith("/console/api/")]
    assert len(api) == 2 and all(r.response_model is not None for r in api)


def test_no_route_opens_a_transaction_or_writes_an_audit_line() -> None:
    sources = Path(routers.__file__).parent.rglob("*.py")
    touched = {
        p.name for p in sources if re.search(r"acting_for|transaction\(|record_audit|record_read", p.read_text())
    }
    assert touched == set()


# -- what the dependencies answer on their own ----------------------------------------------------
def test_without_a_session_a_page_goes_to_sign_in_and_a_part_or_the_api_gets_401(parts: ConsoleParts) -> None:
    client = TestClient(create_app(parts), base_url="https://testserver", follow_redirects=False)
    client.cookies.set("rc_session", "expired", domain="testserver.local", path="/console")
    assert client.get("/console/inbox").headers["location"] == "/console/login"
    assert client.get("/console/settings").headers["location"] == "/console/login"
    part = client.get("/console/inbox/rows")
    assert part.status_code == 401 and "Tu sesión ha terminado." in part.text
    assert client.get("/console/inbox", headers={"HX-Request": "true"}).status_code == 401
    api = client.get("/console/api/conversations")
    assert api.status_code == 401 and api.json()["sign_in"] == "/console/login"


def test_a_post_without_its_token_is_refused_before_anything(parts: ConsoleParts) -> None:
    client = TestClient(create_app(parts), base_url="https://testserver", follow_redirects=False)
    form = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None and security.CSRF_COOKIE in client.cookies
    refused = client.post("/console/login", data={"email": "a@example.com", "password": "x"})
    assert refused.status_code == 403 and words("es")["csrf"] in refused.text
    wrong = client.post("/console/login", data={"email": "a@example.com", "password": "x", "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    # With its token the post goes on (here: the pool refuses the password).
    answer = client.post(
        "/console/login", data={"email": "a@example.com", "password": "x", "csrf_token": token.group(1)}
    )
    assert answer.status_code == 401 and "Correo o contraseña incorrectos." in answer.text
