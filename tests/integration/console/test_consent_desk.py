"""The console's part of issue 25 on its real parts (Cognito in moto, PostgreSQL as the console's
role): the AI disclosure's sentence and silence on the persona page, stored, audited with the text
and its version, refused readably; a customer's consent state and history on the conversation's
and the appointment's page; the front desk recording a purpose with the staff account named and
audited, also for a patient booked by phone who never wrote (who is then reminded); another
business's customer a 404; CSRF on every post; both languages."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from console_kit import CHANGES, CLINIC, SALON, Console, csrf
from fastapi.testclient import TestClient

from devstack.aws import moto_client
from receptionist import disclosure
from receptionist.adapters.queues import FifoQueue
from receptionist.console.words import known_ids, words
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact
from receptionist.crm.organizations import resolve_by_app
from receptionist.reminders.service import ReminderPass

PERSONA = {
    "assistant_name": "Marta",
    "tone": "cercano",
    "instructions": "",
    "language": "es",
    "timezone": "Europe/Madrid",
    "booking_lead_minutes": "30",
    "booking_horizon_days": "90",
    "slot_step_minutes": "30",
}
GOMEZ = "00000000-0000-4000-8002-000000000001"
LIMPIEZA = "00000000-0000-4000-8001-000000000001"


def _business(console: Console) -> tuple[str, str]:
    """(organization, app): a new business of its own."""
    org, app = str(uuid.uuid4()), f"Aviso{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, "Clínica Norte"))
        conn.execute("insert into agent_settings (organization_id, assistant_name) values (%s, 'Ana')", (org,))
        conn.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000097', %s)",
            (org, app, f"/receptionist/dev/gupshup/{app}"),
        )
    return org, app


def _post(client: TestClient, path: str, page: str, **fields: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client, page), **fields})


def _one(console: Console, sql: str, *params: Any) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(sql, params).fetchone()


def _audit(console: Console, organization: str, action: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            f"select actor, target, details from audit_log where organization_id = %s and action = %s and {CHANGES}"  # noqa: S608
            " order by id",
            (organization, action),
        ).fetchall()
    return [(str(a), b, c) for a, b, c in rows]


def _events(console: Console, identity: str) -> list[tuple[str, str, str, str | None]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            "select purpose, state, source, actor from consent_events where chat_identity_id = %s order by id",
            (identity,),
        ).fetchall()
    return [(a, b, c, d) for a, b, c, d in rows]


# -- the disclosure on the persona page ------------------------------------------------------------
def test_the_disclosure_sentence_and_silence_are_set_stored_and_audited(console: Console) -> None:
    org, app = _business(console)
    client = console.signed_in(org)
    page = client.get("/console/settings")
    default = disclosure.default_text("Ana", "Clínica Norte", "es")
    assert 'id="disclosure_text"' in page.text and 'id="disclosure_after_days"' in page.text
    assert default in page.text  # what customers are told while the field is empty
    own = "Te responde Marta, un asistente automático (IA) de Clínica Norte. Escribe PERSONA para hablar con alguien."
    answer = _post(
        client, "/console/settings", "/console/settings", **PERSONA, disclosure_text=own, disclosure_after_days="90"
    )
    assert answer.status_code == 303
    assert _one(
        console, "select disclosure_text, disclosure_after_days from agent_settings where organization_id = %s", org
    ) == (
        own,
        90,
    )
    owner = Database(console.owner_url)
    try:
        found = resolve_by_app(owner, app)  # what the processor reads
    finally:
        owner.close()
    assert found is not None and disclosure.text_for(found.settings, found.name) == own
    [(_, _, details)] = _audit(console, org, "settings_persona")
    assert details["changed"]["disclosure"] == {"text": own, "version": disclosure.version_of(own)}
    # Emptied: the default again, in the assistant's name and language (audited as such).
    _post(client, "/console/settings", "/console/settings", **PERSONA, disclosure_text="", disclosure_after_days="")
    assert _one(
        console, "select disclosure_text, disclosure_after_days from agent_settings where organization_id = %s", org
    ) == (
        None,
        180,
    )
    marta = disclosure.default_text("Marta", "Clínica Norte", "es")
    assert _audit(console, org, "settings_persona")[-1][2]["changed"]["disclosure"]["text"] == marta


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"disclosure_text": "x" * 601}, "set_bad_disclosure_text"),
        ({"disclosure_after_days": "0"}, "set_bad_disclosure_after_days"),
        ({"disclosure_after_days": "3651"}, "set_bad_disclosure_after_days"),
        ({"disclosure_after_days": "medio año"}, "set_bad_disclosure_after_days"),
    ],
)
def test_bad_disclosure_values_are_refused_readably_and_nothing_is_written(
    console: Console, fields: dict[str, str], sentence: str
) -> None:
    org, _ = _business(console)
    client = console.signed_in(org)
    answer = _post(client, "/console/settings", "/console/settings", **{**PERSONA, **fields})
    assert answer.status_code == 400 and words("es")[sentence] in answer.text
    assert _one(
        console, "select assistant_name, disclosure_text from agent_settings where organization_id = %s", org
    ) == (
        "Ana",
        None,
    )


# -- consent on a conversation's page --------------------------------------------------------------
def test_a_conversation_shows_its_consent_and_the_front_desk_records_with_its_account(console: Console) -> None:
    identity = console.conversation(CLINIC)  # a customer who wrote: service and reminders granted
    client = console.signed_in(CLINIC, "staff")
    page_url = f"/console/conversations/{identity}"
    page = client.get(page_url).text
    states = dict(re.findall(r'data-purpose="(\w+)" data-state="(\w+)">', page))
    assert states == {"service": "granted", "reminders": "granted", "marketing": "none"}
    assert page.count('class="consent-event"') == 2 and words("es")["consent_source_whatsapp"] in page

    answer = _post(client, f"{page_url}/consent", page_url, purpose="marketing", state="granted")
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"{page_url}?notice=consent_recorded")
    email = _one(console, "select actor from audit_log where action = 'consent_recorded' and target = %s", identity)
    assert email is not None and email[0].startswith("staff-")
    assert _events(console, identity)[-1] == ("marketing", "granted", "front_desk", f"staff:{email[0]}")
    page = client.get(f"{page_url}?notice=consent_recorded").text
    assert 'id="consent-notice"' in page and 'data-purpose="marketing" data-state="granted"' in page

    # Withdrawing service replies at the front desk is an opt-out: the badge, and no more replies.
    _post(client, f"{page_url}/consent", page_url, purpose="service", state="withdrawn")
    assert _one(console, "select opted_out from chat_identities where id = %s", identity) == (True,)
    assert words("es")["opted_out_badge"] in client.get(page_url).text
    details = [d for _, target, d in _audit(console, CLINIC, "consent_recorded") if target == identity]
    assert [(d["purpose"], d["state"]) for d in details] == [("marketing", "granted"), ("service", "withdrawn")]


def test_consent_posts_refuse_what_they_must(console: Console) -> None:
    identity = console.conversation(CLINIC)
    salon_customer = console.conversation(SALON)
    client = console.signed_in(CLINIC, "staff")
    page_url = f"/console/conversations/{identity}"
    # Another business's customer, or no such id: 404, nothing written.
    for target in (salon_customer, "not-an-id", str(uuid.uuid4())):
        assert (
            _post(
                client, f"/console/conversations/{target}/consent", page_url, purpose="marketing", state="granted"
            ).status_code
            == 404
        )
    assert [e for e in _events(console, salon_customer) if e[2] == "front_desk"] == []
    # A purpose or state that does not exist: a sentence.
    bad = _post(client, f"{page_url}/consent", page_url, purpose="everything", state="granted")
    assert bad.status_code == 400 and words("es")["consent_bad_choice"] in bad.text
    # Without the form's CSRF token: 403 and nothing written.
    before = _events(console, identity)
    refused = client.post(f"{page_url}/consent", data={"purpose": "marketing", "state": "granted"})
    assert refused.status_code == 403 and _events(console, identity) == before


# -- a patient booked by phone ---------------------------------------------------------------------
def test_a_patient_booked_by_phone_gets_consent_recorded_and_is_reminded(
    console: Console, app_url: str, moto_endpoint: str
) -> None:
    number = f"3461{uuid.uuid4().int % 10**7:07d}"
    owner = Database(console.owner_url)
    try:
        contact = find_or_create_contact(owner, CLINIC, number, "Pilar Ruiz").id
        starts = datetime(2300, 1, 1, 9, tzinfo=UTC) + timedelta(minutes=30 * (uuid.uuid4().int % 5_000_000))
        appointment = owner.fetch_one(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
            " created_at) values (%s, %s, %s, %s, %s, %s, %s) returning id::text as id",
            (CLINIC, contact, LIMPIEZA, GOMEZ, starts, starts + timedelta(minutes=30), starts - timedelta(days=10)),
        )
    finally:
        owner.close()
    assert appointment is not None
    client = console.signed_in(CLINIC, "staff")
    page_url = f"/console/appointments/{appointment['id']}"
    page = client.get(page_url).text
    assert re.findall(r'data-state="(\w+)">', page) == ["none", "none", "none"]  # never wrote: nothing recorded

    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    queue = sqs.create_queue(QueueName=f"rem-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})
    db = Database(app_url)  # as RemindersFunction runs
    try:
        reminder_pass = ReminderPass(db, FifoQueue(queue["QueueUrl"], sqs))
        assert reminder_pass.run(starts - timedelta(days=1), timedelta(hours=1)).due == 0  # no consent, no reminder
        answer = _post(client, f"{page_url}/consent", page_url, purpose="reminders", state="granted")
        assert answer.status_code == 303 and "notice=consent_recorded" in answer.headers["location"]
        report = reminder_pass.run(starts - timedelta(days=1) + timedelta(minutes=5), timedelta(hours=1))
    finally:
        db.close()
    assert (report.due, report.queued) == (1, 1)
    identity = _one(
        console, "select id::text, contact_id::text from chat_identities where customer_number = %s", number
    )
    assert identity is not None and identity[1] == contact
    email = _one(console, "select actor from audit_log where action = 'consent_recorded' and target = %s", identity[0])
    assert email is not None
    assert _events(console, identity[0]) == [("reminders", "granted", "front_desk", f"staff:{email[0]}")]
    page = client.get(page_url).text
    assert 'data-purpose="reminders" data-state="granted"' in page and email[0] in page
    # Another business's staff cannot see or record it.
    salon = console.signed_in(SALON, "staff")
    assert salon.get(page_url).status_code == 404
    assert (
        _post(salon, f"{page_url}/consent", "/console/inbox", purpose="reminders", state="withdrawn").status_code == 404
    )


def test_every_consent_word_exists_in_both_languages(console: Console) -> None:
    consent_words = {k for k in known_ids() if k.startswith("consent_")}
    root = Path(__file__).resolve().parents[3] / "layers/shared/receptionist/console"
    used = set(re.findall(r"t\.(consent_[a-z_]+)", (root / "templates/consent.html").read_text()))
    dynamic = {f"consent_{p}_{v}" for p, vs in (("purpose", ("service", "reminders", "marketing")),) for v in vs}
    dynamic |= {f"consent_source_{s}" for s in ("whatsapp", "written", "gupshup", "front_desk", "import")}
    dynamic |= {f"consent_choice_{s}" for s in ("granted", "withdrawn")} | {"consent_granted", "consent_withdrawn"}
    assert used | dynamic <= consent_words, (used | dynamic) - consent_words
    identity = console.conversation(CLINIC)
    client = console.signed_in(CLINIC, "staff")
    client.get("/console/lang/en")
    page = client.get(f"/console/conversations/{identity}").text
    assert words("en")["consent_title"] in page and words("en")["consent_source_whatsapp"] in page
