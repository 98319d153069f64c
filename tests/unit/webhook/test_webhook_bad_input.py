"""Bad input: a clear 4xx with a short JSON error, nothing stored or sent, counted; never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from webhook_kit import CONTENT, CUSTOMER, SECRET, Harness, api_event, message, status_event, user_event

from receptionist.conversation_key import ConversationKey
from receptionist.webhook.http import MAX_BODY_BYTES


def _rejected(harness: Harness, response: Any, status: int, reason: str) -> None:
    assert response.status == status, response.payload
    assert response.payload["error"] == reason
    assert isinstance(response.payload["message"], str)
    assert len(json.dumps(response.payload)) < 600
    assert harness.nothing_stored_or_sent()
    report = harness.telemetry.last
    assert (report.outcome, report.reason, report.status_code) == ("rejected", reason, status)


# -- authentication -----------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["header", "bearer", "query"])
def test_the_secret_is_accepted_in_each_place(harness: Harness, where: str) -> None:
    assert harness.post(message("text", {"text": "hola"}), where=where).status == 200


@pytest.mark.parametrize("where", ["header", "bearer", "query"])
@pytest.mark.parametrize("token", ["wrong", SECRET + "x", SECRET[:-1], "", " "])
def test_wrong_token_is_401(harness: Harness, where: str, token: str) -> None:
    _rejected(harness, harness.post(message("text", {"text": "hola"}), token=token, where=where), 401, "unauthorized")


def test_missing_token_is_401(harness: Harness) -> None:
    _rejected(harness, harness.post(message("text", {"text": "hola"}), token=None), 401, "unauthorized")


def test_other_authorization_schemes_are_not_accepted(harness: Harness) -> None:
    response = harness.post(message("text", {"text": "hola"}), token=None, headers={"authorization": f"Basic {SECRET}"})
    _rejected(harness, response, 401, "unauthorized")


def test_one_right_token_among_wrong_ones_is_enough(harness: Harness) -> None:
    response = harness.post(message("text", {"text": "hola"}), where="query", headers={"x-webhook-token": "nope"})
    assert response.status == 200


def test_authentication_comes_before_looking_at_the_body(harness: Harness) -> None:
    _rejected(harness, harness.post(b"{not json", token="wrong"), 401, "unauthorized")
    _rejected(harness, harness.post(b"x" * (MAX_BODY_BYTES + 1), token=None), 401, "unauthorized")


def test_an_empty_secret_never_authorizes() -> None:
    harness = Harness(secret="")
    response = harness.post(message("text", {"text": "hola"}), token="")
    assert response.status == 401
    response = harness.post(message("text", {"text": "hola"}), token=None, headers={"authorization": "Bearer "})
    assert response.status == 401


def test_the_secret_is_never_echoed(harness: Harness) -> None:
    for response in (harness.post(b"{", token=SECRET), harness.post({}, token=SECRET + "x")):
        assert SECRET not in json.dumps(response.payload)


# -- malformed JSON -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"app": "x",}', b"not json", b"\xff\xfe\x00", b"[" * 50_000, b'{"a": "\xed\xa0\x80"}', b"{'a': 1}"],
)
def test_malformed_json_is_400(harness: Harness, body: bytes) -> None:
    _rejected(harness, harness.post(body, base64_body=True), 400, "malformed_json")


# -- wrong shape --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        [],
        "message",
        None,
        42,
        {},
        {"object": "whatsapp_business_account", "entry": [], "gs_app_id": "x"},  # a v3 callback
        {"app": "ClinicaSonrisa", "timestamp": "yesterday", "type": "message", "payload": {}},
        {"app": "ClinicaSonrisa", "timestamp": 1, "type": "message", "payload": []},
        {"app": "ClinicaSonrisa", "timestamp": -1, "type": "message", "payload": {}},
    ],
)
def test_valid_json_of_the_wrong_shape_is_422(harness: Harness, body: Any) -> None:
    _rejected(harness, harness.post(json.dumps(body).encode()), 422, "invalid_payload")


def _without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


# What a callback must have: the envelope, the message id and the customer's number.
REQUIRED = {
    "app": (message("text", CONTENT["text"]), ("app",)),
    "type": (message("text", CONTENT["text"]), ("type",)),
    "payload": (message("text", CONTENT["text"]), ("payload",)),
    "message id": (message("text", CONTENT["text"]), ("payload", "id")),
    "status id": (status_event("delivered"), ("payload", "id")),
    "status destination": (status_event("read"), ("payload", "destination")),
    "status type": (status_event("sent"), ("payload", "type")),
    "user-event phone": (user_event("opted-out"), ("payload", "phone")),
    "user-event type": (user_event("opted-in"), ("payload", "type")),
}

# Everything else may be missing: the message is still taken (and read as far as it can be).
OPTIONAL = {
    "timestamp": (message("text", CONTENT["text"]), ("timestamp",)),
    "message content": (message("text", CONTENT["text"]), ("payload", "payload")),
    "text": (message("text", CONTENT["text"]), ("payload", "payload", "text")),
    "media url": (message("image", CONTENT["image"]), ("payload", "payload", "url")),
    "media contentType": (message("video", CONTENT["video"]), ("payload", "payload", "contentType")),
    "latitude": (message("location", CONTENT["location"]), ("payload", "payload", "latitude")),
    "contacts": (message("contact", CONTENT["contact"]), ("payload", "payload", "contacts")),
    "sender": (message("text", CONTENT["text"]), ("payload", "sender")),
}


@pytest.mark.parametrize("case", sorted(REQUIRED))
def test_missing_required_fields_are_422_naming_the_field(harness: Harness, case: str) -> None:
    body, path = REQUIRED[case]
    response = harness.post(_without(json.loads(json.dumps(body)), *path))
    _rejected(harness, response, 422, "invalid_payload")
    assert path[-1] in response.payload["detail"]


@pytest.mark.parametrize("case", sorted(OPTIONAL))
def test_missing_optional_fields_never_cost_the_message(harness: Harness, case: str) -> None:
    body, path = OPTIONAL[case]
    response = harness.post(_without(json.loads(json.dumps(body)), *path))
    assert response.status == 200 and response.payload == {"status": "accepted"}
    assert len(harness.buffer.pending()) == 1 and len(harness.inbound.sent) == 1


def test_a_message_without_a_type_is_acknowledged_ignored_and_counted(harness: Harness) -> None:
    response = harness.post(_without(message("text", CONTENT["text"]), "payload", "type"))
    assert response.status == 200 and response.payload == {"status": "ignored"}
    assert harness.telemetry.last.reason == "unsupported_message_type"


def test_message_without_source_or_sender_is_422(harness: Harness) -> None:
    body = message("text", CONTENT["text"])
    del body["payload"]["source"], body["payload"]["sender"]
    _rejected(harness, harness.post(body), 422, "invalid_payload")


@pytest.mark.parametrize("number", ["12345", "1234567890123456", "34-600-111-222", "+34 600 111 222", "abc600111222"])
def test_a_customer_number_that_is_not_6_to_15_digits_is_422(harness: Harness, number: str) -> None:
    body = message("text", CONTENT["text"], source=number)
    body["payload"]["sender"]["phone"] = number
    response = harness.post(body)
    _rejected(harness, response, 422, "invalid_payload")
    assert "source" in response.payload["detail"]


def test_a_leading_plus_on_the_number_is_dropped(harness: Harness) -> None:
    harness.post(message("text", CONTENT["text"], source=f"+{CUSTOMER}"))
    assert harness.inbound.sent[0].body["conversation"] == str(ConversationKey("ClinicaSonrisa", CUSTOMER))


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("contact", {"contacts": []}),
        ("list_reply", {"id": "only-an-id"}),
        ("location", {"latitude": "north", "longitude": "1"}),
        ("text", {"text": ["not", "a", "string"]}),
        ("image", {"url": "", "contentType": "image/jpeg"}),
        ("audio", {"url": 42, "contentType": {"x": 1}}),
        ("text", "a bare string instead of an object"),
    ],
)
def test_content_of_the_wrong_shape_is_still_taken(harness: Harness, kind: str, content: Any) -> None:
    response = harness.post(message(kind, content))
    assert response.status == 200 and response.payload == {"status": "accepted"}
    assert len(harness.inbound.sent) == 1


def test_errors_name_fields_but_never_echo_values(harness: Harness) -> None:
    body = message("text", {"text": "Mi DNI es 12345678Z"}, source="34 600 111 222")  # not a valid number
    response = harness.post(body)
    _rejected(harness, response, 422, "invalid_payload")
    text = json.dumps(response.payload)
    assert "source" in response.payload["detail"]
    assert "12345678Z" not in text and "600 111" not in text
    assert "12345678Z" not in (harness.telemetry.last.detail or "")


# -- size ---------------------------------------------------------------------------------------
def _text_body_of_size(size: int) -> bytes:
    body = message("text", {"text": ""})
    empty = len(json.dumps(body).encode())
    body["payload"]["payload"]["text"] = "a" * (size - empty)
    raw = json.dumps(body).encode()
    assert len(raw) == size
    return raw


def test_a_body_at_the_limit_is_accepted(harness: Harness) -> None:
    assert harness.post(_text_body_of_size(MAX_BODY_BYTES)).status == 200


@pytest.mark.parametrize("base64_body", [False, True])
def test_a_body_over_the_limit_is_413(harness: Harness, base64_body: bool) -> None:
    raw = _text_body_of_size(MAX_BODY_BYTES + 1)
    _rejected(harness, harness.post(raw, base64_body=base64_body), 413, "too_large")


def test_a_huge_body_is_refused_without_decoding_it(harness: Harness) -> None:
    _rejected(harness, harness.post(b"x" * (10 * MAX_BODY_BYTES), base64_body=True), 413, "too_large")


# -- content type -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"],
)
def test_json_content_types_are_accepted(harness: Harness, content_type: str) -> None:
    assert harness.post(message("text", {"text": "hola"}), content_type=content_type).status == 200


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonp",
        "application/json; charset=iso-8859-1",
        "multipart/form-data; boundary=x",
    ],
)
def test_other_content_types_are_415(harness: Harness, content_type: str | None) -> None:
    response = harness.post(message("text", {"text": "hola"}), content_type=content_type)
    _rejected(harness, response, 415, "unsupported_media_type")


# -- transport ----------------------------------------------------------------------------------
def test_base64_bodies_are_decoded(harness: Harness) -> None:
    assert harness.post(message("text", {"text": "hola"}), base64_body=True).status == 200


def test_invalid_base64_is_400(harness: Harness) -> None:
    event = api_event(message("text", {"text": "hola"}))
    event["isBase64Encoded"] = True  # but the body is plain JSON
    _rejected(harness, harness.handle(event), 400, "invalid_base64")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_only_post_is_accepted(harness: Harness, method: str) -> None:
    _rejected(harness, harness.post(message("text", {"text": "hola"}), method=method), 405, "method_not_allowed")


def test_response_is_a_json_api_gateway_result(harness: Harness) -> None:
    result = harness.post(b"{").to_api_gateway()
    assert result["statusCode"] == 400
    assert result["headers"] == {"content-type": "application/json"}
    assert json.loads(result["body"])["error"] == "malformed_json"


@pytest.mark.parametrize("where", ["type", "id", "source"])
def test_values_in_the_wrong_place_are_not_echoed_either(harness: Harness, where: str) -> None:
    body = message("text", {"text": "hola"})
    body["payload"][where] = ["Mi DNI es 12345678Z"]
    response = harness.post(body)
    _rejected(harness, response, 422, "invalid_payload")
    assert where in response.payload["detail"]
    assert "12345678Z" not in json.dumps(response.payload)
