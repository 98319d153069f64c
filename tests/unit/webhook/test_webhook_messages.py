"""Customer messages: every documented payload type is parsed, buffered once and ticketed."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
from webhook_kit import APP, CONTENT, CUSTOMER, EXPIRY, MESSAGE_KINDS, SECRET, Harness, message

from receptionist.conversation_key import ConversationKey
from receptionist.gupshup.inbound import (
    ContactMessage,
    LocationMessage,
    MediaMessage,
    ReplyMessage,
    TextMessage,
    parse_message,
)
from receptionist.messages import InboundTicket

CONVERSATION = str(ConversationKey(APP, CUSTOMER))


def _accept(harness: Harness, body: dict[str, Any]) -> tuple[Any, InboundTicket]:
    response = harness.post(body)
    assert response.status == 200, response.payload
    assert response.payload == {"status": "accepted"}
    assert len(harness.inbound.sent) == 1
    sent = harness.inbound.sent[0]
    ticket = InboundTicket.model_validate(sent.body)
    (item,) = harness.buffer.pending()
    return parse_message(item["message"]), ticket


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_each_message_type_is_buffered_and_ticketed(harness: Harness, kind: str) -> None:
    body = message(kind, CONTENT[kind], id=f"wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQz-{kind}")
    stored, ticket = _accept(harness, body)

    assert stored.type == kind
    assert stored.id == f"wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQz-{kind}"
    assert stored.source == CUSTOMER
    # The ticket says where the message is, nothing about what it says.
    assert ticket.kind == "message"
    assert ticket.conversation == CONVERSATION
    assert ticket.message_id == stored.id
    assert harness.buffer.meta[CONVERSATION]["last_message_id"] == stored.id
    assert set(harness.inbound.sent[0].body) == {"kind", "conversation", "message_id"}
    assert harness.buffer.meta[CONVERSATION]["open"]  # on the sweep's list until answered
    sent = harness.inbound.sent[0]
    assert sent.group == CONVERSATION and sent.dedup_id == stored.id
    assert harness.outbound.sent == []
    report = harness.telemetry.last
    assert (report.outcome, report.kind, report.message_id) == ("accepted", kind, stored.id)
    assert stored.id in harness.telemetry.correlations


def test_text(harness: Harness) -> None:
    stored, _ = _accept(harness, message("text", CONTENT["text"]))
    assert isinstance(stored, TextMessage)
    assert stored.payload.text == "Hola, ¿cuánto cuesta una limpieza dental?"
    assert stored.sender is not None and stored.sender.name == "Lucía"


@pytest.mark.parametrize("kind", ["image", "audio", "video", "file", "sticker"])
def test_media_carry_url_content_type_expiry_and_caption(harness: Harness, kind: str) -> None:
    stored, _ = _accept(harness, message(kind, CONTENT[kind]))
    assert isinstance(stored, MediaMessage)
    assert stored.payload.url == CONTENT[kind]["url"]
    assert stored.payload.content_type == CONTENT[kind]["contentType"]
    assert stored.payload.url_expiry == EXPIRY
    assert stored.payload.caption == CONTENT[kind].get("caption")
    if kind == "file":
        assert stored.payload.name == "presupuesto.pdf"


def test_media_content_type_under_its_documented_table_name(harness: Harness) -> None:
    content = {"url": CONTENT["image"]["url"], "content-type": "image/png", "urlExpiry": EXPIRY}
    stored, _ = _accept(harness, message("image", content))
    assert isinstance(stored, MediaMessage) and stored.payload.content_type == "image/png"


def test_location(harness: Harness) -> None:
    stored, _ = _accept(harness, message("location", CONTENT["location"]))
    assert isinstance(stored, LocationMessage)
    assert (stored.payload.latitude, stored.payload.longitude) == (40.4167754, -3.7037902)


def test_contact(harness: Harness) -> None:
    stored, _ = _accept(harness, message("contact", CONTENT["contact"]))
    assert isinstance(stored, ContactMessage)
    (card,) = stored.payload.contacts or []
    assert card["name"]["formatted_name"] == "Marta Ruiz"
    assert card["phones"][0]["wa_id"] == "34600222333"
    assert card["emails"][0]["email"] == "marta@example.com"


def test_button_reply(harness: Harness) -> None:
    stored, _ = _accept(harness, message("button_reply", CONTENT["button_reply"]))
    assert isinstance(stored, ReplyMessage)
    assert (stored.payload.title, stored.payload.id, stored.payload.reply) == (
        "Confirmar",
        "confirm-appt-42",
        "Confirmar 1",
    )


def test_quick_reply_template_button_and_interactive_forms(harness: Harness) -> None:
    stored, _ = _accept(harness, message("quick_reply", CONTENT["quick_reply"]))
    assert isinstance(stored, ReplyMessage)
    assert (stored.payload.text, stored.payload.type) == ("Cancelar cita", "button")
    other = Harness()
    stored, _ = _accept(other, message("quick_reply", {"title": "Sí", "id": "qr1", "reply": "Sí 1"}))
    assert isinstance(stored, ReplyMessage) and stored.payload.id == "qr1"


def test_list_reply(harness: Harness) -> None:
    stored, _ = _accept(harness, message("list_reply", CONTENT["list_reply"]))
    assert isinstance(stored, ReplyMessage)
    assert stored.payload.postback_text == "book:service-7"
    assert stored.payload.description == "45 min, 45 €"


def test_stored_message_keeps_gupshup_field_names(harness: Harness) -> None:
    harness.post(message("list_reply", CONTENT["list_reply"]))
    (item,) = harness.buffer.pending()
    assert '"postbackText":"book:service-7"' in item["message"]
    assert item["message_type"] == "list_reply"
    assert item["sent_at"] == message("text", {})["timestamp"]


def test_reply_context_is_kept(harness: Harness) -> None:
    body = message("text", {"text": "sí"})
    body["payload"]["context"] = {"id": "gBEGkYaYVSEEAgnPFrOLcjkFjL8", "gsId": "9b71295f-f7af-4c1f-b2b4-31b4a4867bad"}
    stored, _ = _accept(harness, body)
    assert stored.context is not None and stored.context.gs_id == "9b71295f-f7af-4c1f-b2b4-31b4a4867bad"


@pytest.mark.parametrize(
    "message_id",
    [
        "ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c",  # old Gupshup form
        "wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQUI0RjE2QzA5NUZBMkE5MEI4RgA=",  # WhatsApp Cloud API form
        "59f8db90-c37e-4408-90ab-cc54ef8246ad",
    ],
)
def test_message_ids_are_opaque_and_used_as_is(harness: Harness, message_id: str) -> None:
    _, ticket = _accept(harness, message("text", {"text": "hola"}, id=message_id))
    assert ticket.message_id == message_id
    assert harness.inbound.sent[0].dedup_id == message_id


@pytest.mark.parametrize("message_id", ["id with spaces", "ñandú-ümlaut", "x" * 129])
def test_ids_sqs_cannot_take_become_their_sha256(harness: Harness, message_id: str) -> None:
    _, ticket = _accept(harness, message("text", {"text": "hola"}, id=message_id))
    assert ticket.message_id == message_id  # the ticket keeps the real id
    assert harness.inbound.sent[0].dedup_id == hashlib.sha256(message_id.encode()).hexdigest()


def test_conversation_group_is_hashed_only_when_sqs_needs_it() -> None:
    harness = Harness(secrets={"ClínicaSonrisa": [SECRET]})
    body = message("text", {"text": "hola"})
    body["app"] = "ClínicaSonrisa"
    _, ticket = _accept(harness, body)
    assert ticket.conversation == str(ConversationKey("ClínicaSonrisa", CUSTOMER))
    assert harness.inbound.sent[0].group == hashlib.sha256(ticket.conversation.encode()).hexdigest()


def test_duplicate_is_acknowledged_and_its_ticket_sent_again_while_pending(harness: Harness) -> None:
    body = message("text", {"text": "hola"})
    assert harness.post(body).status == 200
    again = harness.post(copy.deepcopy(body))
    assert again.status == 200
    assert again.payload == {"status": "duplicate"}
    # Still waiting for its turn: the same ticket again, which SQS deduplicates (same id).
    assert [s.dedup_id for s in harness.inbound.sent] == [body["payload"]["id"]] * 2
    assert len(harness.buffer.items) == 1
    assert harness.telemetry.last.outcome == "duplicate"
    assert harness.telemetry.last.kind == "text"


def test_messages_of_one_conversation_buffer_in_arrival_order(harness: Harness) -> None:
    for i in range(3):
        harness.post(message("text", {"text": f"mensaje {i}"}, id=f"wamid.{i}"))
    assert [s.body["message_id"] for s in harness.inbound.sent] == ["wamid.0", "wamid.1", "wamid.2"]
    in_order = [item["message_id"] for (_, sk), item in sorted(harness.buffer.items.items())]
    assert in_order == ["wamid.0", "wamid.1", "wamid.2"]
    assert harness.buffer.meta[CONVERSATION]["last_message_id"] == "wamid.2"


def test_unknown_fields_are_tolerated_everywhere(harness: Harness) -> None:
    body = message("image", {**CONTENT["image"], "mediaId": "748b4597", "sha256": "abc"}, id="wamid.extra")
    body["newTopLevel"] = {"x": 1}
    body["payload"]["origin"] = "ctwa"
    body["payload"]["sender"]["bsuid"] = "US.1234"
    stored, _ = _accept(harness, body)
    assert isinstance(stored, MediaMessage)


def test_source_may_come_from_sender_phone(harness: Harness) -> None:
    body = message("text", {"text": "hola"})
    del body["payload"]["source"]
    stored, ticket = _accept(harness, body)
    assert stored.source == CUSTOMER and ticket.conversation == CONVERSATION


def test_media_without_expiry_is_still_a_message(harness: Harness) -> None:
    content = {k: v for k, v in CONTENT["audio"].items() if k != "urlExpiry"}
    stored, _ = _accept(harness, message("audio", content))
    assert isinstance(stored, MediaMessage) and stored.payload.url_expiry is None


@pytest.mark.parametrize("kind", ["reaction", "order", "unsupported", "system"])
def test_unsupported_message_types_are_ignored_and_counted(harness: Harness, kind: str) -> None:
    response = harness.post(message(kind, {"emoji": "👍"}))
    assert response.status == 200 and response.payload == {"status": "ignored"}
    assert harness.nothing_stored_or_sent()
    report = harness.telemetry.last
    assert (report.outcome, report.reason, report.detail) == ("ignored", "unsupported_message_type", kind)


def test_a_ticket_lost_after_the_buffer_write_is_sent_again_on_gupshups_retry(harness: Harness) -> None:
    body = message("text", {"text": "hola"})
    harness.inbound.fail_with = RuntimeError("SQS is down")
    with pytest.raises(RuntimeError, match="SQS is down"):
        harness.post(body)
    assert len(harness.buffer.pending()) == 1  # stored, no ticket: the crash window
    assert (harness.telemetry.last.outcome, harness.telemetry.last.reason) == ("failed", "RuntimeError")

    harness.inbound.fail_with = None  # Gupshup retries the callback
    response = harness.post(body)
    assert response.payload == {"status": "duplicate"}
    assert (harness.telemetry.last.outcome, harness.telemetry.last.reason) == ("duplicate", "reticketed")
    (sent,) = harness.inbound.sent
    assert sent.dedup_id == body["payload"]["id"]  # the same id: SQS drops it if the first one got out
    assert len(harness.buffer.items) == 1


def test_a_redelivery_of_an_answered_message_sends_nothing(harness: Harness) -> None:
    body = message("text", {"text": "hola"})
    harness.post(body)
    harness.buffer.answer_all()
    assert harness.post(copy.deepcopy(body)).payload == {"status": "duplicate"}
    assert len(harness.inbound.sent) == 1 and harness.telemetry.last.reason is None
