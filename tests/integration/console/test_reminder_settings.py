"""The reminder settings page on its real parts (Cognito in moto, PostgreSQL as the functions' role):
owners only, CSRF on every post, the times, template and values checked (against the
business's own templates) with nothing written when one is wrong, the change audited, the table's
checks mapped to a sentence, and the reminder pass then following what was saved. Each test makes
its own business (seeded ones are left alone)."""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from console_kit import CHANGES, Console, csrf
from fastapi.testclient import TestClient

from receptionist.adapters.queues import FifoQueue
from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database
from receptionist.crm.settings import reminders as crm
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.messages import OutboundJob
from receptionist.reminders.service import ReminderPass

PAGE = "/console/settings/reminders"
PREVIEW = f"{PAGE}/preview"
TWO = "Hola {{1}}, te recordamos tu cita el {{2}}."
THREE = "{{1}}: tu cita de {{2}} con {{3}} es mañana."


def business(console: Console) -> str:
    """A new business of its own: persona, a Gupshup app, a service, a member, two approved
    templates (two and three values); reminders off, the table's default times."""
    org, app = str(uuid.uuid4()), f"Rec{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        conn.execute("insert into agent_settings (organization_id, timezone) values (%s, 'UTC')", (org,))
        conn.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000098', '/receptionist/dev/gupshup/x')",
            (org, app),
        )
        conn.execute(
            "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Corte', 30, 0)",
            (org,),
        )
        conn.execute("insert into members (organization_id, name) values (%s, 'Ana')", (org,))
        conn.execute(
            "insert into message_templates (organization_id, template_id, label, body, param_count)"
            " values (%s, 'recordatorio_cita', 'Recordatorio', %s, 2), (%s, 'recordatorio_largo', 'Y largo', %s, 3)",
            (org, TWO, org, THREE),
        )
    return org


def post(client: TestClient, path: str, **fields: Any) -> Any:
    """A form post with the CSRF token of the reminders page."""
    return client.post(path, data={"csrf_token": csrf(client, PAGE), **fields})


def stored(console: Console, organization: str) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(
            "select reminder_template_id, reminder_offsets_minutes, reminder_template_params from agent_settings"
            " where organization_id = %s",
            (organization,),
        ).fetchone()


def audit(console: Console, organization: str) -> list[tuple[str, str, dict[str, Any]]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            f"select actor, action, details from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            (organization,),
        ).fetchall()
    return [(str(a), str(b), c) for a, b, c in rows]


# Reminders on: 24 h and 2 h before (the third row says 2 h again, in minutes), {{1}} the
# customer's name, {{2}} the date and time; the third select is the longer template's, left empty.
ON = {
    "enabled": "on",
    "template_id": "recordatorio_cita",
    "offset_amount_1": "24",
    "offset_unit_1": "h",
    "offset_amount_2": "2",
    "offset_unit_2": "h",
    "offset_amount_3": "120",
    "offset_unit_3": "min",
    "offset_amount_4": "",
    "offset_unit_4": "h",
    "param_1": "customer_name",
    "param_2": "when",
    "param_3": "",
}


def test_an_owner_sees_the_templates_and_an_example(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'id="reminders-form"' in page.text
    assert 'id="settings-reminders" class="on"' in page.text  # the settings' section links
    assert 'id="settings-reminders"' in client.get("/console/settings").text
    # Off (no template yet): unticked, the table's default time (24 h), both templates to choose from.
    assert '<input type="checkbox" name="enabled" id="reminders-enabled" >' in page.text
    assert 'name="offset_amount_1" id="offset_amount_1" min="1" max="10080" value="24"' in page.text
    assert TWO in page.text and THREE in page.text
    assert "2 valores" in page.text and "3 valores" in page.text
    assert len(re.findall(r'<select name="param_\d"', page.text)) == 3  # the largest template's count
    assert '<label for="param_3">{{3}}</label>' in page.text
    # The example: the first template with the defaults ({{1}} the name, {{2}} date and time).
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"Hola Lucía, te recordamos tu cita el {tomorrow} a las 10:00." in page.text


def test_an_owner_saves_reminders_and_the_change_is_audited(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    answer = post(client, PAGE, **ON)
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?notice=saved"
    # Duplicates removed, the earliest reminder first.
    assert stored(console, org) == ("recordatorio_cita", [1440, 120], ["customer_name", "when"])
    [(actor, action, details)] = audit(console, org)
    assert actor.startswith("owner-") and action == "settings_reminders"
    assert details == {
        "enabled": True,
        "template_id": "recordatorio_cita",
        "offsets_minutes": [1440, 120],
        "template_params": ["customer_name", "when"],
    }
    page = client.get(f"{PAGE}?notice=saved")
    assert 'id="notice"' in page.text
    assert '<input type="checkbox" name="enabled" id="reminders-enabled" checked>' in page.text
    assert 'id="offset_amount_1" min="1" max="10080" value="24"' in page.text
    assert 'id="offset_amount_2" min="1" max="10080" value="2"' in page.text
    assert 'id="offset_amount_3" min="1" max="10080" value=""' in page.text
    assert "Recordatorios" in client.get("/console/settings").text  # the latest changes name it

    # Another template, with other values and a time in minutes.
    longer = {
        **ON,
        "template_id": "recordatorio_largo",
        "offset_amount_1": "90",
        "offset_unit_1": "min",
        "offset_amount_2": "",
        "offset_amount_3": "",
        "param_1": "customer_name",
        "param_2": "service",
        "param_3": "member",
    }
    assert post(client, PAGE, **longer).status_code == 303
    assert stored(console, org) == ("recordatorio_largo", [90], ["customer_name", "service", "member"])
    page = client.get(PAGE)
    assert 'id="offset_amount_1" min="1" max="10080" value="90"' in page.text
    assert "Lucía: tu cita de Corte con Ana es mañana." in page.text


# Six rows (the form has five: a crafted post), 1 to 6 hours before.
SIX_TIMES = {f"offset_amount_{n}": str(n) for n in range(1, 7)} | {f"offset_unit_{n}": "h" for n in range(1, 7)}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"offset_amount_1": "0"}, "Cada aviso va de 15 minutos a 7 días"),
        ({"offset_amount_1": "10", "offset_unit_1": "min"}, "Cada aviso va de 15 minutos a 7 días"),
        ({"offset_amount_1": "192"}, "Cada aviso va de 15 minutos a 7 días"),  # 8 days
        ({"offset_amount_1": "24,5"}, "Cada aviso va de 15 minutos a 7 días"),
        ({"offset_unit_1": "days"}, "Cada aviso va de 15 minutos a 7 días"),
        (SIX_TIMES, "Como mucho 5 avisos"),
        ({"offset_amount_1": "", "offset_amount_2": "", "offset_amount_3": ""}, "Indica al menos un momento"),
        ({"param_2": ""}, "La plantilla elegida lleva otro número de valores"),
        ({"param_3": "service"}, "La plantilla elegida lleva otro número de valores"),
        ({"param_2": "", "param_3": "service"}, "La plantilla elegida lleva otro número de valores"),
        ({"param_2": "customer_number"}, "Elige cada valor de la lista."),
        ({"template_id": ""}, "Elige la plantilla de los recordatorios"),
        ({"template_id": "no_existe"}, "Esa plantilla no es de este negocio"),
        ({"template_id": "otra plantilla"}, "Esa plantilla no es de este negocio"),
    ],
)
def test_a_value_to_correct_is_refused_with_a_sentence_and_nothing_is_saved(
    console: Console, change: dict[str, str], words: str
) -> None:
    org = business(console)
    client = console.signed_in(org)
    before = stored(console, org)
    for path in (PAGE, PREVIEW):
        answer = post(client, path, **{**ON, **change})
        assert answer.status_code == 400, (path, answer.text[-2000:])
        assert 'id="error"' in answer.text and words in answer.text, path
    assert stored(console, org) == before
    assert audit(console, org) == []


def test_another_business_s_template_is_refused(console: Console) -> None:
    mine, theirs = business(console), business(console)
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "insert into message_templates (organization_id, template_id, label, body, param_count)"
            " values (%s, 'solo_suya', 'Suya', 'Hola {{1}} y {{2}}', 2)",
            (theirs,),
        )
    client = console.signed_in(mine)
    assert "solo_suya" not in client.get(PAGE).text
    before = stored(console, mine)
    for path in (PAGE, PREVIEW):
        answer = post(client, path, **{**ON, "template_id": "solo_suya"})
        assert answer.status_code == 400 and "Esa plantilla no es de este negocio" in answer.text
    assert stored(console, mine) == before and audit(console, mine) == []


def test_the_preview_shows_what_was_entered_and_saves_nothing(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    fields = {**ON, "template_id": "recordatorio_largo", "param_2": "when", "param_3": "business"}
    answer = post(client, PREVIEW, **fields)
    assert answer.status_code == 200
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%d/%m/%Y")
    name = stored_name(console, org)
    assert f"Lucía: tu cita de {tomorrow} a las 10:00 con {name} es mañana." in answer.text
    assert 'value="recordatorio_largo" checked' in answer.text  # what was entered stays
    assert stored(console, org) == (None, [1440], ["customer_name", "service", "date", "time"])
    assert audit(console, org) == []


def stored_name(console: Console, organization: str) -> str:
    with psycopg.connect(console.owner_url) as conn:
        row = conn.execute("select name from organizations where id = %s", (organization,)).fetchone()
    assert row is not None
    return str(row[0])


def test_turning_reminders_off_clears_the_template_and_keeps_the_times(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    assert post(client, PAGE, **ON).status_code == 303
    # Unticked: whatever else the form says (even values that would be refused), no reminders.
    off = {k: v for k, v in ON.items() if k != "enabled"} | {"offset_amount_1": "0"}
    assert post(client, PAGE, **off).status_code == 303
    assert stored(console, org) == (None, [1440, 120], ["customer_name", "when"])
    assert [(a, d) for _, a, d in audit(console, org)][-1] == (
        "settings_reminders",
        {"enabled": False, "template_id": None},
    )
    page = client.get(PAGE)
    assert '<input type="checkbox" name="enabled" id="reminders-enabled" >' in page.text
    assert 'id="offset_amount_2" min="1" max="10080" value="2"' in page.text  # kept for next time


def test_staff_and_operator_accounts_get_403(console: Console) -> None:
    org = business(console)
    before = stored(console, org)
    staff = console.signed_in(org, "staff")
    answer = staff.get(PAGE)
    assert answer.status_code == 403 and "Solo la cuenta propietaria" in answer.text
    token = csrf(staff, "/console/inbox")
    assert staff.post(PAGE, data={"csrf_token": token, **ON}).status_code == 403
    assert staff.post(PREVIEW, data={"csrf_token": token, **ON}).status_code == 403
    operator = console.signed_in(None, "operator")
    assert operator.get(PAGE).status_code == 403
    token = csrf(operator, "/console/operator")
    assert operator.post(PAGE, data={"csrf_token": token, **ON}).status_code == 403
    assert stored(console, org) == before and audit(console, org) == []


def test_a_post_without_its_csrf_token_is_403_and_changes_nothing(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    before = stored(console, org)
    assert client.post(PAGE, data=ON).status_code == 403
    assert client.post(PAGE, data={**ON, "csrf_token": "0" * 64}).status_code == 403
    foreign = csrf(console.signed_in(org), PAGE)  # another browser's token fits only its own cookie
    assert client.post(PAGE, data={**ON, "csrf_token": foreign}).status_code == 403
    assert client.post(PREVIEW, data=ON).status_code == 403
    assert stored(console, org) == before and audit(console, org) == []


def test_the_table_s_checks_stay_the_last_word(console_url: str, console: Console) -> None:
    """Values past the form's own checks are refused by the database, as a sentence's code."""
    org = business(console)
    db = Database(console_url)  # as the console's role, as the settings page writes them
    try:
        with db.acting_for(org):
            for offsets in ([5], [1440, 60, 45, 30, 20, 15], [20000]):
                wanted = crm.ReminderSettings("recordatorio_cita", offsets, ["customer_name", "when"])
                with pytest.raises(InvalidSetting) as refused:
                    crm.save_reminders(db, org, wanted)
                assert refused.value.code == "set_bad_reminder_time"
            # A template of two values with one chosen: the check inside the transaction.
            with pytest.raises(InvalidSetting) as refused:
                crm.save_reminders(db, org, crm.ReminderSettings("recordatorio_cita", [60], ["when"]))
            assert refused.value.code == "set_reminder_params_count"
    finally:
        db.close()
    assert stored(console, org) == (None, [1440], ["customer_name", "service", "date", "time"])


def test_the_reminder_pass_follows_the_saved_times(app_url: str, console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    only_two_hours = {**ON, "offset_amount_1": "2", "offset_amount_2": "", "offset_amount_3": ""}
    assert post(client, PAGE, **only_two_hours).status_code == 303

    # An appointment of its own, at a far-future moment of its own (no other test's reminders).
    starts = datetime(2300, 1, 1, 9, tzinfo=UTC) + timedelta(minutes=15 * random.randrange(3_000_000))
    phone = f"3461{random.randrange(10**7, 10**8)}"
    with psycopg.connect(console.owner_url) as conn:
        service, member, app = conn.execute(
            "select s.id, m.id, p.app_name from services s, members m, platform_connections p"
            " where s.organization_id = %s and m.organization_id = s.organization_id"
            " and p.organization_id = s.organization_id",
            (org,),
        ).fetchone() or (None, None, None)
        contact = conn.execute(
            "insert into contacts (organization_id, name, phone) values (%s, 'Lucía', %s) returning id", (org, phone)
        ).fetchone()
        assert contact is not None
        identity = conn.execute(
            "insert into chat_identities (organization_id, customer_number, display_name, contact_id)"
            " values (%s, %s, 'Lucía', %s) returning id",
            (org, phone, contact[0]),
        ).fetchone()
        assert identity is not None
        conn.execute(  # the customer's reminder consent (crm/consent.py), as their first message grants it
            "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, at)"
            " values (%s, %s, 'reminders', 'granted', 'whatsapp', %s)",
            (org, identity[0], starts - timedelta(days=31)),
        )
        conn.execute(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
            " status, created_at) values (%s, %s, %s, %s, %s, %s, 'pending', %s)",
            (org, contact[0], service, member, starts, starts + timedelta(minutes=30), starts - timedelta(days=30)),
        )
    queue_url = console.sqs.create_queue(
        QueueName=f"rem-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"}
    )["QueueUrl"]
    db = Database(app_url)  # as the functions' role, as RemindersFunction runs
    try:
        reminder_pass = ReminderPass(db, FifoQueue(queue_url, console.sqs))
        reminder_pass.run(starts - timedelta(days=1), timedelta(minutes=10))  # 24 h: no longer a reminder time
        reminder_pass.run(starts - timedelta(hours=2, seconds=1), timedelta(minutes=10))
        assert reminders(console, org) == []
        reminder_pass.run(starts - timedelta(hours=2), timedelta(minutes=10))
    finally:
        db.close()
    assert reminders(console, org) == [(120, starts - timedelta(hours=2))]
    jobs = [j for j in queued(console, queue_url) if j.conversation == str(ConversationKey(app, phone))]
    assert [(j.kind, j.template_id, j.params) for j in jobs] == [
        ("reminder", "recordatorio_cita", ["Lucía", starts.strftime("%d/%m/%Y a las %H:%M")])
    ]


def reminders(console: Console, organization: str) -> list[tuple[int, datetime]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            "select offset_minutes, due_at from appointment_reminders where organization_id = %s order by due_at",
            (organization,),
        ).fetchall()
    return [(int(o), d) for o, d in rows]


def queued(console: Console, queue_url: str) -> list[OutboundJob]:
    found: list[OutboundJob] = []
    while batch := console.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            found.append(OutboundJob.model_validate_json(message["Body"]))
            console.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_the_page_speaks_english_and_escapes(console: Console) -> None:
    org = business(console)
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "insert into message_templates (organization_id, template_id, label, body, param_count)"
            " values (%s, 'aviso', '<script>x</script>', '<b>Hi</b> {{1}}', 1)",
            (org,),
        )
    client = console.signed_in(org)
    client.get("/console/lang/en")
    page = client.get(PAGE)
    assert page.status_code == 200 and 'lang="en"' in page.text and "When to remind" in page.text
    assert "<script>x</script>" not in page.text and "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<b>Hi</b>" not in page.text and "&lt;b&gt;Hi&lt;/b&gt;" in page.text
    answer = post(client, PAGE, **{**ON, "offset_amount_1": "200"})
    assert answer.status_code == 400 and "Each reminder is 15 minutes to 7 days" in answer.text
    # An English-speaking business's example says "at".
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update agent_settings set language = 'en' where organization_id = %s", (org,))
    answer = post(client, PREVIEW, **ON)
    assert answer.status_code == 200 and " at 10:00." in answer.text and "Hola Lucy" in answer.text


def test_the_reminder_values_are_those_the_pass_fills() -> None:
    from receptionist.crm.reminders import ReminderContent

    content = ReminderContent(
        "o", "a", "B", "app", "34600000000", "L", "S", "M", datetime(2300, 1, 1, tzinfo=UTC), "pending", None, [], None
    )
    assert set(crm.REMINDER_PARAM_NAMES) == set(content.values())
    assert set(crm.DEFAULT_REMINDER_PARAMS) == set(crm.REMINDER_PARAM_NAMES)
