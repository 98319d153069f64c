"""The console's operator pages on their real parts (Cognito in moto, PostgreSQL as the functions'
role): an operator account (of no business) onboards a business end to end and its owner signs
in; a taken app name or e-mail and bad values are refused readably with nothing written, in the
CRM or in Cognito; CSRF on the post; owners and staff get 403 on the operator pages and operators
403 on every business page; the owner's password is shown once and never audited or logged."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import psycopg
import pytest
from console_kit import CLINIC, PASSWORD, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient

from receptionist.console.words import words

KEYS = "/receptionist/dev/gupshup/"
COUNTED = ("organizations", "agent_settings", "platform_connections", "notification_settings", "console_users")


def account(console: Console, organization: str | None, role: str) -> tuple[str, TestClient]:
    """A signed-in console account: an operator (organization None), or an owner or staff member."""
    email = console.user(organization, role)
    client = console.client()
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    assert answer.status_code == 303, answer.text
    # Each lands where they can work (an owner and an operator once their second factor is set
    # up): an operator on the businesses, everyone else in the inbox.
    landed = finish_sign_in(client, answer.headers["location"])
    assert landed == ("/console/operator" if role == "operator" else "/console/inbox")
    return email, client


def operator(console: Console) -> tuple[str, TestClient]:
    return account(console, None, "operator")


def form(**changes: str) -> dict[str, str]:
    app = f"Alta{uuid.uuid4().hex[:10]}"
    return {
        "name": f"Clínica {app}",
        "app_name": app,
        "business_number": "+34 910 000 333",
        "timezone": "Atlantic/Canary",
        "language": "en",
        "owner_email": f"duena-{uuid.uuid4().hex[:8]}@example.com",
        "staff_number": "34 600 111 333",
        **changes,
    }


def onboard(client: TestClient, fields: dict[str, str]) -> Any:
    return client.post("/console/operator/businesses", data={"csrf_token": csrf(client, "/console/operator"), **fields})


def counts(console: Console) -> list[int]:
    with psycopg.connect(console.owner_url) as conn:
        return [conn.execute(f"select count(*) from {t}").fetchone()[0] for t in (*COUNTED, "audit_log")]  # type: ignore[index]  # noqa: S608


def pool_users(console: Console) -> set[str]:
    users: set[str] = set()
    kwargs: dict[str, Any] = {"UserPoolId": console.pool}
    while True:
        page = console.idp.list_users(**kwargs)
        users |= {u["Username"] for u in page["Users"]}
        if not page.get("PaginationToken"):
            return users
        kwargs["PaginationToken"] = page["PaginationToken"]


def row(console: Console, sql: str, *params: Any) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(sql, params).fetchone()


def test_an_operator_onboards_a_business_whose_owner_signs_in(
    console: Console, caplog: pytest.LogCaptureFixture
) -> None:
    operator_email, client = operator(console)
    assert client.get("/console/operator").status_code == 200
    fields = form()
    with caplog.at_level(logging.DEBUG):
        answer = onboard(client, fields)
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    found = re.search(r'id="owner-password">([^<]+)<', answer.text)
    assert found, answer.text
    password = found.group(1)
    assert answer.text.count(password) == 1
    assert f"{KEYS}{fields['app_name']}" in answer.text
    assert f"/receptionist/dev/webhook-secrets/{fields['app_name']}" in answer.text
    # Nothing the app (or any library but the AWS SDK's DEBUG wire log, off in the functions) logs has it.
    assert not [r for r in caplog.records if not r.name.startswith("botocore") and password in r.getMessage()]

    # Every row of the business, in the CRM.
    org = row(
        console,
        "select organization_id::text, business_number, api_key_ref, active from platform_connections"
        " where app_name = %s",
        fields["app_name"],
    )
    assert org is not None
    assert org[1:] == ("34910000333", f"{KEYS}{fields['app_name']}", True)
    organization = org[0]
    assert row(console, "select name, health from organizations where id = %s", organization) == (fields["name"], False)
    # A clinic by default, its no-show policy in force from its creation (docs/noshow.md).
    assert row(console, "select kind, enabled from noshow_policy_history where organization_id = %s", organization) == (
        "clinic",
        True,
    )
    assert row(
        console,
        "select assistant_name, timezone, language, emergency_number from agent_settings where organization_id = %s",
        organization,
    ) == ("Asistente", "Atlantic/Canary", "en", "112")  # no number typed: the zone's (Spain's 112)
    assert row(console, "select staff_numbers from notification_settings where organization_id = %s", organization) == (
        ["34600111333"],
    )
    assert row(console, "select email, role from console_users where organization_id = %s", organization) == (
        fields["owner_email"],
        "owner",
    )
    audit = row(
        console, "select actor, action, target, details::text from audit_log where organization_id = %s", organization
    )
    assert audit is not None
    assert audit[:3] == (operator_email, "business_onboarded", organization)
    assert password not in audit[3] and fields["app_name"] in audit[3]
    with psycopg.connect(console.owner_url) as conn:
        everywhere = conn.execute("select count(*) from audit_log where details::text like %s", (f"%{password}%",))
        assert everywhere.fetchone() == (0,)

    # The operator's list shows it.
    listed = client.get("/console/operator")
    assert f'data-organization="{organization}"' in listed.text and fields["name"] in listed.text

    # Its owner signs in with the password shown, and sees an empty inbox and its settings.
    owner = console.client()
    signed = owner.post(
        "/console/login",
        data={"email": fields["owner_email"], "password": password, "csrf_token": csrf(owner)},
    )
    assert signed.status_code == 303, signed.text
    assert finish_sign_in(owner, signed.headers["location"]) == "/console/inbox"  # a second factor first
    inbox = owner.get("/console/inbox?show=all")
    assert inbox.status_code == 200
    assert "No hay conversaciones." in inbox.text and fields["name"] in inbox.text
    assert owner.get("/console/api/conversations").json() == []
    settings = owner.get("/console/settings")
    assert settings.status_code == 200
    assert 'value="Atlantic/Canary"' in settings.text
    # The owner is no operator.
    assert owner.get("/console/operator").status_code == 403


def test_a_taken_app_name_is_refused_readably_and_nothing_is_written(console: Console) -> None:
    _, client = operator(console)
    taken = row(console, "select app_name from platform_connections where organization_id = %s limit 1", CLINIC)
    assert taken is not None
    fields = form(app_name=taken[0])
    before, users = counts(console), pool_users(console)
    answer = onboard(client, fields)
    assert answer.status_code == 400
    assert words("es")["op_app_taken"] in answer.text
    assert f'value="{fields["owner_email"]}"' in answer.text  # what was typed stays
    assert counts(console) == before and pool_users(console) == users


def test_an_owner_email_with_an_account_is_refused_and_nothing_is_written(console: Console) -> None:
    _, client = operator(console)
    owner_email = console.user(CLINIC)
    before, users = counts(console), pool_users(console)
    answer = onboard(client, form(owner_email=owner_email))
    assert answer.status_code == 400
    assert words("es")["op_owner_taken"] in answer.text
    assert counts(console) == before and pool_users(console) == users


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"timezone": "UTC+3"}, "op_bad_timezone"),
        ({"business_number": "12345"}, "op_bad_business_number"),
        ({"app_name": "Con espacios"}, "op_bad_app"),
        ({"owner_email": "no-es-un-correo"}, "op_bad_owner_email"),
        ({"staff_number": "12"}, "op_bad_staff_number"),
        ({"name": " "}, "op_bad_name"),
        ({"language": "fr"}, "op_bad_language"),
        ({"emergency_number": "llama"}, "op_bad_emergency_number"),
        ({"timezone": "America/Bogota"}, "op_bad_emergency_number_needed"),
    ],
)
def test_bad_values_are_refused_readably_and_nothing_is_written(
    console: Console, change: dict[str, str], code: str
) -> None:
    _, client = operator(console)
    before, users = counts(console), pool_users(console)
    answer = onboard(client, form(**change))
    assert answer.status_code == 400
    assert words("es")[code] in answer.text
    assert counts(console) == before and pool_users(console) == users


def test_a_typed_emergency_number_is_stored_and_audited(console: Console) -> None:
    _, client = operator(console)
    fields = form(timezone="America/Bogota", emergency_number="123")
    assert onboard(client, fields).status_code == 201
    found = row(
        console,
        "select s.emergency_number, a.details->>'emergency_number' from platform_connections c"
        " join agent_settings s on s.organization_id = c.organization_id"
        " join audit_log a on a.organization_id = c.organization_id and a.action = 'business_onboarded'"
        " where c.app_name = %s",
        fields["app_name"],
    )
    assert found == ("123", "123")


def test_owners_and_staff_get_403_on_the_operator_pages(console: Console) -> None:
    for role in ("owner", "staff"):
        _, client = account(console, CLINIC, role)
        page = client.get("/console/operator")
        assert page.status_code == 403, role
        assert words("es")["op_operators_only"] in page.text
        before, users = counts(console), pool_users(console)
        token = csrf(client, "/console/inbox")
        answer = client.post("/console/operator/businesses", data={"csrf_token": token, **form()})
        assert answer.status_code == 403, role
        assert counts(console) == before and pool_users(console) == users


def test_an_operator_gets_403_on_every_business_page(console: Console) -> None:
    identity = console.conversation(CLINIC)
    _, client = operator(console)
    for path in (
        "/console/inbox",
        "/console/inbox/rows",
        f"/console/conversations/{identity}",
        "/console/appointments",
        "/console/settings",
        "/console/settings/staff",
        "/console/settings/whatsapp",
    ):
        page = client.get(path)
        assert page.status_code == 403, path
        assert words("es")["op_no_business"] in page.text, path
    api = client.get("/console/api/conversations")
    assert (api.status_code, api.json()) == (403, {"error": "op_no_business"})
    token = csrf(client, "/console/operator")
    assert client.post(f"/console/conversations/{identity}/takeover", data={"csrf_token": token}).status_code == 403
    assert console.bot_enabled(identity)
    assert client.post("/console/settings/staff", data={"csrf_token": token, "name": "Intrusa"}).status_code == 403


def test_a_post_without_its_csrf_token_is_403_and_writes_nothing(console: Console) -> None:
    (_, client), (_, other) = operator(console), operator(console)
    foreign = csrf(other, "/console/operator")  # another browser's token
    before, users = counts(console), pool_users(console)
    assert client.post("/console/operator/businesses", data=form()).status_code == 403
    assert client.post("/console/operator/businesses", data={"csrf_token": "0" * 64, **form()}).status_code == 403
    assert client.post("/console/operator/businesses", data={"csrf_token": foreign, **form()}).status_code == 403
    assert counts(console) == before and pool_users(console) == users


def test_the_operator_pages_speak_english_and_escape(console: Console) -> None:
    _, client = operator(console)
    client.get("/console/lang/en")
    answer = onboard(client, form(name="<script>alert(1)</script>", timezone="Mars/Olympus"))
    assert answer.status_code == 400
    assert words("en")["op_bad_timezone"] in answer.text
    assert "<script>alert(1)</script>" not in answer.text and "&lt;script&gt;" in answer.text
    assert words("en")["op_new"] in client.get("/console/operator").text


def test_a_business_marked_as_handling_health_data_asks_its_staff_for_a_second_factor(console: Console) -> None:
    _, client = operator(console)
    fields = form(health="on")
    answer = onboard(client, fields)
    assert answer.status_code == 201, answer.text
    organization = row(
        console, "select organization_id::text from platform_connections where app_name = %s", fields["app_name"]
    )
    assert organization is not None
    assert row(console, "select health from organizations where id = %s", organization[0]) == (True,)
    details = row(console, "select details->>'health' from audit_log where organization_id = %s", organization[0])
    assert details == ("true",)
    staff = console.user(organization[0], "staff")
    signed = console.client()
    first = signed.post("/console/login", data={"email": staff, "password": PASSWORD, "csrf_token": csrf(signed)})
    assert first.headers["location"] == "/console/mfa/setup"
