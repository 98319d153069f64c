"""The waitlist's console pages on their real parts (Cognito in moto, PostgreSQL as the console's
role): the list shows the business's waiting entries and their offers (no other business's), any
account of the business withdraws an entry with its audit line, and the owner's settings page
stores only an approved UTILITY template with the right number of values. Each test makes its own
business."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from console_kit import CHANGES, Console, csrf

PAGE = "/console/waitlist"
SETTINGS = "/console/settings/waitlist"
SLOT = datetime(2034, 5, 8, 8, 30, tzinfo=UTC)  # 10:30 in Madrid


def business(console: Console) -> dict[str, str]:
    """A business with a service, a member, a customer waiting (offered one slot, which they let
    expire) and three templates: an approved UTILITY one (two values), an approved MARKETING one,
    a pending UTILITY one."""
    org, app = str(uuid.uuid4()), f"Wl{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        conn.execute("insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (org,))
        service = conn.execute(
            "insert into services (organization_id, name, duration_minutes) values (%s, 'Corte', 30) returning id",
            (org,),
        ).fetchone()
        member = conn.execute(
            "insert into members (organization_id, name) values (%s, 'Ana') returning id", (org,)
        ).fetchone()
        contact = conn.execute(
            "insert into contacts (organization_id, phone, name) values (%s, %s, 'Lucía Pérez') returning id",
            (org, f"346{uuid.uuid4().int % 10**8:08d}"),
        ).fetchone()
        assert service and member and contact
        entry = conn.execute(
            "insert into waitlist_entries (organization_id, contact_id, service_id, member_id, first_day, last_day,"
            " day_part) values (%s, %s, %s, %s, '2034-05-08', '2034-05-09', 'morning') returning id::text",
            (org, contact[0], service[0], member[0]),
        ).fetchone()
        assert entry
        conn.execute(
            "insert into waitlist_offers (organization_id, entry_id, member_id, service_id, starts_at, ends_at, token,"
            " status, expires_at) values (%s, %s, %s, %s, %s, %s, %s, 'expired', %s)",
            (org, entry[0], member[0], service[0], SLOT, SLOT + timedelta(minutes=30), secrets.token_urlsafe(24), SLOT),
        )
        conn.execute(
            "insert into message_templates (organization_id, template_id, label, body, param_count, category, status)"
            " values (%s, 'hueco_libre', 'Hueco libre', 'Hola {{1}}, se ha liberado {{2}}.', 2, 'UTILITY', 'APPROVED'),"
            " (%s, 'promo', 'Promo', 'Oferta {{1}}', 1, 'MARKETING', 'APPROVED'),"
            " (%s, 'pendiente', 'Pendiente', 'Hola {{1}}', 1, 'UTILITY', 'PENDING')",
            (org, org, org),
        )
    return {"org": org, "entry": entry[0]}


def entry_status(console: Console, entry: str) -> str:
    with psycopg.connect(console.owner_url) as conn:
        row = conn.execute("select status from waitlist_entries where id = %s", (entry,)).fetchone()
    assert row
    return str(row[0])


def audit(console: Console, organization: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            f"select action, target, details from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            (organization,),
        ).fetchall()
    return [(str(a), b, c) for a, b, c in rows]


def test_staff_see_the_waiting_entries_and_their_offers_of_their_business_only(console: Console) -> None:
    mine, other = business(console), business(console)
    client = console.signed_in(mine["org"], role="staff")

    page = client.get(PAGE)

    assert page.status_code == 200 and 'id="nav-waitlist"' in page.text
    assert f'id="entry-{mine["entry"]}"' in page.text and f'id="entry-{other["entry"]}"' not in page.text
    assert "Lucía Pérez" in page.text and "8 may 2034 \u2013 9 may 2034" in page.text
    assert "Mañana (antes de las 14:00)" in page.text and '<td class="member">Ana</td>' in page.text
    assert 'data-status="expired"' in page.text and "8 may 2034, 10:30 con Ana" in page.text
    assert "caducado" in page.text


def test_withdrawing_an_entry_is_audited_and_another_businesss_is_not_found(console: Console) -> None:
    mine, other = business(console), business(console)
    client = console.signed_in(mine["org"], role="staff")
    token = csrf(client, PAGE)

    done = client.post(f"{PAGE}/{mine['entry']}/withdraw", data={"csrf_token": token})
    again = client.post(f"{PAGE}/{mine['entry']}/withdraw", data={"csrf_token": token})
    foreign = client.post(f"{PAGE}/{other['entry']}/withdraw", data={"csrf_token": token})

    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?notice=waitlist_withdrawn"
    assert entry_status(console, mine["entry"]) == "withdrawn"
    assert audit(console, mine["org"]) == [("waitlist_withdrawn", mine["entry"], {})]
    assert again.status_code == 404 and "Esa petición ya no está en la lista de espera." in again.text
    assert foreign.status_code == 404 and entry_status(console, other["entry"]) == "waiting"
    assert audit(console, other["org"]) == []
    assert client.post(f"{PAGE}/{mine['entry']}/withdraw", data={}).status_code == 403  # no CSRF token


def test_the_owner_saves_the_settings_with_an_approved_utility_template_only(console: Console) -> None:
    b = business(console)
    client = console.signed_in(b["org"])
    page = client.get(SETTINGS)
    assert page.status_code == 200 and 'id="settings-waitlist" class="on"' in page.text
    assert 'data-template="hueco_libre" data-usable="yes"' in page.text
    assert 'data-template="pendiente" data-usable="no"' in page.text and "promo" not in page.text
    form = {"enabled": "on", "offer_minutes": "20", "batch_size": "2", "template_id": "hueco_libre"}
    token = csrf(client, SETTINGS)

    marketing = client.post(SETTINGS, data={"csrf_token": token, **form, "template_id": "promo", "param_1": "service"})
    pending = client.post(
        SETTINGS, data={"csrf_token": token, **form, "template_id": "pendiente", "param_1": "service"}
    )
    short = client.post(SETTINGS, data={"csrf_token": token, **form, "param_1": "customer_name"})
    saved = client.post(SETTINGS, data={"csrf_token": token, **form, "param_1": "customer_name", "param_2": "when"})

    assert marketing.status_code == pending.status_code == short.status_code == 400
    assert "no está aprobada o no es de categoría UTILITY" in marketing.text
    assert "otro número de valores" in short.text
    assert saved.status_code == 303
    with psycopg.connect(console.owner_url) as conn:
        row = conn.execute(
            "select enabled, offer_minutes, batch_size, template_id, template_params from waitlist_settings"
            " where organization_id = %s",
            (b["org"],),
        ).fetchone()
    assert row == (True, 20, 2, "hueco_libre", ["customer_name", "when"])
    assert [a for a, _, _ in audit(console, b["org"])] == ["settings_waitlist"]
    staff = console.signed_in(b["org"], role="staff")
    assert staff.get(SETTINGS).status_code == 403  # owners only
