"""Staff notifications in the settings on their real parts: numbers and the escalation template
checked, stored and audited (numbers counted, never listed)."""

from __future__ import annotations

import psycopg
from console_kit import CHANGES, Console
from settings_kit import (
    audit,
    business,
    post,
    row,
)


def test_staff_numbers_are_checked_and_stored(console: Console) -> None:
    org = business(console)
    # The notice template must be one of the business's approved templates (issue 27).
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "insert into message_templates (organization_id, template_id, label, body, param_count, status)"
            " values (%s, 'aviso_escalada', 'Aviso', 'Hola, {{1}}: {{2}}', 2, 'APPROVED')",
            (org,),
        )
    client = console.signed_in(org)
    page = "/console/settings/notifications"
    answer = post(client, page, page, staff_numbers="+34 600 111 222\n12345", escalation_template_id="aviso")
    assert answer.status_code == 400 and "Algún número no es válido" in answer.text
    assert row(console, "select staff_numbers from notification_settings where organization_id = %s", org) == ([],)
    answer = post(client, page, page, staff_numbers="+34 600 111 222", escalation_template_params="customer_name, x")
    assert answer.status_code == 400 and "Parámetros desconocidos" in answer.text
    assert audit(console, org) == []

    answer = post(
        client,
        page,
        page,
        staff_numbers="+34 600 111 222\n0051 987 654 321, 34600111222",
        escalation_template_id="aviso_escalada",
        escalation_template_params="customer_number, reason",
    )
    assert answer.status_code == 303
    assert row(
        console,
        "select staff_numbers, escalation_template_id, escalation_template_params from notification_settings"
        " where organization_id = %s",
        org,
    ) == (["34600111222", "51987654321"], "aviso_escalada", ["customer_number", "reason"])
    [(_, action, _)] = audit(console, org)
    assert action == "settings_notifications"
    details = row(console, f"select details from audit_log where organization_id = %s and {CHANGES}", org)  # noqa: S608
    assert details is not None and "34600111222" not in str(details[0])  # counted, not listed
    assert "34600111222" in client.get(page).text
