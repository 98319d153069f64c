"""Blue ticks and "typing…" over real HTTP against the local Gupshup server, which checks each
call's shape as Gupshup's documentation describes it (path, token, body): the adapter's calls, the
errors a malformed call gets, a hanging Gupshup abandoned at the bound, and a processor turn (its
own wiring, the seeded app's id and token reference from PostgreSQL) marking the customer's last
message read with the typing indicator."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.fakes.gupshup import SEEDED_APP_IDS, FakeGupshup
from receptionist.adapters.gupshup_read import CONTENT_TYPE, GupshupReadReceipts, PartnerApp
from receptionist.deadline import Deadline

TOKEN = "app-token-1"


@pytest.fixture(scope="module")
def gupshup() -> Iterator[FakeGupshup]:  # each test its own app ids and message ids
    with FakeGupshup(app_token=TOKEN, hang_seconds=3) as fake:
        yield fake


def _app(gupshup: FakeGupshup, token: str = TOKEN) -> PartnerApp:
    app_id = str(uuid.uuid4())
    gupshup.add_app(app_id)
    return PartnerApp(app_id, token)


def test_a_read_receipt_with_typing_is_the_documented_call(gupshup: FakeGupshup) -> None:
    api = GupshupReadReceipts(gupshup.url)
    app = _app(gupshup)
    first, second = f"wamid.{uuid.uuid4().hex}", f"wamid.{uuid.uuid4().hex}"
    assert api.mark_read(app, first, typing=True, deadline=Deadline.after(1.0))
    assert api.mark_read(app, second, typing=False, deadline=Deadline.after(1.0))
    [a], [b] = gupshup.read_events_for(first), gupshup.read_events_for(second)
    assert (a.app_id, a.typing, a.content_type) == (app.app_id, True, CONTENT_TYPE)
    assert (b.app_id, b.typing) == (app.app_id, False)
    assert api.calls == 2 and not api.failures


def test_a_wrong_token_or_an_unknown_app_is_refused_and_counted(gupshup: FakeGupshup) -> None:
    api = GupshupReadReceipts(gupshup.url)
    mid = f"wamid.{uuid.uuid4().hex}"
    assert not api.mark_read(_app(gupshup, "someone-else"), mid, typing=True, deadline=Deadline.after(1.0))
    assert not api.mark_read(PartnerApp("not-an-app", TOKEN), mid, typing=True, deadline=Deadline.after(1.0))
    assert api.failures == {"refused": 2}
    assert gupshup.read_events_for(mid) == []


def _raw(gupshup: FakeGupshup, app_id: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{gupshup.url}/partner/app/{app_id}/v1/event",
        data=body,
        headers={"Authorization": TOKEN, "Content-Type": CONTENT_TYPE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return int(resp.status), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return int(err.code), json.loads(err.read())


def _event(kind: str = "message-event", **message: object) -> bytes:
    fields = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.D", **message}
    return json.dumps({"type": kind, "message": {k: v for k, v in fields.items() if v is not None}}).encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"type": "message-event", "message": {', "Invalid JSON payload"),
        (_event(status="delivered"), "Outbound event not supported"),
        (_event("user-event"), "Outbound event not supported"),
        (_event(messaging_product="sms"), "Outbound event not supported"),
        (_event(message_id=None), "Please review the request parameters and retry"),
        (_event(typing_indicator={"type": "audio"}), "Please review the request parameters and retry"),
    ],
)
def test_a_malformed_call_gets_the_error_gupshup_documents(gupshup: FakeGupshup, body: bytes, message: str) -> None:
    app = _app(gupshup)
    status, answer = _raw(gupshup, app.app_id, body)
    assert (status, answer["status"], answer["message"]) == (400, "error", message)
    assert [e for e in gupshup.read_events if e.app_id == app.app_id] == []


def test_a_hanging_gupshup_is_abandoned_at_the_bound(gupshup: FakeGupshup) -> None:
    api = GupshupReadReceipts(gupshup.url)
    app = _app(gupshup)
    gupshup.fail_next("hang")  # answers after 3 s
    assert not api.mark_read(app, "wamid.E", typing=True, deadline=Deadline.after(0.3))
    assert api.failures == {"timeout": 1}  # given up at the deadline, not answered
    gupshup.fail_next("500")
    assert not api.mark_read(app, "wamid.E", typing=True, deadline=Deadline.after(1.0))
    assert api.failures == {"timeout": 1, "server": 1}


def test_a_turn_marks_the_customers_last_message_read_with_typing(harness: Any) -> None:
    harness.text("Hola")
    last = harness.text("¿Tenéis hueco mañana?")
    calls = harness.counters.now()["gupshup_read_calls"]
    assert harness.handle(last).outcome == "answered"
    [event] = harness.gupshup.read_events_for(last.message_id)
    assert (event.app_id, event.typing) == (SEEDED_APP_IDS["ClinicaSonrisa"], True)
    assert harness.counters.now()["gupshup_read_calls"] == calls + 1
    assert [j["text"] for j in harness.jobs() if j["kind"] == "reply"][-1].endswith("¿Tenéis hueco mañana?")


def test_a_turn_whose_gupshup_hangs_still_answers(harness: Any) -> None:
    harness.gupshup.hang_seconds = 3.0
    harness.gupshup.fail_next("hang")
    failures = harness.counters.now()["gupshup_read_failures"]
    ticket = harness.text("Hola")
    assert harness.handle(ticket).outcome == "answered"
    assert [j["kind"] for j in harness.jobs()] == ["reply"]
    assert harness.counters.now()["gupshup_read_failures"] == failures + 1  # the call was given up
    assert harness.gupshup.read_events_for(ticket.message_id) == []
