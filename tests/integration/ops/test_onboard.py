"""`python -m receptionist.ops.onboard` against Cognito in moto and the test PostgreSQL: a new
business end to end whose owner signs in as the console signs in (USER_PASSWORD_AUTH, the ID
token verified against the pool's JWKS, the business from console_users as the console's role),
a rerun that changes nothing, other businesses untouched, bad values refused before anything."""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devstack.aws import moto_client
from receptionist.adapters.cognito import CognitoSignIn, TokenVerifier
from receptionist.crm import inbox, organizations
from receptionist.crm.connection import Database
from receptionist.ops.onboard import PASSWORD_ENV, main

ROOT = Path(__file__).resolve().parents[3]
SEEDED = ("00000000-0000-4000-8000-000000000001", "00000000-0000-4000-9000-000000000001")
TABLES = ("organizations", "agent_settings", "platform_connections", "notification_settings", "console_users")


@dataclass
class Pool:
    idp: Any
    endpoint: str
    id: str
    client_id: str

    def users(self) -> list[str]:
        return sorted(u["Username"] for u in self.idp.list_users(UserPoolId=self.id)["Users"])


@pytest.fixture
def pool(moto_endpoint: str) -> Pool:
    """A staff pool shaped like the template's (e-mail as the user name, password sign-in)."""
    idp = moto_client("cognito-idp", moto_endpoint, "us-east-1")
    pool_id = idp.create_user_pool(PoolName=f"staff-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"])["UserPool"][
        "Id"
    ]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return Pool(idp, moto_endpoint, pool_id, client_id)


@pytest.fixture
def owner_env(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    return {"DATABASE_URL": seeded_url}


def arguments(pool: Pool, app: str, email: str, **changes: str) -> list[str]:
    values = {
        "--name": "Clínica Norte",
        "--app": app,
        "--business-number": "+34 910 000 222",
        "--api-key-param": f"/receptionist/dev/gupshup/{app}",
        "--timezone": "Atlantic/Canary",
        "--language": "es",
        "--assistant-name": "Lucía",
        "--owner-email": email,
        "--user-pool-id": pool.id,
        "--endpoint-url": pool.endpoint,
        "--region": "us-east-1",
        **changes,
    }
    return [item for pair in values.items() for item in pair]


def snapshot(url: str, organizations_: tuple[str, ...]) -> list[Any]:
    with psycopg.connect(url) as conn:
        return [
            conn.execute(
                f"select * from {table} where {'id' if table == 'organizations' else 'organization_id'} = any(%s)"  # noqa: S608
                " order by 1",
                (list(organizations_),),
            ).fetchall()
            for table in TABLES
        ]


def everything(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [conn.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES]  # type: ignore[index]  # noqa: S608


def test_a_new_business_is_created_end_to_end_and_its_owner_signs_in(
    pool: Pool, owner_env: dict[str, str], seeded_url: str, console_url: str
) -> None:
    app, email = f"Norte{uuid.uuid4().hex[:8]}", f"Duena.{uuid.uuid4().hex[:6]}@ClinicaNorte.example"
    others = snapshot(seeded_url, SEEDED)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "receptionist.ops.onboard",
            *arguments(pool, app, email),
            "--staff-number",
            "34600111222",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **owner_env},
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    password = re.search(r"password \(shown once; give it to the owner privately\): (\S+)", done.stdout)
    assert password, done.stdout
    assert done.stdout.count(password.group(1)) == 1
    assert "next steps" in done.stdout and f"/receptionist/dev/webhook-secrets/{app}" in done.stdout

    db = Database(seeded_url)
    try:
        org = organizations.resolve_by_app(db, app)
        assert org is not None
        assert (org.name, org.settings.assistant_name, org.settings.timezone, org.settings.language) == (
            "Clínica Norte",
            "Lucía",
            "Atlantic/Canary",
            "es",
        )
        assert (org.connection.business_number, org.connection.api_key_ref) == (
            "34910000222",
            f"/receptionist/dev/gupshup/{app}",
        )
        notices = organizations.notification_settings(db, org.id)
        assert notices.staff_numbers == ["34600111222"]
        # No --emergency-number: the time zone's (the Canary Islands are Spain: 112).
        assert org.settings.emergency_number == "112"
        assert "emergency number the assistant gives: 112" in done.stdout
    finally:
        db.close()

    # The owner signs in as the console does, and the console finds their business.
    token = CognitoSignIn(pool.client_id, pool.idp).sign_in(email.lower(), password.group(1))
    verifier = TokenVerifier(
        issuer=TokenVerifier.issuer_for("us-east-1", pool.id),
        audience=pool.client_id,
        jwks_url=f"{pool.endpoint}/{pool.id}/.well-known/jwks.json",
    )
    identity = verifier.verify(token)
    console = Database(console_url)
    try:
        account = inbox.staff_account(console, identity.sub)
    finally:
        console.close()
    assert account is not None
    assert (account.organization_id, account.organization_name, account.email, account.role) == (
        org.id,
        "Clínica Norte",
        email.lower(),
        "owner",
    )
    assert snapshot(seeded_url, SEEDED) == others


def test_a_rerun_changes_nothing(
    pool: Pool, owner_env: dict[str, str], seeded_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app, email = f"Norte{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:6]}@example.com"
    assert main(arguments(pool, app, email)) == 0
    capsys.readouterr()
    before, users = everything(seeded_url), pool.users()
    db = Database(seeded_url)
    try:
        org = organizations.resolve_by_app(db, app)
        assert org is not None
        rows = snapshot(seeded_url, (org.id,))
    finally:
        db.close()

    # Again, even with other values and another owner: the app is onboarded, nothing moves.
    again = arguments(pool, app, f"other-{uuid.uuid4().hex[:6]}@example.com", **{"--timezone": "America/Lima"})
    assert main(again) == 0
    out = capsys.readouterr().out
    assert "already onboarded" in out and org.id in out and "password" not in out
    assert everything(seeded_url) == before
    assert snapshot(seeded_url, (org.id,)) == rows
    assert pool.users() == users


def test_onboarding_is_in_the_new_business_s_audit_log_with_its_actor(
    pool: Pool, owner_env: dict[str, str], seeded_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The line the console's operator pages write, from the command line too: who, and what."""

    def lines(app: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(seeded_url) as conn:
            found = conn.execute(
                "select organization_id::text, actor, action, target, details from audit_log"
                " where details->>'app_name' = %s order by id",
                (app,),
            )
            return [tuple(r) for r in found.fetchall()]

    app, email = f"Norte{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:6]}@example.com"
    assert main([*arguments(pool, app, email, **{"--actor": "maria"}), "--health"]) == 0  # a clinic
    password = re.search(r"privately\): (\S+)", capsys.readouterr().out)
    assert password
    [(org, actor, action, target, details)] = lines(app)
    assert (actor, action, target) == ("ops:maria", "business_onboarded", org)
    assert details == {
        "name": "Clínica Norte",
        "app_name": app,
        "business_number": "34910000222",
        "api_key_ref": f"/receptionist/dev/gupshup/{app}",
        "owner_email": email,
        "health": True,
        "via": "ops.onboard",
    }
    assert password.group(1) not in str(details)
    with psycopg.connect(seeded_url) as conn:
        marked = conn.execute("select health from organizations where id = %s", (org,)).fetchone()
    assert marked == (True,)  # its staff need a second factor too
    assert main(arguments(pool, app, email)) == 0  # already onboarded: nothing done, nothing recorded
    assert len(lines(app)) == 1

    # Without --actor: the login name.
    other = f"Norte{uuid.uuid4().hex[:8]}"
    assert main(arguments(pool, other, f"owner-{uuid.uuid4().hex[:6]}@example.com")) == 0
    [(_, actor, _, _, other_details)] = lines(other)
    assert actor == f"ops:{getpass.getuser()}" and other_details["health"] is False


def test_a_given_password_is_used_and_never_printed(
    pool: Pool, owner_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app, email = f"Norte{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:6]}@example.com"
    monkeypatch.setenv(PASSWORD_ENV, "Dada-Por-Ops-2026")
    assert main(arguments(pool, app, email)) == 0
    out = capsys.readouterr().out
    assert "Dada-Por-Ops-2026" not in out and "password" not in out
    assert CognitoSignIn(pool.client_id, pool.idp).sign_in(email, "Dada-Por-Ops-2026")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"--timezone": "Mars/Olympus"}, "--timezone"),
        ({"--timezone": "UTC+3"}, "--timezone"),
        ({"--timezone": "CEST"}, "--timezone"),  # an abbreviation: PostgreSQL reads it, zoneinfo does not
        ({"--timezone": "localtime"}, "--timezone"),  # a file of the machine, not a zone name
        ({"--api-key-param": "/receptionist/dev/database-url"}, "--api-key-param"),
        ({"--api-key-param": "/receptionist/prod/gupshup/X"}, "--api-key-param"),
        ({"--business-number": "12345"}, "--business-number"),
        ({"--app": "Con espacios"}, "--app"),
        ({"--owner-email": "no-es-un-correo"}, "--owner-email"),
        ({"--language": "fr"}, "--language"),
        ({"--emergency-number": "llama al 112"}, "--emergency-number must be 2 to 15 digits"),
        ({"--timezone": "America/Bogota"}, "--emergency-number is needed"),
    ],
)
def test_bad_values_are_refused_before_anything(
    pool: Pool,
    owner_env: dict[str, str],
    seeded_url: str,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, str],
    words: str,
) -> None:
    app, email = f"Norte{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:6]}@example.com"
    before, users = everything(seeded_url), pool.users()
    with pytest.raises(SystemExit) as exited:
        main(arguments(pool, app, email, **change))
    assert exited.value.code == 2
    assert words in capsys.readouterr().err
    assert everything(seeded_url) == before and pool.users() == users


def test_a_given_emergency_number_is_stored(
    pool: Pool, owner_env: dict[str, str], seeded_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where the time zone has no default (Bogotá), and where it has one but another is given."""
    for zone, given, stored in (("America/Bogota", "1 2 3", "123"), ("Europe/Madrid", "061", "061")):
        app, email = f"Norte{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:6]}@example.com"
        assert main(arguments(pool, app, email, **{"--timezone": zone, "--emergency-number": given})) == 0
        assert f"emergency number the assistant gives: {stored}" in capsys.readouterr().out
        db = Database(seeded_url)
        try:
            org = organizations.resolve_by_app(db, app)
        finally:
            db.close()
        assert org is not None and org.settings.emergency_number == stored


def test_an_owner_of_another_business_is_refused(
    pool: Pool, owner_env: dict[str, str], seeded_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    email = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    assert main(arguments(pool, f"Norte{uuid.uuid4().hex[:8]}", email)) == 0
    before = everything(seeded_url)
    assert main(arguments(pool, f"Sur{uuid.uuid4().hex[:8]}", email)) == 1
    assert "another business" in capsys.readouterr().err
    assert everything(seeded_url) == before


def test_a_run_that_stopped_after_cognito_is_finished_by_the_next(
    pool: Pool, owner_env: dict[str, str], seeded_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Cognito user exists but no business row does (the database was down): a rerun links it."""
    app, email = f"Norte{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:6]}@example.com"
    created = pool.idp.admin_create_user(
        UserPoolId=pool.id, Username=email, UserAttributes=[{"Name": "email", "Value": email}], MessageAction="SUPPRESS"
    )["User"]
    sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
    assert main(arguments(pool, app, email)) == 0
    password = re.search(r"privately\): (\S+)", capsys.readouterr().out)
    assert password
    with psycopg.connect(seeded_url) as conn:
        linked = conn.execute("select role from console_users where sub = %s", (sub,)).fetchone()
    assert linked == ("owner",)
    assert CognitoSignIn(pool.client_id, pool.idp).sign_in(email, password.group(1))


def test_a_given_password_the_pool_refuses_creates_nothing(
    pool: Pool,
    owner_env: dict[str, str],
    seeded_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, email = f"Norte{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:6]}@example.com"
    monkeypatch.setenv(PASSWORD_ENV, "corta")
    before, users = everything(seeded_url), pool.users()
    assert main(arguments(pool, app, email)) == 2
    err = capsys.readouterr().err
    assert "password policy" in err and "corta" not in err
    assert everything(seeded_url) == before and pool.users() == users
