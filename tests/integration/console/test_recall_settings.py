"""Recalls in the console on their real parts (Cognito in moto, PostgreSQL as the console's role):
the recall settings page (owners only, CSRF, only an approved MARKETING template of the business,
nothing written when refused, audited, Spanish and English), a service's recall interval on the
catalogue page, and the recall figures on the appointments page. Each test makes its own business."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from console_kit import CHANGES, Console, csrf
from fastapi.testclient import TestClient

from receptionist.console.words import words

PAGE = "/console/settings/recalls"
SERVICES = "/console/settings/services"


def business(console: Console) -> dict[str, str]:
    """A business with a service and three templates: an approved marketing one, a utility one,
    and a marketing one still pending."""
    org = str(uuid.uuid4())
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Revisa {org[:8]}"))
        conn.execute("insert into agent_settings (organization_id, timezone) values (%s, 'UTC')", (org,))
        service = conn.execute(
            "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Limpieza', 30, 0)"
            " returning id::text",
            (org,),
        ).fetchone()
        assert service
        conn.execute(
            "insert into message_templates (organization_id, template_id, label, body, param_count, category, status)"
            " values (%s, 'vuelve', 'Vuelve', 'Hola {{1}}, toca tu {{2}}.', 2, 'MARKETING', 'APPROVED'),"
            " (%s, 'aviso', 'Aviso', 'Hola {{1}}.', 1, 'UTILITY', 'APPROVED'),"
            " (%s, 'pendiente', 'Pendiente', 'Hola {{1}}.', 1, 'MARKETING', 'PENDING')",
            (org, org, org),
        )
    return {"org": org, "service": service[0]}


def post(client: TestClient, path: str, page: str, **fields: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client, page), **fields})


def stored(console: Console, org: str) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(
            "select recalls_enabled, recall_template_id, recall_template_params from agent_settings"
            " where organization_id = %s",
            (org,),
        ).fetchone()


def audit(console: Console, org: str) -> list[tuple[str, dict[str, Any]]]:
    with psycopg.connect(console.owner_url) as conn:
        found = conn.execute(
            f"select action, details from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            (org,),
        ).fetchall()
    return [(str(a), d) for a, d in found]


def test_an_owner_turns_recalls_on_with_an_approved_marketing_template(console: Console) -> None:
    shop = business(console)
    owner = console.signed_in(shop["org"], "owner")
    page = owner.get(PAGE)
    assert page.status_code == 200 and 'data-template="vuelve"' in page.text
    assert 'data-template="aviso"' not in page.text  # a utility template is not offered
    assert 'data-template="pendiente" data-usable="no"' in page.text

    answer = post(owner, PAGE, PAGE, enabled="on", template_id="vuelve")
    assert answer.status_code == 303, answer.text
    assert stored(console, shop["org"]) == (True, "vuelve", ["customer_name", "service"])
    assert audit(console, shop["org"])[-1] == ("settings_recalls", {"enabled": True, "template_id": "vuelve"})

    assert post(owner, PAGE, PAGE, template_id="vuelve").status_code == 303  # off: the template is kept
    assert stored(console, shop["org"]) == (False, "vuelve", ["customer_name", "service"])


def test_a_wrong_template_is_refused_with_a_sentence_and_nothing_written(console: Console) -> None:
    shop = business(console)
    owner = console.signed_in(shop["org"], "owner")
    es = words("es")
    for fields, sentence in (
        ({"template_id": "aviso"}, es["rc_template_not_marketing"]),
        ({"template_id": "pendiente"}, es["rc_template_not_approved"]),
        ({"template_id": "de_otro"}, es["rc_bad_template"]),
        ({}, es["rc_template_needed"]),
    ):
        answer = post(owner, PAGE, PAGE, enabled="on", **fields)
        assert answer.status_code == 400 and sentence in answer.text, fields
    assert stored(console, shop["org"]) == (False, None, ["customer_name", "service"])
    assert audit(console, shop["org"]) == []
    owner.get("/console/lang/en")
    answer = post(owner, PAGE, PAGE, enabled="on", template_id="aviso")
    assert answer.status_code == 400 and words("en")["rc_template_not_marketing"] in answer.text


def test_staff_get_403(console: Console) -> None:
    shop = business(console)
    staff = console.signed_in(shop["org"], "staff")
    assert staff.get(PAGE).status_code == 403
    token = csrf(staff, "/console/inbox")
    assert staff.post(PAGE, data={"csrf_token": token, "enabled": "on", "template_id": "vuelve"}).status_code == 403
    assert stored(console, shop["org"]) == (False, None, ["customer_name", "service"])


def test_a_service_s_recall_interval_is_set_checked_and_audited(console: Console) -> None:
    shop = business(console)
    owner = console.signed_in(shop["org"], "owner")
    one = f"{SERVICES}/{shop['service']}"
    fields = {"name": "Limpieza", "duration_minutes": "30", "price": "", "currency": "EUR"}
    answer = post(owner, one, one, recall_days="3", **fields)
    assert answer.status_code == 400 and words("es")["rc_bad_recall_interval"] in answer.text
    assert post(owner, one, one, recall_days="180", **fields).status_code == 303
    with psycopg.connect(console.owner_url) as conn:
        interval = conn.execute("select recall_interval_days from services where id = %s", (shop["service"],))
        assert interval.fetchone() == (180,)
    assert audit(console, shop["org"])[-1][1]["recall_interval_days"] == 180
    assert 'name="recall_days"' in owner.get(one).text and 'value="180"' in owner.get(one).text
    assert "Limpieza: cada 180 días" in owner.get(PAGE).text
    assert post(owner, one, one, recall_days="", **fields).status_code == 303  # empty: no recall
    with psycopg.connect(console.owner_url) as conn:
        interval = conn.execute("select recall_interval_days from services where id = %s", (shop["service"],))
        assert interval.fetchone() == (None,)


def test_the_appointments_page_shows_recalls_sent_and_bookings_within_14_days(console: Console) -> None:
    shop, other = business(console), business(console)
    now = datetime.now(UTC)
    with psycopg.connect(console.owner_url) as conn:
        member = conn.execute(
            "insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (shop["org"],)
        ).fetchone()
        assert member
        for i, (booked_after, answer) in enumerate(((timedelta(days=3), "book"), (None, "no"), (None, None))):
            contact = conn.execute(
                "insert into contacts (organization_id, phone, name) values (%s, %s, 'Cliente') returning id::text",
                (shop["org"], f"346{uuid.uuid4().int % 10**8:08d}"),
            ).fetchone()
            assert contact
            sent = now - timedelta(days=5 + i)
            conn.execute(
                "insert into recalls (organization_id, contact_id, service_id, due_on, status, sent_at, answer)"
                " values (%s, %s, %s, %s, 'sent', %s, %s)",
                (shop["org"], contact[0], shop["service"], sent.date(), sent, answer),
            )
            if booked_after:  # the trigger links the booking to the recall
                starts = now + timedelta(days=10)
                conn.execute(
                    "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at,"
                    " ends_at, created_at) values (%s, %s, %s, %s, %s, %s, %s)",
                    (
                        shop["org"],
                        contact[0],
                        shop["service"],
                        member[0],
                        starts,
                        starts + timedelta(minutes=30),
                        sent + booked_after,
                    ),
                )
    page = console.signed_in(shop["org"], "staff").get("/console/appointments").text
    assert '<dd id="recall-metrics-sent">3</dd>' in page
    assert "33\u00a0%" in page and "(1 / 3)" in page
    assert "Reservar 1 · No, gracias 1" in page
    theirs = console.signed_in(other["org"], "owner").get("/console/appointments").text
    assert '<dd id="recall-metrics-sent">0</dd>' in theirs
