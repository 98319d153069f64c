"""Replies with choices end to end: SQS event -> real notifier handler -> the local Gupshup server
(which checks list and quick_reply shapes as Gupshup does) + PostgreSQL + moto."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from notifier_kit import API_KEY, APP, ORG, Gupshup, Notifier

from receptionist.adapters.gupshup_api import AppCredentials, GupshupApi, GupshupError
from receptionist.crm.connection import Database
from receptionist.messages import Choice, OutboundJob
from receptionist.notifier.interactive import interactive_message

SLOTS = [
    Choice(
        id=f"slot|00000000-0000-4000-8001-000000000001|00000000-0000-4000-8002-000000000002|2031-03-04 1{i}:00",
        title=f"mar 04/03 1{i}:00 Ruiz",
        description="Limpieza dental con Dr. Andrés Ruiz, 45 EUR",
    )
    for i in range(5)
]
BODY = "El martes 4 tengo hueco a las 10:00, 11:00, 12:00, 13:00 y 14:00. ¿Cuál prefieres?"


def _with_choices(notifier: Notifier, number: str, choices: list[Choice]) -> OutboundJob:
    identity = notifier.identity(ORG, number)
    return notifier.reply(identity, BODY).model_copy(update={"choices": choices})


def test_a_reply_with_five_slots_reaches_whatsapp_as_a_list(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = _with_choices(notifier, customer.customer_number, SLOTS)

    assert notifier.deliver(job) == []

    (sent,) = notifier.gupshup.sent_to(customer.customer_number)
    assert (sent.kind, sent.payload["type"], sent.text) == ("session", "list", BODY)
    assert [o["postbackText"] for o in sent.options] == [c.id for c in SLOTS]
    assert [o["title"] for o in sent.options] == [c.title for c in SLOTS]
    row = notifier.first_row(job)
    assert (row["processed_text"], row["status"], row["provider_message_id"]) == (BODY, "sent", sent.provider_id)
    # Redelivered: the same job is not sent twice.
    assert notifier.deliver(job) == []
    assert len(notifier.gupshup.sent_to(customer.customer_number)) == 1


def test_a_reply_with_two_slots_reaches_whatsapp_as_reply_buttons(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = _with_choices(notifier, customer.customer_number, SLOTS[:2])

    assert notifier.deliver(job) == []

    (sent,) = notifier.gupshup.sent_to(customer.customer_number)
    assert (sent.payload["type"], sent.text) == ("quick_reply", BODY)
    assert sent.options == [{"type": "text", "title": c.title, "postbackText": c.id} for c in SLOTS[:2]]


@pytest.fixture
def interactive_off(seeded_url: str) -> Iterator[None]:
    """The demo clinic with interactive replies turned off, for this test only."""
    owner = Database(seeded_url)
    owner.execute("update agent_settings set interactive_replies = false where organization_id = %s", (ORG,))
    try:
        yield
    finally:
        owner.execute("update agent_settings set interactive_replies = true where organization_id = %s", (ORG,))
        owner.close()


def test_a_business_that_turned_it_off_gets_the_reply_as_plain_text(notifier: Notifier, interactive_off: None) -> None:
    customer = notifier.customer()

    assert notifier.deliver(_with_choices(notifier, customer.customer_number, SLOTS)) == []

    (sent,) = notifier.gupshup.sent_to(customer.customer_number)
    assert sent.payload == {"type": "text", "text": BODY}


def _api(gupshup: Gupshup) -> tuple[GupshupApi, AppCredentials]:
    return GupshupApi(gupshup.url, timeout=2.0), AppCredentials(APP, "34910000001", API_KEY)


def _list(*rows: dict[str, str], body: str = BODY) -> dict[str, object]:
    return {
        "type": "list",
        "title": "",
        "body": body,
        "msgid": "j",
        "globalButtons": [{"type": "text", "title": "Ver opciones"}],
        "items": [{"title": "Opciones", "options": [{"type": "text", **row} for row in rows]}],
    }


def _buttons(*options: dict[str, str]) -> dict[str, object]:
    content = {"type": "text", "text": BODY}
    return {
        "type": "quick_reply",
        "msgid": "j",
        "content": content,
        "options": [{"type": "text", **o} for o in options],
    }


def _row(i: int, title: str = "Limpieza", description: str = "30 min") -> dict[str, str]:
    return {"title": title, "description": description, "postbackText": f"service|{i}"}


@pytest.mark.parametrize(
    "message",
    [
        _list(_row(1, title="x" * 25)),  # a row title of 25 characters
        _list(_row(1, description="d" * 73)),  # a row description of 73 characters
        _list(*(_row(i) for i in range(11))),  # eleven rows
        _list(),  # no rows
        _list({"title": "Limpieza"}),  # a row without its postback
        _list(_row(1), body=""),  # no body
        _buttons(*({"title": f"b{i}", "postbackText": f"p{i}"} for i in range(4))),  # four buttons
        _buttons({"title": "y" * 21, "postbackText": "p"}),  # a button title of 21 characters
        _buttons({"title": "Sí"}),  # a button without its postback
    ],
    ids=["title25", "description73", "rows11", "rows0", "no_postback", "no_body", "buttons4", "button21", "no_pb"],
)
def test_the_local_gupshup_refuses_what_whatsapp_would(gupshup: Gupshup, message: dict[str, object]) -> None:
    api, app = _api(gupshup)
    before = len(gupshup.sent)
    with pytest.raises(GupshupError) as refused:
        api.send_interactive(app, "34600999001", message)
    assert (refused.value.status, refused.value.transient) == (400, False)
    assert len(gupshup.sent) == before


def test_the_local_gupshup_takes_a_list_at_the_limits(gupshup: Gupshup) -> None:
    api, app = _api(gupshup)
    rows = [Choice(id=f"service|{i}", title=f"{i:02d}" + "x" * 22, description="d" * 72) for i in range(10)]
    message = interactive_message("j" * 300, "b" * 1024, rows)
    assert message is not None and message["type"] == "list"
    assert api.send_interactive(app, "34600999002", message)
    (sent,) = gupshup.sent_to("34600999002")
    assert len(sent.options) == 10 and sent.text == "b" * 1024
    assert json.loads(json.dumps(sent.payload)) == message
