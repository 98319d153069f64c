"""The Gupshup connections in the settings on their real parts: the key only a parameter name under
the stage's prefix, whatever the form says; no owner claims an app; an edit is audited."""

from __future__ import annotations

import uuid

import pytest
from console_kit import Console
from settings_kit import (
    CLINIC_CONNECTION,
    STAGE_KEYS,
    audit,
    business,
    everything,
    post,
    row,
    rows,
)


@pytest.mark.parametrize(
    "ref",
    [
        "/receptionist/dev/database-url",  # a real secret's name, outside the keys prefix
        "/receptionist/dev/gupshup/ClinicaSonrisa",  # another business's app key
        "/receptionist/dev/gupshup/../database-url",
        "sk-live-1234567890",  # a key pasted instead of a name
    ],
)
def test_an_owner_cannot_point_a_connection_at_another_key(console: Console, ref: str) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = "/console/settings/whatsapp"
    [(connection, app)] = rows(
        console, "select id::text, app_name from platform_connections where organization_id = %s", org
    )
    answer = post(client, f"{page}/{connection}", page, business_number="34910000124", api_key_ref=ref, active="on")
    assert answer.status_code == 303
    # The number changed; the key is still its own app's, whatever the form said.
    assert row(console, "select business_number, api_key_ref from platform_connections where id = %s", connection) == (
        "34910000124",
        f"{STAGE_KEYS}{app}",
    )


def test_an_owner_cannot_claim_a_gupshup_app(console: Console) -> None:
    """The app name routes callbacks to a business: connecting one is ops' job, never an owner's
    (another business's app, or one not onboarded yet, would bring its customers' messages)."""
    org = business(console)
    client = console.signed_in(org)
    page = "/console/settings/whatsapp"
    assert "receptionist.ops.onboard" in client.get(page).text
    before = everything(console, org)
    for app in ("SalonLima", f"Nueva{uuid.uuid4().hex[:8]}"):
        fields = {"app_name": app, "business_number": "34910000123", "api_key_ref": f"{STAGE_KEYS}{app}"}
        assert post(client, page, page, **fields).status_code in (404, 405)
        assert post(client, f"{page}/{CLINIC_CONNECTION}", page, **fields).status_code == 404  # another's row
    assert everything(console, org) == before
    assert rows(console, "select organization_id::text from platform_connections where app_name = 'SalonLima'") != [
        (org,)
    ]


def test_a_gupshup_connection_is_edited_and_audited(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = "/console/settings/whatsapp"
    [(connection, app)] = rows(
        console, "select id::text, app_name from platform_connections where organization_id = %s", org
    )
    assert f"{STAGE_KEYS}{app}" in client.get(page).text
    answer = post(client, f"{page}/{connection}", page, app_name="OtroNombre", business_number="+34 910 000 124")
    assert answer.status_code == 303
    assert row(
        console,
        "select app_name, business_number, api_key_ref, active from platform_connections where id = %s",
        connection,
    ) == (app, "34910000124", f"{STAGE_KEYS}{app}", False)
    actions = audit(console, org)
    assert [a for _, a, _ in actions] == ["settings_connection_update"]
    assert actions[0][2] == connection
