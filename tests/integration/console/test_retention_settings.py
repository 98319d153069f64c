"""How long a business's data is kept, set by its owner on the console's persona page (Cognito in
moto, PostgreSQL as the console's role): the defaults shown, a change stored and audited, what the
numbers mean today, values out of their bounds refused readably with nothing written, staff refused,
both languages. Each test makes its own business."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from console_kit import CHANGES, Console, csrf

from receptionist.console.times import LocalTimes
from receptionist.retention.rules import Windows, cutoffs

SETTINGS = "/console/settings"


def business(console: Console) -> str:
    org, app = str(uuid.uuid4()), f"Reten{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Clínica {app}"))
        conn.execute(
            "insert into agent_settings (organization_id, assistant_name, timezone)"
            " values (%s, 'Ana', 'Europe/Madrid')",
            (org,),
        )
    return org


def windows(console: Console, organization: str) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(
            "select retention_months, media_retention_days, usage_retention_months from agent_settings"
            " where organization_id = %s",
            (organization,),
        ).fetchone()


def audit(console: Console, organization: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(
            f"select action, target, details from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            (organization,),
        ).fetchall()


def test_the_owner_sees_the_defaults_and_changes_them_audited(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = client.get(SETTINGS)
    assert page.status_code == 200 and 'id="retention-form"' in page.text
    for name, value in (("text_months", 12), ("media_days", 30), ("usage_months", 24)):
        assert f'name="{name}" id="{name}"' in page.text and f'value="{value}"' in page.text
    today = cutoffs(Windows(), datetime.now(UTC)).text.astimezone(ZoneInfo("Europe/Madrid")).date()
    assert f"{LocalTimes('es').day(today)}." in page.text  # a customer silent since before this date goes tonight

    # A clinic keeping its chats as clinical records (Ley 41/2002, art. 17: five years).
    answer = client.post(
        f"{SETTINGS}/retention",
        data={"csrf_token": csrf(client, SETTINGS), "text_months": "60", "media_days": "90", "usage_months": "60"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"{SETTINGS}?notice=saved"
    assert windows(console, org) == (60, 90, 60)
    [(action, target, details)] = audit(console, org)
    assert (action, target) == ("settings_retention", org)
    assert details["changed"] == {"text_months": 60, "media_days": 90, "usage_months": 60}
    shown = client.get(f"{SETTINGS}?notice=saved").text
    assert 'value="60"' in shown and 'value="90"' in shown and "Conservación de los datos" in shown

    # Emptied: the defaults again.
    data = {"csrf_token": csrf(client, SETTINGS), "text_months": "", "media_days": "", "usage_months": ""}
    assert client.post(f"{SETTINGS}/retention", data=data).status_code == 303
    assert windows(console, org) == (12, 30, 24)


def test_values_out_of_their_bounds_are_refused_and_nothing_is_written(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    for field, value, words in [
        ("text_months", "0", "de 1 a 180"),
        ("text_months", "181", "de 1 a 180"),
        ("text_months", "doce", "de 1 a 180"),
        ("media_days", "366", "de 1 a 365"),  # the bucket's lifecycle is the ceiling
        ("usage_months", "-1", "de 1 a 120"),
    ]:
        data = {"csrf_token": csrf(client, SETTINGS), "text_months": "24", "media_days": "60", "usage_months": "24"}
        answer = client.post(f"{SETTINGS}/retention", data={**data, field: value})
        assert answer.status_code == 400 and 'id="error"' in answer.text and words in answer.text, (field, value)
        assert f'value="{value}"' in answer.text  # what was typed is kept, in its form
    assert windows(console, org) == (12, 30, 24)
    assert audit(console, org) == []


def test_staff_cannot_change_it_and_a_post_without_csrf_changes_nothing(console: Console) -> None:
    org = business(console)
    staff = console.signed_in(org, "staff")
    token = csrf(staff, "/console/inbox")
    answer = staff.post(f"{SETTINGS}/retention", data={"csrf_token": token, "text_months": "1"})
    assert answer.status_code == 403
    owner = console.signed_in(org)
    owner.get(SETTINGS)
    assert owner.post(f"{SETTINGS}/retention", data={"text_months": "1"}).status_code == 403
    assert windows(console, org) == (12, 30, 24) and audit(console, org) == []


def test_the_retention_form_speaks_english(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    client.get("/console/lang/en")
    page = client.get(SETTINGS).text
    assert "How long data is kept" in page and "Voice notes and photos: days" in page
    data = {"csrf_token": csrf(client, SETTINGS), "text_months": "500"}
    assert (
        "The months for conversations must be a number from 1 to 180."
        in client.post(f"{SETTINGS}/retention", data=data).text
    )
