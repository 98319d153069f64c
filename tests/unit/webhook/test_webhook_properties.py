"""Whatever arrives, the webhook answers (never a 5xx, never an exception)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webhook_kit import (
    CONTENT,
    MESSAGE_KINDS,
    STATUS_KINDS,
    Harness,
    api_event,
    billing_event,
    envelope,
    message,
    status_event,
    user_event,
)

from receptionist.webhook.http import HttpRequest

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)

# Values that look like Gupshup's, so the search reaches the deeper branches too.
_names = st.sampled_from(["message", "message-event", "user-event", "billing-event", "other"])
_inner = st.sampled_from([*MESSAGE_KINDS, *STATUS_KINDS, "opted-in", "opted-out", "sandbox-start", "reaction"])
_content = st.one_of(st.sampled_from(list(CONTENT.values())), st.dictionaries(st.text(max_size=12), json_values))
_payload = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=40), json_values),
        "source": st.one_of(st.from_regex(r"[0-9]{8,15}", fullmatch=True), json_values),
        "type": st.one_of(_inner, json_values),
        "payload": st.one_of(_content, json_values),
        "destination": st.one_of(st.from_regex(r"[0-9]{8,15}", fullmatch=True), json_values),
        "phone": st.one_of(st.from_regex(r"[0-9]{8,15}", fullmatch=True), json_values),
        "sender": json_values,
        "gsId": json_values,
    },
)
gupshup_like = st.builds(
    lambda kind, payload, app, ts: envelope(kind, payload, app=app, timestamp=ts),
    _names,
    _payload,
    st.one_of(st.just("ClinicaSonrisa"), st.text(max_size=10)),
    st.one_of(st.integers(min_value=0, max_value=2**53), st.integers()),
)

VALID = [
    *(message(kind, CONTENT[kind]) for kind in MESSAGE_KINDS),
    *(status_event(state) for state in STATUS_KINDS),
    *(user_event(kind) for kind in ("opted-in", "opted-out", "sandbox-start")),
    billing_event(),
]


@st.composite
def mutated_samples(draw: st.DrawFn) -> dict[str, Any]:
    """A documented callback with up to three fields deleted or replaced by anything."""
    body: dict[str, Any] = json.loads(json.dumps(draw(st.sampled_from(VALID))))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        node: Any = body
        while isinstance(node, dict) and node and draw(st.booleans()):
            child = node[draw(st.sampled_from(sorted(node)))]
            if not isinstance(child, dict) or not child:
                break
            node = child
        if not isinstance(node, dict) or not node:
            continue
        key = draw(st.sampled_from(sorted(node)))
        if draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(json_values)
    return body


def _assert_answered(harness: Harness, event: Any) -> None:
    response = harness.handle(event)
    assert 200 <= response.status < 500
    result = response.to_api_gateway()
    assert json.loads(result["body"])  # always a JSON object with status or error
    if response.status >= 400:
        assert harness.buffer.calls == [] and harness.inbound.sent == [] and harness.outbound.sent == []


@FAST
@given(json_values)
def test_any_json_value(value: Any) -> None:
    _assert_answered(Harness(), api_event(json.dumps(value).encode()))


@FAST
@given(st.binary(max_size=2048), st.booleans())
def test_any_bytes(body: bytes, as_base64: bool) -> None:
    _assert_answered(Harness(), api_event(body, base64_body=as_base64) if as_base64 else _raw_event(body))


@FAST
@given(gupshup_like)
def test_anything_shaped_like_a_gupshup_callback(body: dict[str, Any]) -> None:
    _assert_answered(Harness(), api_event(body))


@FAST
@given(mutated_samples())
def test_documented_callbacks_with_fields_removed_or_replaced(body: dict[str, Any]) -> None:
    _assert_answered(Harness(), api_event(body))


@FAST
@given(st.dictionaries(st.sampled_from(["headers", "body", "isBase64Encoded", "requestContext"]), json_values))
def test_any_event_shape_reaches_a_response(event: dict[str, Any]) -> None:
    request = HttpRequest.from_api_gateway(event)
    assert isinstance(request.body, bytes)
    _assert_answered(Harness(), event)


@FAST
@given(st.text(max_size=2048))
def test_any_text_body(text: str) -> None:
    event = api_event(b"{}")
    event["body"] = text  # may hold lone surrogates, as a JSON-decoded event can
    _assert_answered(Harness(), event)


def _raw_event(body: bytes) -> dict[str, Any]:
    event = api_event(b"{}")
    try:
        event["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        return api_event(body, base64_body=True)
    return event
