"""An owner rotates their own Gupshup app's webhook secret from the settings, without downtime:
a new secret valid next to the old one, shown once, then the old one retired. Only the app of
their own business's connection; never one named by the request."""

from __future__ import annotations

import re
import uuid

import psycopg
from console_kit import SALON, Console, csrf

from devstack.aws import moto_client
from devstack.template import function_env
from receptionist.adapters.app_secrets import SsmAppSecrets

PATH = function_env("ConsoleFunction")["WEBHOOK_SECRETS_PATH"]
PAGE = "/console/settings/whatsapp"


def _business(console: Console) -> tuple[str, str, str]:
    """A business of its own with one Gupshup app whose secret is "old-secret"."""
    org, app = str(uuid.uuid4()), f"Rota{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        conn.execute("insert into agent_settings (organization_id) values (%s)", (org,))
        row = conn.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000099', %s) returning id::text",
            (org, app, f"/receptionist/dev/gupshup/{app}"),
        ).fetchone()
        conn.execute("insert into notification_settings (organization_id) values (%s)", (org,))
    assert row is not None
    _ssm(console).put_parameter(Name=f"{PATH}/{app}", Value="old-secret", Type="SecureString", Overwrite=True)
    return org, app, str(row[0])


def _ssm(console: Console) -> object:
    return moto_client("ssm", console.sqs.meta.endpoint_url, "us-east-1")


def _secrets(console: Console, app: str) -> list[str]:
    """What the webhook accepts for the app right now (its own reader, fresh)."""
    return SsmAppSecrets(PATH, _ssm(console)).secrets_for(app)


def test_a_rotation_keeps_the_old_secret_until_it_is_finished(console: Console) -> None:
    org, app, connection = _business(console)
    client = console.signed_in(org)
    answer = client.post(f"{PAGE}/{connection}/secret/start", data={"csrf_token": csrf(client, PAGE)})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    found = re.search(rf'id="new-secret-{connection}">([0-9a-f]{{64}})<', answer.text)
    assert found, answer.text[:500]
    new = found.group(1)
    assert _secrets(console, app) == ["old-secret", new]  # both valid while Gupshup moves over
    assert new not in client.get(PAGE).text  # shown once
    assert f'id="rotating-{connection}"' in client.get(PAGE).text
    answer = client.post(f"{PAGE}/{connection}/secret/finish", data={"csrf_token": csrf(client, PAGE)})
    assert answer.status_code == 303
    assert _secrets(console, app) == [new]
    with psycopg.connect(console.owner_url) as conn:
        audit = conn.execute(
            "select action, details::text from audit_log where organization_id = %s and action like 'settings%%'"
            " order by id",
            (org,),
        ).fetchall()
    assert [a for a, _ in audit] == [
        "settings_webhook_secret_rotation_started",
        "settings_webhook_secret_rotation_finished",
    ]
    assert all(new not in details and "old-secret" not in details for _, details in audit)


def test_finishing_without_a_rotation_changes_nothing(console: Console) -> None:
    org, app, connection = _business(console)
    client = console.signed_in(org)
    answer = client.post(f"{PAGE}/{connection}/secret/finish", data={"csrf_token": csrf(client, PAGE)})
    assert answer.status_code == 400
    assert _secrets(console, app) == ["old-secret"]


def test_only_the_owners_own_apps_secret_can_be_rotated(console: Console) -> None:
    org, app, _ = _business(console)
    other_org, other_app, other_connection = _business(console)
    client = console.signed_in(org)
    for step in ("start", "finish"):
        answer = client.post(f"{PAGE}/{other_connection}/secret/{step}", data={"csrf_token": csrf(client, PAGE)})
        assert answer.status_code == 404
    with psycopg.connect(console.owner_url) as conn:
        [(salon_connection,)] = conn.execute(
            "select id::text from platform_connections where organization_id = %s", (SALON,)
        ).fetchall()
    answer = client.post(f"{PAGE}/{salon_connection}/secret/start", data={"csrf_token": csrf(client, PAGE)})
    assert answer.status_code == 404
    assert _secrets(console, other_app) == ["old-secret"] and _secrets(console, app) == ["old-secret"]
    # And a post without its CSRF token changes nothing either.
    assert client.post(f"{PAGE}/{_business(console)[2]}/secret/start").status_code == 403
    assert other_org != org
