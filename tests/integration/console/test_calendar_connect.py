"""Connecting a member's Google Calendar from the console (docs/console.md, "Calendar"): the OAuth
code flow with state and PKCE S256 against devstack's Google stand-in (real HTTP, the real
adapter), the refresh token in moto's SSM as a SecureString, the connection row and its audit
line; a callback with a tampered state, from another session or too late stores nothing; who may
connect whose calendar; disconnecting; a broken connection shown and reconnected; the window
between the token stored and the row written."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from calendar_console_kit import (
    PAGE,
    REDIRECT,
    Business,
    access,
    authorization_query,
    callback,
    connected,
    connection,
    consent,
    link,
    new_business,
    new_tokens_path,
    parameters,
    provider,
    said,
    signed_in,
    ssm_tokens,
    start,
)
from console_kit import Console, csrf
from settings_kit import audit

from devstack.aws import moto_client
from devstack.fakes.google_calendar import FakeGoogleCalendar
from receptionist.calendar.provider import GrantRevoked
from receptionist.console import oauth
from receptionist.console.words import words
from receptionist.deadline import Deadline

ES, EN = words("es"), words("en")


@pytest.fixture
def google() -> Iterator[FakeGoogleCalendar]:
    with FakeGoogleCalendar() as fake:
        yield fake


@pytest.fixture
def ssm(moto_endpoint: str) -> Any:
    return moto_client("ssm", moto_endpoint, "us-east-1")


@pytest.fixture
def path() -> str:
    return new_tokens_path()


@pytest.fixture
def calendar(console: Console, google: FakeGoogleCalendar, ssm: Any, path: str) -> Iterator[None]:
    with console.parts_changed(calendar=access(google, ssm_tokens(ssm), path)):
        yield


@pytest.fixture
def clinic(console: Console) -> Business:
    return new_business(console, "Dra. Ruiz", "Dr. Soto")


def _no_trace(console: Console, ssm: Any, path: str, member_id: str) -> None:
    assert connection(console, member_id) is None
    assert parameters(ssm, path) == []


@pytest.mark.usefixtures("calendar")
def test_a_staff_member_connects_their_own_calendar_and_the_token_is_a_securestring(
    console: Console, google: FakeGoogleCalendar, ssm: Any, path: str, clinic: Business
) -> None:
    owner, staff = signed_in(console, clinic.org), signed_in(console, clinic.org, "staff")
    assert link(console, owner, staff, clinic.members[0]).status_code == 303
    page = staff.client.get(PAGE)
    assert page.status_code == 200 and said(page.text, ES["calendar_connect"]) and "Dra. Ruiz" in page.text
    assert "Dr. Soto" not in page.text  # staff see their own member only
    google.set_next_account("ruiz@clinica.example")

    started = start(staff.client, clinic.members[0])

    assert started.status_code == 303
    asked = authorization_query(started.headers["location"])
    assert started.headers["location"].startswith(google.oauth_url)
    assert (asked["access_type"], asked["prompt"], asked["code_challenge_method"]) == ("offline", "consent", "S256")
    assert asked["redirect_uri"] == REDIRECT and len(asked["state"]) >= 32
    assert set(asked["scope"].split()) == {
        "https://www.googleapis.com/auth/calendar.events",
        "https://www.googleapis.com/auth/calendar.events.freebusy",
        "openid",
        "email",
    }
    cookie = started.headers["set-cookie"]
    assert f"{oauth.FLOW_COOKIE}=" in cookie and f"Path={oauth.CALLBACK_PATH}" in cookie
    assert "HttpOnly" in cookie and "Secure" in cookie and "samesite=lax" in cookie.lower()
    assert asked["state"] not in cookie.split(";")[0].split(".")[-1]  # the seal's MAC is not the state

    done = callback(staff.client, consent(started.headers["location"]))

    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?notice=connected"
    row = connection(console, clinic.members[0])
    assert row is not None
    assert (row["account"], row["status"], row["org"], row["created_by"]) == (
        "ruiz@clinica.example",
        "connected",
        clinic.org,
        staff.email,
    )
    assert row["token_ref"] == f"{path}/{row['id']}"
    (stored,) = parameters(ssm, path)
    assert (stored["Name"], stored["Type"]) == (row["token_ref"], "SecureString")
    # The stored value is the grant's refresh token: it makes access tokens.
    assert provider(google).refresh(stored["Value"], Deadline.after(5)).value
    assert ("calendar_connected", clinic.members[0]) in [(a, t) for _, a, t in audit(console, clinic.org)]
    shown = staff.client.get(f"{PAGE}?notice=connected").text
    assert said(shown, ES["calendar_notice_connected"]) and "ruiz@clinica.example" in shown
    assert said(shown, ES["calendar_status_connected"]) and said(shown, ES["calendar_disconnect"])


@pytest.mark.usefixtures("calendar")
def test_a_tampered_state_is_refused_and_nothing_is_stored(
    console: Console, ssm: Any, path: str, clinic: Business
) -> None:
    owner = signed_in(console, clinic.org)
    started = start(owner.client, clinic.members[0])
    answer = consent(started.headers["location"])

    refused = callback(owner.client, {**answer, "state": answer["state"][:-2] + "xx"})

    assert refused.status_code == 400 and said(refused.text, ES["calendar_flow_mismatch"])
    _no_trace(console, ssm, path, clinic.members[0])
    # The flow is spent: the right state afterwards finds no flow.
    assert callback(owner.client, answer).status_code == 400
    _no_trace(console, ssm, path, clinic.members[0])


@pytest.mark.usefixtures("calendar")
def test_a_callback_in_another_session_is_refused_in_english_too(
    console: Console, ssm: Any, path: str, clinic: Business
) -> None:
    owner, other = signed_in(console, clinic.org), signed_in(console, clinic.org)
    started = start(owner.client, clinic.members[0])
    answer = consent(started.headers["location"])
    flow = owner.client.cookies.get(oauth.FLOW_COOKIE, path=oauth.CALLBACK_PATH)
    assert flow
    other.client.get("/console/lang/en")

    # Another browser with nothing of the flow: no flow at all.
    missing = callback(other.client, answer)
    assert missing.status_code == 400 and said(missing.text, EN["calendar_flow_expired"])
    # Another session holding this session's flow cookie (stolen, or the link opened elsewhere).
    other.client.cookies.set(oauth.FLOW_COOKIE, flow, domain="testserver.local", path=oauth.CALLBACK_PATH)
    stolen = callback(other.client, answer)
    assert stolen.status_code == 400 and said(stolen.text, EN["calendar_flow_mismatch"])
    _no_trace(console, ssm, path, clinic.members[0])


@pytest.mark.usefixtures("calendar")
def test_a_flow_older_than_its_ten_minutes_is_refused(console: Console, ssm: Any, path: str, clinic: Business) -> None:
    owner = signed_in(console, clinic.org)
    started = start(owner.client, clinic.members[0])
    answer = consent(started.headers["location"])
    later = datetime.now(UTC) + timedelta(seconds=oauth.FLOW_SECONDS + 1)

    with console.parts_changed(session_now=lambda: later):
        late = callback(owner.client, answer)

    assert late.status_code == 400 and said(late.text, ES["calendar_flow_expired"])
    _no_trace(console, ssm, path, clinic.members[0])


@pytest.mark.usefixtures("calendar")
def test_staff_connect_only_their_own_member_and_owners_any(console: Console, clinic: Business) -> None:
    owner, staff = signed_in(console, clinic.org), signed_in(console, clinic.org, "staff")
    unlinked = signed_in(console, clinic.org, "staff")
    link(console, owner, staff, clinic.members[0])

    other = start(staff.client, clinic.members[1])
    assert other.status_code == 403 and said(other.text, ES["calendar_own_only"])
    assert start(unlinked.client, clinic.members[0]).status_code == 403
    assert ES["calendar_no_member"] in unlinked.client.get(PAGE).text
    # Another business's member, or not an id: not found.
    stranger = new_business(console, "Ajeno")
    assert start(owner.client, stranger.members[0]).status_code == 404
    assert start(owner.client, "not-an-id").status_code == 404
    # The owner connects anyone of the business.
    assert connected(owner.client, clinic.members[1]).status_code == 303
    assert connection(console, clinic.members[1]) is not None


@pytest.mark.usefixtures("calendar")
def test_a_member_linked_to_one_account_only_and_unlinking_ends_the_right(console: Console, clinic: Business) -> None:
    owner = signed_in(console, clinic.org)
    first, second = signed_in(console, clinic.org, "staff"), signed_in(console, clinic.org, "staff")
    assert link(console, owner, first, clinic.members[0]).status_code == 303
    taken = link(console, owner, second, clinic.members[0])
    assert taken.status_code == 409 and said(taken.text, ES["team_member_taken"])
    # A staff account cannot link itself (the team page is the owner's).
    assert link(console, first, first, clinic.members[1]).status_code == 403
    assert link(console, owner, first, "").status_code == 303  # unlinked
    assert start(first.client, clinic.members[0]).status_code == 403
    lines = [a for _, a, _ in audit(console, clinic.org)]
    assert lines.count("team_member_linked") == 2


@pytest.mark.usefixtures("calendar")
def test_disconnecting_revokes_the_grant_and_deletes_the_token_and_the_row(
    console: Console, google: FakeGoogleCalendar, ssm: Any, path: str, clinic: Business
) -> None:
    owner = signed_in(console, clinic.org)
    google.set_next_account("soto@clinica.example")
    connected(owner.client, clinic.members[0])
    (stored,) = parameters(ssm, path)
    # The sync watches the calendar (a push channel, kept on the row).
    google_api = provider(google)
    token = google_api.refresh(stored["Value"], Deadline.after(5))
    row = connection(console, clinic.members[0])
    assert row is not None
    channel = google_api.watch(
        token,
        "primary",
        channel_id=f"{row['id']}-1",
        channel_token="channel-token",
        address="http://127.0.0.1:9/calendar/google/notifications",
        expires_at=datetime.now(UTC) + timedelta(days=1),
        deadline=Deadline.after(5),
    )
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "update calendar_connections set channel_id = %s, channel_resource_id = %s, channel_expires_at = %s"
            " where id = %s",
            (channel.id, channel.resource_id, channel.expires_at, row["id"]),
        )
    assert google.live_channels("soto@clinica.example") == [channel.id]

    gone = owner.client.post(f"{PAGE}/{clinic.members[0]}/disconnect", data={"csrf_token": csrf(owner.client, PAGE)})

    assert gone.status_code == 303 and gone.headers["location"] == f"{PAGE}?notice=disconnected"
    assert google.live_channels("soto@clinica.example") == []  # stopped
    with pytest.raises(GrantRevoked):
        provider(google).refresh(stored["Value"], Deadline.after(5))
    _no_trace(console, ssm, path, clinic.members[0])
    assert ("calendar_disconnected", clinic.members[0]) in [(a, t) for _, a, t in audit(console, clinic.org)]
    page = owner.client.get(PAGE).text
    assert re.search(rf'data-member="{clinic.members[0]}" data-status="none"', page)


@pytest.mark.usefixtures("calendar")
def test_a_broken_connection_is_shown_and_reconnecting_overwrites_the_same_token(
    console: Console, ssm: Any, path: str, clinic: Business
) -> None:
    owner = signed_in(console, clinic.org)
    connected(owner.client, clinic.members[0])
    before = connection(console, clinic.members[0])
    assert before is not None
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "update calendar_connections set status = 'broken', broken_reason = 'grant_revoked', broken_at = now()"
            " where member_id = %s",
            (clinic.members[0],),
        )

    page = owner.client.get(PAGE).text
    assert said(page, ES["calendar_status_broken"]) and said(page, ES["calendar_reason_grant_revoked"])
    assert said(page, ES["calendar_reconnect"]) and said(page, ES["calendar_broken_note"])
    assert ES["calendar_attention"].format(conflicts=0, broken=1) in owner.client.get("/console/inbox").text

    assert connected(owner.client, clinic.members[0]).status_code == 303

    after = connection(console, clinic.members[0])
    assert after is not None and after["status"] == "connected"
    assert (after["id"], after["token_ref"]) == (before["id"], before["token_ref"])
    assert after["created_at"] > before["created_at"]  # a new grant: its breakage would be told again
    (stored,) = parameters(ssm, path)
    assert stored["Version"] == 2  # the same parameter, overwritten
    assert "calendar_reconnected" in [a for _, a, _ in audit(console, clinic.org)]


def _refuse_rows_for(console: Console, member_id: str) -> str:
    """A database that refuses to write this member's connection (a trigger): the write fails
    after the token was stored."""
    name = f"refuse_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            f"create function {name}() returns trigger language plpgsql as $$ begin"
            f" if new.member_id = '{member_id}' then raise exception 'refused by the test'; end if;"
            " return new; end $$"
        )
        conn.execute(f"create trigger {name} before insert or update on calendar_connections"
                     f" for each row execute function {name}()")  # fmt: skip
    return name


def _allow_again(console: Console, name: str) -> None:
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(f"drop trigger {name} on calendar_connections")
        conn.execute(f"drop function {name}()")


@pytest.mark.usefixtures("calendar")
def test_a_row_that_cannot_be_written_deletes_the_token_just_stored(
    console: Console, ssm: Any, path: str, clinic: Business
) -> None:
    owner = signed_in(console, clinic.org)
    trigger = _refuse_rows_for(console, clinic.members[0])
    try:
        with pytest.raises(psycopg.errors.RaiseException):
            connected(owner.client, clinic.members[0])
    finally:
        _allow_again(console, trigger)

    _no_trace(console, ssm, path, clinic.members[0])


class _DiesBeforeCleaning:
    """The token store of a run that stops right after the row's write failed: its put lands, its
    delete never happens."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def put(self, ref: str, refresh_token: str) -> None:
        self.inner.put(ref, refresh_token)

    def get(self, ref: str) -> str:
        return str(self.inner.get(ref))

    def delete(self, ref: str) -> None:
        raise RuntimeError("the Lambda was stopped")


def test_a_token_left_by_a_run_that_stopped_is_overwritten_by_the_next_connect(
    console: Console, google: FakeGoogleCalendar, ssm: Any, path: str, clinic: Business
) -> None:
    owner = signed_in(console, clinic.org)
    trigger = _refuse_rows_for(console, clinic.members[0])
    try:
        dying = access(google, _DiesBeforeCleaning(ssm_tokens(ssm)), path)
        with console.parts_changed(calendar=dying), pytest.raises(psycopg.errors.RaiseException):
            connected(owner.client, clinic.members[0])
    finally:
        _allow_again(console, trigger)
    (orphan,) = parameters(ssm, path)

    with console.parts_changed(calendar=access(google, ssm_tokens(ssm), path)):
        assert connected(owner.client, clinic.members[0]).status_code == 303

    row = connection(console, clinic.members[0])
    assert row is not None
    (stored,) = parameters(ssm, path)  # still one parameter: the same name, written again
    assert stored["Name"] == orphan["Name"] == row["token_ref"] and stored["Version"] == 2
    assert stored["Value"] != orphan["Value"]


def test_without_a_google_client_the_section_says_so(console: Console, clinic: Business) -> None:
    owner = signed_in(console, clinic.org)
    with console.parts_changed(calendar=None):
        page = owner.client.get(PAGE)
        refused = start(owner.client, clinic.members[0])
    assert page.status_code == 200 and said(page.text, ES["calendar_unavailable"])
    assert refused.status_code == 503 and said(refused.text, ES["calendar_unavailable"])


@pytest.mark.usefixtures("calendar")
def test_a_denied_consent_stores_nothing(
    console: Console, google: FakeGoogleCalendar, ssm: Any, path: str, clinic: Business
) -> None:
    owner = signed_in(console, clinic.org)
    google.deny_next_consent()
    started = start(owner.client, clinic.members[0])

    denied = callback(owner.client, consent(started.headers["location"]))

    assert denied.status_code == 400 and said(denied.text, ES["calendar_denied"])
    _no_trace(console, ssm, path, clinic.members[0])


@pytest.mark.usefixtures("calendar")
def test_removing_a_staff_account_disconnects_its_members_calendar(
    console: Console, google: FakeGoogleCalendar, ssm: Any, path: str, clinic: Business
) -> None:
    owner, staff = signed_in(console, clinic.org), signed_in(console, clinic.org, "staff")
    link(console, owner, staff, clinic.members[0])
    connected(staff.client, clinic.members[0])
    (stored,) = parameters(ssm, path)

    removed = owner.client.post(f"/console/team/{staff.sub}/remove", data={"csrf_token": csrf(owner.client, PAGE)})

    assert removed.status_code == 303
    _no_trace(console, ssm, path, clinic.members[0])
    with pytest.raises(GrantRevoked):
        provider(google).refresh(stored["Value"], Deadline.after(5))
    lines = [a for _, a, _ in audit(console, clinic.org)]
    assert lines.index("calendar_disconnected") < lines.index("team_removed")
