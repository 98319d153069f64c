"""Turns: latest ticket wins, the conversation gate, media, persistence and safe retries."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest

from receptionist import disclosure
from receptionist.crm import chats
from receptionist.crm.organizations import resolve_by_app
from receptionist.i18n.catalogues import message
from receptionist.messages import InboundTicket, UserEvent
from receptionist.processor import telemetry as turn_telemetry
from receptionist.processor.service import ESCALATION_ON_FAILURE

DEMO_ORG = "00000000-0000-4000-8000-000000000001"

# A new customer's first reply starts with the AI disclosure (receptionist/disclosure.py), in the
# demo clinic's words: its assistant's name and the business's.
TOLD = disclosure.default_text("Sofía", "Clínica Dental Sonrisa", "es")


def _rows(h: Any, direction: str) -> list[dict[str, Any]]:
    identity = chats.find_identity(h.db, DEMO_ORG, h.customer)
    assert identity
    return h.db.fetch_all(
        "select processed_text, status, turn_id, provider_message_id from chat_messages"
        " where chat_identity_id = %s and direction = %s order by created_at, part_index",
        (identity.id, direction),
    )


def test_a_burst_is_one_turn_answered_once(harness: Any) -> None:
    tickets = [harness.text(t) for t in ("Hola", "quería pedir cita", "para una limpieza")]
    outcomes = [harness.handle(t).outcome for t in tickets]
    assert outcomes == ["skipped_debounce", "skipped_debounce", "answered"]
    jobs = harness.jobs()
    assert [j["kind"] for j in jobs] == ["reply"]
    assert jobs[0]["text"] == disclosure.disclosed(TOLD, "Respuesta a: Hola\nquería pedir cita\npara una limpieza")
    assert len(harness.openai.completions()) == 1
    assert [r["processed_text"] for r in _rows(harness, "inbound")] == [
        "Hola",
        "quería pedir cita",
        "para una limpieza",
    ]
    assert _rows(harness, "outbound") == []  # the notifier writes what it sends
    assert jobs[0]["turn_id"] == tickets[-1].message_id


def test_messages_apart_are_two_turns(harness: Any) -> None:
    started = time.time()
    assert harness.handle(harness.text("Hola")).outcome == "answered"
    assert harness.handle(harness.text("¿Abrís el sábado?")).outcome == "answered"
    # What the daily roll-up measures (docs/stats.md): each message's webhook receipt, each turn's model.
    identity = chats.find_identity(harness.db, DEMO_ORG, harness.customer)
    assert identity is not None
    kept = harness.db.fetch_all(
        "select received_at from chat_messages where chat_identity_id = %s and direction = 'inbound'"
        " order by created_at",
        (identity.id,),
    )
    receipts = [r["received_at"].timestamp() for r in kept]  # the buffered messages' received_at_ms
    assert len(receipts) == 2 and started - 1 < receipts[0] < receipts[1] < time.time() + 60
    models = harness.db.fetch_all("select model from turn_usage where chat_identity_id = %s", (identity.id,))
    assert [m["model"] for m in models] == [harness.openai.completions()[0].json()["model"]] * 2
    assert [j["text"] for j in harness.jobs()] == [
        disclosure.disclosed(TOLD, "Respuesta a: Hola"),
        "Respuesta a: ¿Abrís el sábado?",
    ]
    # Each turn saw only its own message; the second also has the first in memory.
    second = harness.openai.completions()[1].json()["messages"]
    assert [m["content"] for m in second if m["role"] == "user"] == ["Hola", "¿Abrís el sábado?"]


def test_a_redelivered_ticket_does_not_answer_twice(harness: Any) -> None:
    ticket = harness.text("Hola")
    assert harness.handle(ticket).outcome == "answered"
    again = harness.handle(ticket)
    assert again.outcome == "replayed"
    jobs = harness.jobs()
    assert len({j["job_id"] for j in jobs}) == 1  # moto may deliver the resend; it is the same job
    assert len(harness.openai.completions()) == 1


def test_voice_note_and_photo_are_read_by_gemini_and_archived(harness: Any) -> None:
    audio, photo = b"OggS voice bytes", b"\xff\xd8\xff jpeg bytes"
    harness.gemini.answer_for(audio, "Quiero cambiar mi cita del jueves")
    harness.gemini.answer_for(photo, "Una muela con una mancha oscura.")
    t1 = harness.receive(
        {"url": harness.gupshup.add_media("n.ogg", audio, "audio/ogg"), "contentType": "audio/ogg"}, "audio"
    )
    t2 = harness.receive(
        {
            "url": harness.gupshup.add_media("p.jpg", photo, "image/jpeg"),
            "contentType": "image/jpeg",
            "caption": "me duele",
        },
        "image",
    )
    harness.handle(t1)
    report = harness.handle(t2)
    assert report.outcome == "answered" and report.media_seconds > 0
    texts = [r["processed_text"] for r in _rows(harness, "inbound")]
    assert texts == [
        "[Nota de voz] Quiero cambiar mi cita del jueves",
        "[Imagen] Una muela con una mancha oscura.\n(Texto del cliente: me duele)",
    ]
    from devstack.aws import moto_client

    s3 = moto_client("s3", harness.endpoint, "us-east-1")
    bucket = harness.bucket
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="media/").get("Contents", [])]
    assert len(stored) >= 2 and all(harness.customer not in k for k in stored)


def test_media_that_fails_or_is_too_big_never_fails_the_turn(harness: Any) -> None:
    big = harness.gupshup.add_media("big.jpg", b"x" * (5 * 1024 * 1024 + 1), "image/jpeg")
    t1 = harness.receive({"url": big, "contentType": "image/jpeg"}, "image")
    t2 = harness.receive({"url": harness.gupshup.url + "/media/missing.ogg", "contentType": "audio/ogg"}, "audio")
    harness.handle(t1)
    report = harness.handle(t2)
    assert report.outcome == "media_failed"
    assert [j["text"] for j in harness.jobs()] == [disclosure.disclosed(TOLD, message("es", "media_failed_reply"))]
    assert harness.openai.completions() == []  # nothing to ask the model
    harness.gemini.fail_next("500", "500", "500")
    ok_audio = harness.gupshup.add_media("ok.ogg", b"OggS 2", "audio/ogg")
    t3 = harness.receive({"url": ok_audio, "contentType": "audio/ogg"}, "audio")
    t4 = harness.text("¿me oyes?")
    harness.handle(t3)
    assert harness.handle(t4).outcome == "answered"
    assert "[Nota de voz que no se pudo escuchar]" in harness.jobs()[0]["text"]


def test_human_owned_and_opted_out_conversations_store_but_do_not_answer(harness: Any) -> None:
    harness.handle(harness.text("Hola"))
    harness.jobs()
    org = resolve_by_app(harness.db, "ClinicaSonrisa")
    assert org
    identity = chats.find_identity(harness.db, org.id, harness.customer)
    assert identity
    chats.open_escalation(harness.db, org.id, identity.id, "pide una persona", "turn-test")  # bot off
    assert harness.handle(harness.text("¿hay alguien?")).outcome == "human_owned"
    chats.hand_back_to_bot(harness.db, org.id, identity.id)
    opt_out = InboundTicket(
        kind="user_event",
        conversation=harness.conversation,
        message_id="opted-out:1",
        event=UserEvent(type="opted-out", occurred_at=1),
    )
    assert harness.handle(opt_out).outcome == "opted_out"
    # An acknowledgement asks for nothing: stored, not answered (a request would opt them back in
    # for service replies: tests/unit/processor/test_written_opt_out.py).
    assert harness.handle(harness.text("Gracias")).outcome == "opted_out"
    assert harness.jobs() == []
    assert [r["processed_text"] for r in _rows(harness, "inbound")] == ["Hola", "¿hay alguien?", "Gracias"]


def test_unknown_app_is_dropped(harness: Any) -> None:
    ticket = harness.text("hola")
    foreign = InboundTicket(conversation="NoSuchApp#" + harness.customer, message_id=ticket.message_id)
    assert harness.handle(foreign).outcome in ("nothing_pending", "unknown_app")


class Boom(RuntimeError):
    pass


def _fail_once_after(target: Any, method: str) -> dict[str, int]:
    """Make target.method run, then raise once (a crash right after that step)."""
    real = getattr(target, method)
    state = {"raised": 0}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if not state["raised"]:
            state["raised"] = 1
            raise Boom(f"crash after {method}")
        return result

    setattr(target, method, wrapped)
    return state


# Each step books its own slot, on a day no other test books (the session's database is shared).
CRASH_SLOTS = {"claim": "10:00", "media": "11:00", "agent": "12:00", "enqueue": "13:00"}


@pytest.mark.parametrize("step", list(CRASH_SLOTS))
def test_a_crash_after_any_step_gives_one_reply_and_one_booking(harness: Any, step: str) -> None:
    harness.openai.responder = None
    harness.openai.call("resolve_contact", name="Lucía Pérez")
    harness.openai.call("book_appointment", service="limpieza", start=f"2031-03-20 {CRASH_SLOTS[step]}", member="Ruiz")
    harness.openai.say("Reservado el martes a las 10:00.")
    harness.openai.say("Reservado el martes a las 10:00.")  # if the model is asked again
    if step == "claim":
        _fail_once_after(harness.service.ledger, "claim")
    elif step == "media":
        _fail_once_after(harness.service.media, "read")
    elif step == "agent":
        real_agent = harness.service.agent

        def agent(request: Any) -> Any:
            result = real_agent(request)
            if not getattr(agent, "raised", False):
                agent.raised = True  # type: ignore[attr-defined]
                raise Boom("crash after the agent booked")
            return result

        harness.service.agent = agent
    else:
        _fail_once_after(harness.service.outbound, "send")
    ticket = harness.text("Sí, resérvame la limpieza del martes a las 10")
    with pytest.raises(Boom):
        harness.handle(ticket)
    report = harness.handle(ticket)
    assert report.outcome in ("answered", "replayed")
    jobs = harness.jobs()
    assert len({j["job_id"] for j in jobs if j["kind"] == "reply"}) == 1
    booked = harness.db.fetch_all(
        "select a.id from appointments a join contacts c on c.id = a.contact_id where c.phone = %s", (harness.customer,)
    )
    assert len(booked) == 1


def test_model_down_on_every_attempt_gives_fallback_and_staff_notice(harness: Any) -> None:
    harness.openai.responder = None
    ticket = harness.text("Hola")
    for _ in range(2):  # attempts 1 and 2 raise (SQS retries)
        harness.openai.fail_next("500", "500", "500")  # each attempt retries the model, then fails
        with pytest.raises(Exception):  # noqa: B017 - the model's error, whatever its class
            harness.handle(ticket)
        assert harness.jobs() == []
    harness.openai.fail_next("500", "500", "500")
    report = harness.handle(ticket, final=True)  # the last attempt falls back instead of raising
    assert report.outcome == "gave_up"
    jobs = harness.jobs()
    assert [(j["kind"], j.get("text") or j.get("reason")) for j in jobs] == [
        ("fallback", disclosure.disclosed(TOLD, message("es", "fallback_reply"))),
        ("escalation", ESCALATION_ON_FAILURE),
    ]
    identity = chats.find_identity(harness.db, DEMO_ORG, harness.customer)
    assert identity and not identity.bot_enabled
    assert [r["processed_text"] for r in _rows(harness, "inbound")] == ["Hola"]


def test_a_turn_that_would_overrun_falls_back_on_its_last_attempt(harness: Any) -> None:
    """The model hangs; the invocation has a few seconds left: the deadline cuts the model call,
    the customer gets the fallback and staff the notice, and nothing stays claimed."""
    from receptionist.deadline import Deadline, DeadlineExceeded

    harness.openai.responder = None
    harness.openai.hang_seconds = 20
    ticket = harness.text("Hola, ¿tenéis hueco mañana?")
    harness.openai.fail_next("hang", "hang", "hang")
    started = time.monotonic()
    with pytest.raises((DeadlineExceeded, openai.APITimeoutError)):  # not the last attempt: retried
        harness.handle(ticket, deadline=Deadline.after(2.0))
    assert time.monotonic() - started < 10 and harness.jobs() == []
    harness.openai.fail_next("hang", "hang", "hang")
    report = harness.handle(ticket, final=True, deadline=Deadline.after(2.0))
    assert report.outcome == "gave_up" and report.error in ("DeadlineExceeded", "OpenAITimeoutError")
    assert [(j["kind"], j.get("text") or j.get("reason")) for j in harness.jobs()] == [
        ("fallback", disclosure.disclosed(TOLD, message("es", "fallback_reply"))),
        ("escalation", ESCALATION_ON_FAILURE),
    ]
    items = harness.service.ledger.open_messages(harness.conversation)
    assert items == []  # nothing pending or claimed


def test_budgets_hold_on_the_real_crm(harness: Any) -> None:
    """The business's own limit (agent_settings), counted in turn_usage under row level security."""
    from receptionist.processor.service import OVER_BUDGET_NOTICE

    harness.db.execute("update agent_settings set max_turns_per_hour = 2 where organization_id = %s", (DEMO_ORG,))
    try:
        outcomes = [harness.handle(harness.text(t)).outcome for t in ("uno", "dos", "tres", "cuatro")]
    finally:
        harness.db.execute("update agent_settings set max_turns_per_hour = 30 where organization_id = %s", (DEMO_ORG,))
    assert outcomes == ["answered", "answered", "over_budget", "over_budget"]
    jobs = harness.jobs()
    assert [j.get("text") for j in jobs if j["kind"] == "reply"][-2:] == [message("es", "over_budget_reply")] * 2
    assert [j["reason"] for j in jobs if j["kind"] == "escalation"] == [OVER_BUDGET_NOTICE["turns"]]
    assert len(harness.openai.completions()) == 2
    usage = harness.db.fetch_all(
        "select u.prompt_tokens > 0 as counted from turn_usage u join chat_identities i on i.id = u.chat_identity_id"
        " where i.customer_number = %s",
        (harness.customer,),
    )
    assert [u["counted"] for u in usage] == [True, True]
    assert [r["processed_text"] for r in _rows(harness, "inbound")] == ["uno", "dos", "tres", "cuatro"]


@pytest.mark.processor_env(CATALOGUE_PROMPT_TOKENS="0")  # the clinic as a business too large for the prompt
def test_a_search_without_the_embeddings_endpoint_answers_from_text_and_counts_it(harness: Any) -> None:
    harness.openai.responder = None
    harness.openai.fail_embeddings("500")
    harness.openai.call("knowledge_search", query="precio de la limpiesa").say("Cuesta 45 €.")
    report = harness.handle(harness.text("¿Cuánto cuesta la limpiesa?"))
    assert report.outcome == "answered" and report.tools == ["knowledge_search"] and report.search_degraded == 1
    tool_result = [m for m in harness.openai.completions()[-1].json()["messages"] if m["role"] == "tool"]
    assert "Limpieza dental" in tool_result[0]["content"]  # full text and trigrams still answer
    assert turn_telemetry.describe(report).counts[turn_telemetry.SEARCH_DEGRADED] == 1
    assert [j["kind"] for j in harness.jobs()] == ["reply"]


def test_the_customer_s_language_is_stored_and_the_model_told_it_in_the_same_turn(harness: Any) -> None:
    # The real processor on the real CRM (its role, under row level security): an English customer's
    # first message stores their language before the turn is worded; the model's turn part says it.
    assert harness.handle(harness.text("Hi, can I book a cleaning for tomorrow morning?")).outcome == "answered"
    identity = chats.find_identity(harness.db, DEMO_ORG, harness.customer)
    assert identity is not None and (identity.language, identity.language_source) == ("en", "detected")
    systems = [m["content"] for m in harness.openai.completions()[0].json()["messages"] if m["role"] == "system"]
    assert "El cliente habla inglés" in systems[-1] and "El cliente habla" not in systems[0]
    assert harness.handle(harness.text("ok")).outcome == "answered"  # one short message flips nothing
    again = chats.find_identity(harness.db, DEMO_ORG, harness.customer)
    assert again is not None and again.language == "en"
