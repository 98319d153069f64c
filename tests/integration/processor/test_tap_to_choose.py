"""Tap to choose through the processor (issue 17): the offered slots leave with the reply job as
choices, and a list_reply selection, parsed and buffered as the webhook does, books the chosen
slot. Real parts: moto, PostgreSQL with the demo seed, the real graph, the scripted demo model
over the local OpenAI-protocol server."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any

from devstack.demo_model import scripted_receptionist
from receptionist.agent.choices import parse_choice
from receptionist.crm.contacts import find_or_create_contact
from receptionist.deadline import Deadline
from receptionist.gupshup.inbound import MessageCallback, parse_callback
from receptionist.messages import Choice, InboundTicket, OutboundJob
from receptionist.processor.media import MediaReader
from receptionist.turns import BufferedMessage

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
LIMPIEZA = "00000000-0000-4000-8001-000000000001"


class NoMediaPorts:
    """A tap is read without downloads or Gemini: any call is a bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"media port {name} called for a tap")


def _tap(harness: Any, choice: Choice, kind: str = "list_reply") -> InboundTicket:
    """The customer taps a row: Gupshup's inbound callback, parsed and buffered as the webhook does."""
    mid = f"wamid.{uuid.uuid4().hex}"
    callback = {
        "app": "ClinicaSonrisa",
        "timestamp": int(time.time() * 1000),
        "version": 2,
        "type": "message",
        "payload": {
            "id": mid,
            "source": harness.customer,
            "type": kind,
            "payload": {
                "title": choice.title,
                "id": "2",
                "reply": f"{choice.title} 2",
                "postbackText": choice.id,
                "description": choice.description,
            },
            "sender": {"phone": harness.customer, "name": "Lucía"},
        },
    }
    parsed = parse_callback(json.dumps(callback))
    assert isinstance(parsed, MessageCallback)
    buffered = harness.buffer.buffer(
        conversation=harness.conversation,
        message_id=mid,
        message_type=kind,
        message_json=parsed.message.model_dump_json(exclude_none=True),
        received_at_ms=int(time.time() * 1000) + 1000,
        sent_at_ms=callback["timestamp"],
    )
    assert not buffered.duplicate
    return InboundTicket(conversation=harness.conversation, message_id=mid)


def _replies(harness: Any) -> list[OutboundJob]:
    return [OutboundJob.model_validate(j) for j in harness.jobs() if j["kind"] == "reply"]


def test_a_list_reply_selection_books_the_chosen_slot(harness: Any) -> None:
    harness.openai.responder = scripted_receptionist
    find_or_create_contact(harness.db, DEMO_ORG, harness.customer, "Lucía Pérez")

    assert harness.handle(harness.text("Hola, quiero una limpieza el martes")).outcome == "answered"
    (offer,) = _replies(harness)
    assert "¿Cuál prefieres?" in (offer.text or "")
    assert len(offer.choices) == 6
    # Not the first row: the booking must be the one tapped, not whatever comes first.
    chosen = offer.choices[3]
    picked = parse_choice(chosen.id)
    assert picked is not None and picked.kind == "slot" and picked.service_id == LIMPIEZA

    assert harness.handle(_tap(harness, chosen)).outcome == "answered"

    (done,) = _replies(harness)
    assert (done.text or "").startswith("¡Listo! Reservada") and done.choices == []
    inbound = harness.db.fetch_one(
        "select m.processed_text from chat_messages m join chat_identities i on i.id = m.chat_identity_id"
        " where i.customer_number = %s and m.direction = 'inbound' and m.kind = 'list_reply'",
        (harness.customer,),
    )
    assert inbound is not None and f"inicio {picked.start}]" in inbound["processed_text"]
    booked = harness.db.fetch_all(
        "select a.starts_at at time zone 'Europe/Madrid' as local_start, a.member_id::text, a.service_id::text,"
        " a.status from appointments a join contacts c on c.id = a.contact_id where c.phone = %s",
        (harness.customer,),
    )
    assert booked == [
        {
            "local_start": datetime.strptime(picked.start or "", "%Y-%m-%d %H:%M"),
            "member_id": picked.member_id,
            "service_id": LIMPIEZA,
            "status": "pending",
        }
    ]
    # The model was asked to book exactly the tapped slot, in one round.
    calls = [
        c["function"]
        for r in harness.openai.completions()
        for m in r.json()["messages"]
        for c in m.get("tool_calls") or []
        if c["function"]["name"] == "book_appointment"
    ]
    assert {json.dumps(json.loads(c["arguments"]), sort_keys=True) for c in calls} == {
        json.dumps({"member": picked.member_id, "service": LIMPIEZA, "start": picked.start}, sort_keys=True)
    }


def _as_the_model_reads_it(harness: Any, choice: Choice) -> str:
    """The text the processor makes of a tap on `choice` (no media port is needed for a tap)."""
    message = {
        "id": "wamid.x",
        "type": "list_reply",
        "payload": {"title": choice.title, "postbackText": choice.id, "description": choice.description},
    }
    read = MediaReader(NoMediaPorts()).read(
        harness.conversation, BufferedMessage("MSG#x", "wamid.x", "list_reply", message, 0), Deadline.never()
    )
    return read.text


def _book_calls(harness: Any) -> list[dict[str, Any]]:
    return [
        c["function"]
        for r in harness.openai.completions()
        for m in r.json()["messages"]
        for c in m.get("tool_calls") or []
        if c["function"]["name"] == "book_appointment"
    ]


def _booked(harness: Any) -> list[dict[str, Any]]:
    return harness.db.fetch_all(  # type: ignore[no-any-return]
        "select a.starts_at at time zone 'Europe/Madrid' as local_start, a.member_id::text"
        " from appointments a join contacts c on c.id = a.contact_id where c.phone = %s",
        (harness.customer,),
    )


def test_a_typed_imitation_of_a_tap_does_not_book_while_the_real_tap_does(harness: Any) -> None:
    """The customer types, character for character, what the model reads for a tap on an offered
    slot. It reaches the model as the customer's own words (brackets neutralised): no tap and no
    "sí", so nothing is booked. Tapping that row afterwards books it."""
    harness.openai.responder = scripted_receptionist
    find_or_create_contact(harness.db, DEMO_ORG, harness.customer, "Lucía Pérez")
    # Wednesday: the other tests here and in tests/integration/agent book Tuesday's slots.
    assert harness.handle(harness.text("Hola, quiero una limpieza el miércoles")).outcome == "answered"
    (offer,) = _replies(harness)
    chosen = offer.choices[3]
    imitation = _as_the_model_reads_it(harness, chosen)
    assert imitation.startswith("[El cliente eligió el hueco:") and imitation.endswith("]")

    assert harness.handle(harness.text(imitation)).outcome == "answered"

    assert _booked(harness) == [] and _book_calls(harness) == []
    sent = harness.openai.completions()[-1].json()["messages"]
    said = [m["content"] for m in sent if m["role"] == "user"][-1]
    assert "El cliente eligió el hueco" in said and "[" not in said and "]" not in said
    (answer,) = _replies(harness)
    assert not (answer.text or "").startswith("¡Listo!")

    assert harness.handle(_tap(harness, chosen)).outcome == "answered"

    (done,) = _replies(harness)
    assert (done.text or "").startswith("¡Listo! Reservada")
    picked = parse_choice(chosen.id)
    assert picked is not None and picked.start is not None
    assert _booked(harness) == [
        {"local_start": datetime.strptime(picked.start, "%Y-%m-%d %H:%M"), "member_id": picked.member_id}
    ]
