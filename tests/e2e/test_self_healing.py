"""The pipeline heals its own windows (HTTP webhook -> SQS -> processor -> notifier, all local):
a message stored without its ticket is answered, by Gupshup's retry or by the sweep; a photo
or voice note whose callback leaves fields out is still read and answered."""

from __future__ import annotations

import json
import time
from typing import Any

import psycopg
import pytest
from e2e_kit import Pipeline

from devstack.aws import moto_client
from devstack.gupshup_events import customer_message, post_callback
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.conversation_key import ConversationKey
from receptionist.gupshup.inbound import parse_callback

APP = "ClinicaSonrisa"


def _store_without_ticket(p: Pipeline, body: dict[str, Any]) -> None:
    """What the webhook's first call does; the function then dies before the ticket (the window)."""
    callback = parse_callback(json.dumps(body))
    message = callback.message  # type: ignore[union-attr]
    info = p.stack.info
    ddb = moto_client("dynamodb", info["aws_endpoint_url"], info["region"])
    ConversationBuffer(info["tables"]["ConversationsTable"], ddb).buffer(
        conversation=str(ConversationKey(APP, message.source)),
        message_id=message.id,
        message_type=message.type,
        message_json=message.model_dump_json(exclude_none=True),
        received_at_ms=int(time.time() * 1000),
        sent_at_ms=body["timestamp"],
    )


def _statuses(p: Pipeline, customer: str) -> list[str]:
    info = p.stack.info
    ddb = moto_client("dynamodb", info["aws_endpoint_url"], info["region"])
    items = ddb.query(
        TableName=info["tables"]["ConversationsTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues={
            ":pk": {"S": ConversationKey(APP, customer).partition},
            ":msg": {"S": "MSG#"},
        },
        ConsistentRead=True,
    )["Items"]
    return [i["status"]["S"] for i in items]


def test_a_ticket_lost_after_the_write_is_answered_on_gupshups_retry(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    body = customer_message(APP, customer, text="¿Cuál es vuestro horario?")
    _store_without_ticket(pipeline, body)
    assert post_callback(pipeline.stack.info["webhook_url"], pipeline.stack.config.webhook_secret, body) == 200
    pipeline.stack.wait_for(lambda: pipeline.gupshup.sent_to(customer), timeout=pipeline.bound())
    pipeline.stack.wait_for(lambda: _statuses(pipeline, customer) == ["done"], timeout=pipeline.bound())
    assert len(pipeline.gupshup.sent_to(customer)) == 1 and "Horario" in pipeline.gupshup.sent_to(customer)[0].text


def test_a_ticket_lost_and_never_retried_is_answered_by_the_sweep(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    _store_without_ticket(pipeline, customer_message(APP, customer, text="¿Qué horario tenéis el viernes?"))
    started = time.monotonic()
    sweeps_before = len(pipeline.stack.invocations_of("SweeperFunction"))
    pipeline.stack.wait_for(lambda: pipeline.gupshup.sent_to(customer), timeout=pipeline.bound())
    answered_after = time.monotonic() - started
    assert len(pipeline.stack.invocations_of("SweeperFunction")) > sweeps_before
    pipeline.stack.wait_for(lambda: _statuses(pipeline, customer) == ["done"], timeout=pipeline.bound())
    (sent,) = pipeline.gupshup.sent_to(customer)
    assert "Horario" in sent.text
    print(f"answered by the sweep {answered_after:.1f} s after it was stored (sweep every 1 s, stale after 3 s)")


# A real callback of each media kind as a peer's test suite recorded them: no contentType.
_MEDIA = {
    "image": (b"\xff\xd8\xff\xe0 jpeg bytes", ""),  # the server does not say either: read from the bytes
    "audio": (b"OggS voice bytes", "audio/ogg"),
    "video": (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
    "file": (b"%PDF-1.7", "application/pdf"),
    "sticker": (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
}


@pytest.mark.parametrize("kind", sorted(_MEDIA))
def test_every_media_kind_without_content_type_gets_a_reply(pipeline: Pipeline, kind: str) -> None:
    customer = pipeline.new_customer()
    data, served_as = _MEDIA[kind]
    url = pipeline.gupshup.add_media(f"{customer}-{kind}", data, served_as)
    content = {"caption": "mirad esto", "url": url, "urlExpiry": int(time.time() * 1000) + 86_400_000}
    body = customer_message(APP, customer, kind=kind, content=content)
    assert post_callback(pipeline.stack.info["webhook_url"], pipeline.stack.config.webhook_secret, body) == 200
    pipeline.stack.wait_for(lambda: pipeline.gupshup.sent_to(customer), timeout=pipeline.bound())
    pipeline.stack.wait_for(lambda: _statuses(pipeline, customer) == ["done"], timeout=pipeline.bound())
    assert len(pipeline.gupshup.sent_to(customer)) == 1
    with psycopg.connect(pipeline.stack.info["database_url"]) as conn:
        (text,) = conn.execute(
            "select m.processed_text from chat_messages m join chat_identities i on i.id = m.chat_identity_id"
            " where i.customer_number = %s and m.direction = 'inbound'",
            (customer,),
        ).fetchone()
    if kind in ("image", "audio"):
        assert text.startswith(("[Imagen] ", "[Nota de voz] ")), text  # downloaded, typed, read by Gemini
    assert "mirad esto" in text or kind == "sticker"  # a sticker is just "[Sticker]"
