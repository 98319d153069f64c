"""Organizations, chat identities, messages, delivery states, summaries, search, escalations."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_kit import DEMO_ORG

from receptionist.crm import chats
from receptionist.crm.catalogue import find_service, knowledge_search, list_services
from receptionist.crm.connection import Database
from receptionist.crm.organizations import notification_settings, resolve_by_app


def test_resolve_organization_by_gupshup_app(db: Database) -> None:
    org = resolve_by_app(db, "ClinicaSonrisa")
    assert org and org.id == DEMO_ORG and org.settings.timezone == "Europe/Madrid"
    assert org.settings.assistant_name == "Sofía" and org.connection.business_number == "34910000001"
    assert resolve_by_app(db, "NoSuchApp") is None
    staff = notification_settings(db, DEMO_ORG)
    assert staff.staff_numbers == ["34699000001"] and staff.template_id == "escalation_notice"


def test_identity_is_created_once_and_tracks_last_inbound(db: Database) -> None:
    first = chats.touch_identity(db, DEMO_ORG, "34600555001", "Lucía", datetime(2031, 1, 1, 10, tzinfo=UTC))
    later = chats.touch_identity(db, DEMO_ORG, "34600555001", None, datetime(2031, 1, 1, 12, tzinfo=UTC))
    older = chats.touch_identity(db, DEMO_ORG, "34600555001", None, datetime(2031, 1, 1, 11, tzinfo=UTC))
    assert first.id == later.id == older.id
    assert later.display_name == "Lucía" and first.bot_enabled and not first.opted_out
    assert older.last_inbound_at == datetime(2031, 1, 1, 12, tzinfo=UTC)


def test_messages_are_recorded_once_and_statuses_never_go_back(db: Database) -> None:
    ident = chats.touch_identity(db, DEMO_ORG, "34600555002", None, None)
    for _ in range(2):
        chats.record_inbound(
            db, DEMO_ORG, ident.id, provider_message_id="wamid.A", kind="text", raw={"t": 1}, processed_text="hola"
        )
    out1 = chats.record_outbound(db, DEMO_ORG, ident.id, text="¡Hola!", turn_id="wamid.A")
    out2 = chats.record_outbound(db, DEMO_ORG, ident.id, text="¡Hola!", turn_id="wamid.A")
    assert out1 == out2
    chats.mark_sent(db, DEMO_ORG, out1, "gs-1")
    assert chats.record_status(db, DEMO_ORG, "gs-1", "read")
    assert not chats.record_status(db, DEMO_ORG, "gs-1", "delivered")  # late, out of order
    assert not chats.record_status(db, DEMO_ORG, "gs-1", "failed")
    history = db.fetch_all(
        "select direction, processed_text, status from chat_messages"
        " where organization_id = %s and chat_identity_id = %s order by created_at, part_index",
        (DEMO_ORG, ident.id),
    )
    assert [(m["direction"], m["processed_text"], m["status"]) for m in history] == [
        ("inbound", "hola", "received"),
        ("outbound", "¡Hola!", "read"),
    ]


def test_failed_is_terminal(db: Database) -> None:
    ident = chats.touch_identity(db, DEMO_ORG, "34600555003", None, None)
    mid = chats.record_outbound(db, DEMO_ORG, ident.id, text="x", turn_id="t-failed")
    chats.mark_sent(db, DEMO_ORG, mid, "gs-2")
    assert chats.record_status(db, DEMO_ORG, "gs-2", "failed", "470: outside window")
    assert not chats.record_status(db, DEMO_ORG, "gs-2", "delivered")
    assert not chats.record_status(db, DEMO_ORG, "gs-2", "read")


def test_summary_escalation_and_hand_back(db: Database) -> None:
    ident = chats.touch_identity(db, DEMO_ORG, "34600555004", None, None)
    chats.save_thread_summary(db, DEMO_ORG, ident.id, "uno")
    chats.save_thread_summary(db, DEMO_ORG, ident.id, "dos")
    row = db.fetch_one(
        "select summary from thread_summaries where organization_id = %s and chat_identity_id = %s",
        (DEMO_ORG, ident.id),
    )
    assert row is not None and row["summary"] == "dos"
    e1, _ = chats.open_escalation(db, DEMO_ORG, ident.id, "pide una persona", "turn-9")
    e2, _ = chats.open_escalation(db, DEMO_ORG, ident.id, "pide una persona", "turn-9")
    assert e1 == e2
    found = chats.find_identity(db, DEMO_ORG, "34600555004")
    assert found and not found.bot_enabled
    chats.hand_back_to_bot(db, DEMO_ORG, ident.id)
    found = chats.find_identity(db, DEMO_ORG, "34600555004")
    assert found and found.bot_enabled
    status = db.fetch_one("select status from escalations where id = %s", (e1,))
    assert status and status["status"] == "resolved"


def test_spanish_search_ignores_accents_and_ranks(db: Database) -> None:
    hits = knowledge_search(db, DEMO_ORG, "depilacion laser")
    assert hits and hits[0].title == "Depilación láser"
    prices = knowledge_search(db, DEMO_ORG, "¿Cuánto cuesta una limpieza?")
    assert prices[0].kind == "service" and prices[0].title == "Limpieza dental" and "45.00 EUR" in prices[0].body
    assert knowledge_search(db, DEMO_ORG, "horarios de apertura")[0].title == "Horario"
    assert knowledge_search(db, "00000000-0000-4000-8000-00000000dead", "limpieza") == []
    found = find_service(db, DEMO_ORG, "limpieza")
    assert found and found.name == "Limpieza dental"
    assert len(list_services(db, DEMO_ORG)) == 5
