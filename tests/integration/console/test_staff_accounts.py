"""Issue 27, points 1-4, on real parts (moto's Cognito with TOTP codes checked, PostgreSQL as the
console's role): an owner's team (invite, disable, enable, remove, change role; the last owner
kept, by the page and by the database), the first sign-in's new password, changing and resetting
a password, TOTP enrolment and sign-in with a real TOTP implementation (pyotp), signing out that
revokes the refresh token, access that ends at the next request once an account is disabled or
removed, and idle sessions ended on an injected clock. Each test makes its own business."""

from __future__ import annotations

import html
import re
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from botocore.exceptions import ClientError
from console_kit import PASSWORD, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient
from settings_kit import audit, business, post, row

from devstack import authenticator
from devstack.mailbox import cognito_mail
from receptionist.console.words import words

NEW_PASSWORD = "Nueva-Clave-2026x"
ES, EN = words("es"), words("en")


def _health(console: Console, organization: str) -> None:
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update organizations set health = true where id = %s", (organization,))


def _owner(console: Console, organization: str) -> tuple[str, TestClient]:
    """The business's owner, signed in (enrolled in TOTP on the way, as every owner must)."""
    email = console.user(organization, "owner")
    client = console.client()
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    assert answer.status_code == 303, answer.text
    assert finish_sign_in(client, answer.headers["location"]) == "/console/inbox"
    return email, client


def _sub(console: Console, email: str) -> str:
    found = row(console, "select sub from console_users where email = %s", email)
    assert found is not None
    return str(found[0])


def _mail(console: Console, email: str) -> dict[str, Any]:
    return cognito_mail(console.idp.meta.endpoint_url, email)


def _login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/console/login", data={"email": email, "password": password, "csrf_token": csrf(client)})


def _invited(console: Console, owner: TestClient, role: str = "staff") -> str:
    email = f"colega-{uuid.uuid4().hex[:8]}@example.com"
    answer = post(owner, "/console/team/invite", "/console/team", email=email.upper(), role=role)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/team?notice=invited", answer.text
    return email


def _first_sign_in(console: Console, email: str) -> TestClient:
    """The invited colleague's first sign-in with the e-mailed temporary password and a new one."""
    temporary = _mail(console, email)["temporary_password"]
    assert temporary
    client = console.client()
    answer = _login(client, email, temporary)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login/new-password"
    answer = post(
        client,
        "/console/login/new-password",
        "/console/login/new-password",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert answer.status_code == 303, answer.text
    finish_sign_in(client, answer.headers["location"])
    return client


@contextmanager
def _cognito_calls(console: Console) -> Iterator[list[str]]:
    """The Cognito API calls the console makes meanwhile (its client is the test's)."""
    seen: list[str] = []

    def count(model: Any, **_: Any) -> None:
        seen.append(model.name)

    console.idp.meta.events.register("before-call.cognito-identity-provider", count)
    try:
        yield seen
    finally:
        console.idp.meta.events.unregister("before-call.cognito-identity-provider", count)


# -- 1. accounts by the owner ----------------------------------------------------------------------
def test_an_owner_invites_a_colleague_who_chooses_a_password_at_first_sign_in(console: Console) -> None:
    org = business(console)
    owner_email, owner = _owner(console, org)

    email = _invited(console, owner)

    user = console.idp.admin_get_user(UserPoolId=console.pool, Username=email)
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    page = owner.get("/console/team")
    assert f'data-email="{email}" data-role="staff" data-active="true"' in page.text
    assert ("team_invited", email) in [(a[1], a[2]) for a in audit(console, org)]
    temporary = _mail(console, email)["temporary_password"]
    assert temporary and temporary not in str(row(console, "select array_agg(details::text) from audit_log"))

    # The first sign-in asks for a new password; one typed differently twice, or too weak, is a sentence.
    client = console.client()
    assert _login(client, email, temporary).headers["location"] == "/console/login/new-password"
    page = "/console/login/new-password"
    mismatch = post(client, page, page, password=NEW_PASSWORD, confirm=NEW_PASSWORD + "!")
    assert mismatch.status_code == 400 and ES["password_mismatch"] in mismatch.text
    weak = post(client, page, page, password="corta", confirm="corta")
    assert weak.status_code == 400 and ES["password_policy"] in weak.text
    done = post(client, page, page, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/console/inbox"  # staff, no health data
    assert client.get("/console/inbox").status_code == 200
    assert console.idp.admin_get_user(UserPoolId=console.pool, Username=email)["UserStatus"] == "CONFIRMED"
    actions = [(a[0], a[1]) for a in audit(console, org)]
    assert (owner_email, "team_invited") in actions
    lines = row(console, "select array_agg(action order by id) from audit_log where actor = %s", email)
    assert lines is not None and lines[0] == ["password_set", "sign_in"]


def test_an_invitation_that_stopped_after_cognito_is_finished_by_the_next(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = business(console)
    _, owner = _owner(console, org)
    email = f"colega-{uuid.uuid4().hex[:8]}@example.com"
    from receptionist.console.services import team as team_service

    def fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away after Cognito's invitation")

    with monkeypatch.context() as patched:
        patched.setattr(team_service, "record_audit", fails)
        with pytest.raises(RuntimeError):
            post(owner, "/console/team/invite", "/console/team", email=email, role="staff")
    assert (
        row(console, "select 1 from console_users where email = %s", email) is None
    )  # the row's transaction rolled back
    first = _mail(console, email)["temporary_password"]
    assert first  # the invitation went out

    again = post(owner, "/console/team/invite", "/console/team", email=email, role="staff")

    assert again.status_code == 303
    users = console.idp.list_users(UserPoolId=console.pool, Filter=f'email = "{email}"')["Users"]
    assert len(users) == 1 and _mail(console, email)["temporary_password"] == first  # reused: no second e-mail
    assert _sub(console, email) == next(a["Value"] for a in users[0]["Attributes"] if a["Name"] == "sub")
    _first_sign_in(console, email)


def test_the_last_owner_cannot_be_removed_disabled_or_demoted(console: Console) -> None:
    org = business(console)
    owner_email, owner = _owner(console, org)
    me = _sub(console, owner_email)
    before = audit(console, org)

    for path, fields in (
        (f"/console/team/{me}/remove", {}),
        (f"/console/team/{me}/disable", {}),
        (f"/console/team/{me}/role", {"role": "staff"}),
    ):
        answer = post(owner, path, "/console/team", **fields)
        assert answer.status_code == 409 and ES["team_last_owner"] in answer.text, path

    assert row(console, "select role, active from console_users where sub = %s", me) == ("owner", True)
    assert audit(console, org) == before
    assert owner.get("/console/team").status_code == 200
    # The database refuses it whoever asks (here the tables' owner, by hand).
    with psycopg.connect(console.owner_url) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute("update console_users set role = 'staff' where sub = %s", (me,))
    assert refused.value.sqlstate == "RC411"
    with psycopg.connect(console.owner_url) as conn, pytest.raises(psycopg.Error):
        conn.execute("delete from console_users where sub = %s", (me,))
    # With a second owner, one of them can go.
    second = _invited(console, owner, role="owner")
    assert post(owner, f"/console/team/{me}/role", "/console/team", role="staff").status_code == 303
    assert row(console, "select role from console_users where sub = %s", me) == ("staff",)
    assert ("team_role_changed", owner_email) in [(a[1], a[2]) for a in audit(console, org)]
    assert _sub(console, second)


def test_two_owners_demoting_each_other_at_once_leave_one(console: Console) -> None:
    """The keep_an_owner trigger serializes a business's owner changes on its organization row."""
    org = business(console)
    first, second = console.user(org, "owner"), console.user(org, "owner")
    with psycopg.connect(console.owner_url) as a, psycopg.connect(console.owner_url) as b:
        a.execute("update console_users set role = 'staff' where email = %s", (first,))  # A's transaction, open
        b.execute("set lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):  # B waits for A's decision...
            b.execute("update console_users set role = 'staff' where email = %s", (second,))
        b.rollback()
        a.commit()
        with pytest.raises(psycopg.Error) as refused:  # ...and once A is in, B is refused
            b.execute("update console_users set role = 'staff' where email = %s", (second,))
        assert refused.value.sqlstate == "RC411"
    owners = row(console, "select count(*) from console_users where organization_id = %s and role = 'owner'", org)
    assert owners == (1,)


def test_a_disabled_account_is_refused_at_its_next_request_and_enabled_again(console: Console) -> None:
    org = business(console)
    owner_email, owner = _owner(console, org)
    email = _invited(console, owner)
    colleague = _first_sign_in(console, email)
    sub = _sub(console, email)
    assert colleague.get("/console/inbox").status_code == 200

    assert post(owner, f"/console/team/{sub}/disable", "/console/team").status_code == 303

    assert colleague.get("/console/inbox").headers["location"] == "/console/login"  # its very next request
    assert colleague.get("/console/api/conversations").status_code == 401
    assert console.idp.admin_get_user(UserPoolId=console.pool, Username=email)["Enabled"] is False
    again = _login(console.client(), email, NEW_PASSWORD)
    assert again.status_code == 401 and ES["sign_in_refused"] in again.text
    assert 'data-active="false"' in owner.get("/console/team").text

    assert post(owner, f"/console/team/{sub}/enable", "/console/team").status_code == 303
    client = console.client()
    assert _login(client, email, NEW_PASSWORD).headers["location"] == "/console/inbox"
    actions = [(a[0], a[1], a[2]) for a in audit(console, org)]
    assert (owner_email, "team_disabled", email) in actions and (owner_email, "team_enabled", email) in actions


def test_a_removed_account_is_gone_from_the_console_and_cognito(console: Console) -> None:
    org = business(console)
    owner_email, owner = _owner(console, org)
    email = _invited(console, owner)
    colleague = _first_sign_in(console, email)
    sub = _sub(console, email)

    answer = post(owner, f"/console/team/{sub}/remove", "/console/team")

    assert answer.status_code == 303 and answer.headers["location"] == "/console/team?notice=removed"
    assert colleague.get("/console/inbox").headers["location"] == "/console/login"
    assert row(console, "select 1 from console_users where sub = %s", sub) is None
    assert row(console, "select count(*) from console_sessions where sub = %s", sub) == (0,)
    assert console.idp.list_users(UserPoolId=console.pool, Filter=f'email = "{email}"')["Users"] == []
    assert (owner_email, "team_removed", email) in [(a[0], a[1], a[2]) for a in audit(console, org)]


def test_only_an_owner_manages_the_team_and_only_their_own(console: Console) -> None:
    org, other = business(console), business(console)
    _, owner = _owner(console, org)
    theirs_email, _theirs = _owner(console, other)
    staff = console.signed_in(org, "staff")
    for path in ("/console/team",):
        page = staff.get(path)
        assert page.status_code == 403 and ES["team_owners_only"] in page.text
    refused = staff.post(
        "/console/team/invite",
        data={"csrf_token": csrf(staff, "/console/inbox"), "email": "x@example.com", "role": "owner"},
    )
    assert refused.status_code == 403
    # Another business's member: not found, nothing changed.
    theirs = _sub(console, theirs_email)
    answer = post(owner, f"/console/team/{theirs}/disable", "/console/team")
    assert answer.status_code == 404 and ES["team_not_found"] in answer.text
    assert row(console, "select active from console_users where sub = %s", theirs) == (True,)
    # Without the CSRF token, nothing.
    assert owner.post("/console/team/invite", data={"email": "y@example.com", "role": "staff"}).status_code == 403
    # Bad values are sentences, in English too.
    owner.cookies.set("rc_lang", "en", domain="testserver.local", path="/console")
    bad = post(owner, "/console/team/invite", "/console/team", email="not-an-email", role="staff")
    assert bad.status_code == 400 and EN["email_format"] in bad.text
    role = post(owner, "/console/team/invite", "/console/team", email="z@example.com", role="admin")
    assert role.status_code == 400 and EN["team_bad_role"] in role.text


# -- 2. passwords ----------------------------------------------------------------------------------
def test_a_signed_in_account_changes_its_password(console: Console) -> None:
    org = business(console)
    email = console.user(org, "staff")
    client = console.client()
    assert _login(client, email, PASSWORD).headers["location"] == "/console/inbox"
    page = "/console/account"

    wrong = post(
        client,
        "/console/account/password",
        page,
        current="Otra-Clave-2026",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert wrong.status_code == 401 and ES["current_password_wrong"] in wrong.text
    done = post(
        client, "/console/account/password", page, current=PASSWORD, password=NEW_PASSWORD, confirm=NEW_PASSWORD
    )

    assert done.status_code == 303 and done.headers["location"] == "/console/account?notice=saved"
    assert _login(console.client(), email, PASSWORD).status_code == 401
    assert _login(console.client(), email, NEW_PASSWORD).status_code == 303
    assert row(console, "select target from audit_log where actor = %s and action = 'password_changed'", email) == (
        None,
    )


def test_a_forgotten_password_is_reset_with_the_emailed_code(console: Console) -> None:
    org = business(console)
    email = console.user(org, "staff")
    client = console.client()
    client.cookies.set("rc_lang", "en", domain="testserver.local", path="/console")

    asked = post(client, "/console/password/forgot", "/console/password/forgot", email=email)
    assert asked.status_code == 200 and EN["code_sent"] in asked.text
    code = _mail(console, email)["reset_code"]
    assert code
    # The same page for an e-mail with no account (the pool does not say).
    unknown = post(client, "/console/password/forgot", "/console/password/forgot", email="nadie@example.com")
    assert unknown.status_code == 200 and EN["code_sent"] in unknown.text

    wrong = post(
        client,
        "/console/password/reset",
        "/console/password/forgot",
        email=email,
        code="moto-confirmation-code:000000",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert wrong.status_code == 401 and EN["code_refused"] in wrong.text
    assert _login(console.client(), email, PASSWORD).status_code == 303  # unchanged
    done = post(
        client,
        "/console/password/reset",
        "/console/password/forgot",
        email=email,
        code=code,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )

    assert done.status_code == 303 and done.headers["location"] == "/console/login?notice=password_reset"
    assert EN["password_reset"] in client.get(done.headers["location"]).text
    assert _login(console.client(), email, NEW_PASSWORD).status_code == 303


# -- 3. a second factor ----------------------------------------------------------------------------
def test_an_owner_enrols_totp_before_anything_and_then_signs_in_with_a_code(console: Console) -> None:
    org = business(console)
    email = console.user(org, "owner")
    client = console.client()
    with _cognito_calls(console) as first:
        answer = _login(client, email, PASSWORD)
    assert answer.headers["location"] == "/console/mfa/setup"
    assert first == ["InitiateAuth"]
    assert client.get("/console/inbox").headers["location"] == "/console/mfa/setup"  # nothing else before it
    assert client.get("/console/team").headers["location"] == "/console/mfa/setup"

    page = client.get("/console/mfa/setup")
    assert page.headers["cache-control"] == "no-store"
    qr = re.search(r'src="data:image/svg\+xml;charset=utf-8,([^"]+)"', page.text)
    secret = re.search(r'id="mfa-secret">([^<]+)<', page.text)
    assert qr and secret and urllib.parse.unquote(html.unescape(qr.group(1))).startswith("<svg xmlns=")
    wrong = post(
        client,
        "/console/mfa/setup",
        "/console/mfa/setup",
        code="000000" if authenticator.code(secret.group(1)) != "000000" else "111111",
    )
    assert wrong.status_code == 401 and ES["code_refused"] in wrong.text
    assert client.get("/console/inbox").headers["location"] == "/console/mfa/setup"  # still not active
    done = client.post(
        "/console/mfa/setup",
        data={"code": authenticator.code(secret.group(1)), "csrf_token": csrf(client, "/console/login")},
    )
    assert done.status_code == 303 and done.headers["location"] == "/console/inbox"
    assert client.get("/console/inbox").status_code == 200
    assert row(console, "select 1 from audit_log where actor = %s and action = 'mfa_enabled'", email)
    assert secret.group(1).replace(" ", "") not in str(row(console, "select array_agg(details::text) from audit_log"))

    # From now on the password alone is not enough.
    again = console.client()
    with _cognito_calls(console) as second:
        answer = _login(again, email, PASSWORD)
        assert answer.headers["location"] == "/console/login/code"
        assert again.get("/console/inbox").headers["location"] == "/console/login"
        refused = post(again, "/console/login/code", "/console/login/code", code="12345")
        assert refused.status_code == 400 and ES["code_format"] in refused.text
        signed = post(again, "/console/login/code", "/console/login/code", code=authenticator.code(secret.group(1)))
    assert signed.status_code == 303 and signed.headers["location"] == "/console/inbox"
    assert second == ["InitiateAuth", "RespondToAuthChallenge"]
    assert again.get("/console/inbox").status_code == 200


def test_a_forged_or_stale_challenge_cookie_goes_back_to_sign_in(console: Console) -> None:
    client = console.client()
    client.cookies.set(
        "rc_pending", "eyJjIjoiU09GVFdBUkVfVE9LRU5fTUZBIn0.forged", domain="testserver.local", path="/console/login"
    )
    assert client.get("/console/login/code").headers["location"] == "/console/login"
    answer = post(client, "/console/login/code", "/console/login", code="123456")
    assert answer.status_code == 401 and ES["challenge_expired"] in answer.text


def test_staff_need_a_second_factor_where_the_business_says_so(console: Console) -> None:
    plain, clinic = business(console), business(console)
    _health(console, clinic)
    plain_staff, clinic_staff = console.user(plain, "staff"), console.user(clinic, "staff")
    assert _login(console.client(), plain_staff, PASSWORD).headers["location"] == "/console/inbox"
    assert _login(console.client(), clinic_staff, PASSWORD).headers["location"] == "/console/mfa/setup"  # health

    # The owner of the plain business turns it on: its staff enrol at their next sign-in.
    owner_email, owner = _owner(console, plain)
    assert 'id="staff-mfa" checked' not in owner.get("/console/team").text
    assert post(owner, "/console/team/mfa", "/console/team", required="on").status_code == 303
    assert 'id="staff-mfa" checked' in owner.get("/console/team").text
    assert _login(console.client(), plain_staff, PASSWORD).headers["location"] == "/console/mfa/setup"
    assert (owner_email, "team_staff_mfa") in [(a[0], a[1]) for a in audit(console, plain)]


# -- 4. access ends when it should -----------------------------------------------------------------
def test_signing_out_revokes_the_refresh_token_and_the_session(console: Console) -> None:
    org = business(console)
    email = console.user(org, "staff")
    client = console.client()
    assert _login(client, email, PASSWORD).headers["location"] == "/console/inbox"
    kept = dict(client.cookies)
    elsewhere = console.client()  # the same account in another browser
    assert _login(elsewhere, email, PASSWORD).headers["location"] == "/console/inbox"
    # The same account on another device, holding a refresh token.
    other = console.idp.initiate_auth(
        ClientId=_client_id(console),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    with _cognito_calls(console) as calls:
        answer = client.post("/console/logout", data={"csrf_token": csrf(client, "/console/inbox")})
    assert answer.status_code == 303 and "GlobalSignOut" in calls

    with pytest.raises(console.idp.exceptions.NotAuthorizedException):
        console.idp.initiate_auth(
            ClientId=_client_id(console),
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": other["RefreshToken"]},
        )
    with pytest.raises(console.idp.exceptions.NotAuthorizedException):
        console.idp.get_user(AccessToken=kept["rc_access"])
    replayed = console.client()
    for name, value in kept.items():
        replayed.cookies.set(name, value, domain="testserver.local", path="/console")
    assert replayed.get("/console/inbox").headers["location"] == "/console/login"  # the ID token alone is not enough
    assert elsewhere.get("/console/inbox").headers["location"] == "/console/login"  # signed out everywhere


def test_an_idle_session_ends_after_the_configured_time(console: Console) -> None:
    org = business(console)
    email = console.user(org, "staff")
    now = [datetime(2026, 12, 8, 9, 0, tzinfo=UTC)]
    with console.parts_changed(session_now=lambda: now[0], idle=timedelta(minutes=30)):
        client = console.client()
        assert _login(client, email, PASSWORD).status_code == 303
        now[0] += timedelta(minutes=29)
        assert client.get("/console/inbox").status_code == 200  # used: the idle time starts again
        now[0] += timedelta(minutes=29)
        assert client.get("/console/inbox").status_code == 200
        now[0] += timedelta(minutes=30)
        assert client.get("/console/inbox").headers["location"] == "/console/login"
        assert client.get("/console/inbox/rows").status_code == 401


def _client_id(console: Console) -> str:
    clients = console.idp.list_user_pool_clients(UserPoolId=console.pool, MaxResults=10)["UserPoolClients"]
    return str(clients[0]["ClientId"])


# -- the windows between Cognito and the CRM -------------------------------------------------------
class _CognitoDown:
    """The staff pool's administration, with the named calls failing as a Cognito outage would."""

    def __init__(self, pool: Any, *failing: str) -> None:
        self._pool, self._failing = pool, set(failing)

    def __getattr__(self, name: str) -> Any:
        if name in self._failing:

            def down(*args: Any, **kwargs: Any) -> None:
                raise ClientError({"Error": {"Code": "InternalErrorException", "Message": "down"}}, name)

            return down
        return getattr(self._pool, name)


def test_a_disable_whose_cognito_call_fails_still_ends_access_and_says_so(console: Console) -> None:
    org = business(console)
    _, owner = _owner(console, org)
    email = _invited(console, owner)
    colleague = _first_sign_in(console, email)
    sub = _sub(console, email)
    pool = console.app.state.parts.accounts

    with console.parts_changed(accounts=_CognitoDown(pool, "disable")):
        answer = post(owner, f"/console/team/{sub}/disable", "/console/team")

    assert answer.status_code == 503 and ES["team_cognito_failed"] in answer.text
    assert colleague.get("/console/inbox").headers["location"] == "/console/login"  # the row went first
    assert _login(console.client(), email, NEW_PASSWORD).status_code == 403  # Cognito let it in; the console not
    # Cognito back: disabling again finishes it there too.
    assert post(owner, f"/console/team/{sub}/disable", "/console/team").status_code == 303
    assert console.idp.admin_get_user(UserPoolId=console.pool, Username=email)["Enabled"] is False


def test_a_removal_whose_cognito_deletion_fails_leaves_a_disabled_user_a_new_invitation_reuses(
    console: Console,
) -> None:
    org = business(console)
    _, owner = _owner(console, org)
    email = _invited(console, owner)
    _first_sign_in(console, email)
    sub = _sub(console, email)
    pool = console.app.state.parts.accounts

    with console.parts_changed(accounts=_CognitoDown(pool, "delete")):
        answer = post(owner, f"/console/team/{sub}/remove", "/console/team")

    assert answer.status_code == 303  # removed from the business: that is what the owner asked
    assert row(console, "select 1 from console_users where sub = %s", sub) is None
    user = console.idp.admin_get_user(UserPoolId=console.pool, Username=email)
    assert user["Enabled"] is False  # disabled and signed out before the row went
    assert _login(console.client(), email, NEW_PASSWORD).status_code == 401
    # Invited again: the same user, enabled, with its account back.
    assert post(owner, "/console/team/invite", "/console/team", email=email, role="staff").status_code == 303
    assert _sub(console, email) == sub
    assert _login(console.client(), email, NEW_PASSWORD).headers["location"] == "/console/inbox"


def test_signing_out_while_cognito_is_down_still_ends_the_session(console: Console) -> None:
    org = business(console)
    email = console.user(org, "staff")
    client = console.client()
    assert _login(client, email, PASSWORD).headers["location"] == "/console/inbox"
    kept = dict(client.cookies)
    calls = console.app.state.parts.cognito

    with console.parts_changed(cognito=_CognitoDown(calls, "sign_out")):
        answer = client.post("/console/logout", data={"csrf_token": csrf(client, "/console/inbox")})

    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"
    replayed = console.client()
    for name, value in kept.items():
        replayed.cookies.set(name, value, domain="testserver.local", path="/console")
    assert replayed.get("/console/inbox").headers["location"] == "/console/login"
    assert row(console, "select 1 from audit_log where actor = %s and action = 'sign_out'", email)
