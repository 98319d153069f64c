"""The Gupshup adapter against a local server speaking Gupshup's send API."""

from __future__ import annotations

import json
import time

import pytest

from devstack.fakes.gupshup import FakeGupshup
from receptionist.adapters.gupshup_api import AppCredentials, GupshupApi, GupshupError

APP = AppCredentials(app_name="ClinicaSonrisa", source_number="34910000001", api_key="key-1")


@pytest.fixture
def gupshup() -> FakeGupshup:
    with FakeGupshup(api_key="key-1", hang_seconds=3) as fake:
        yield fake  # type: ignore[misc]


def test_session_text_is_form_encoded_with_apikey(gupshup: FakeGupshup) -> None:
    api = GupshupApi(gupshup.url)
    provider_id = api.send_text(APP, "34600111222", "¡Hola! ¿En qué puedo ayudarte?")
    req = gupshup.received("/wa/api/v1/msg")[0]
    form = req.form()
    assert req.headers["apikey"] == "key-1"
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form["channel"] == "whatsapp" and form["source"] == "34910000001" and form["src.name"] == "ClinicaSonrisa"
    assert json.loads(form["message"]) == {"type": "text", "text": "¡Hola! ¿En qué puedo ayudarte?"}
    assert provider_id == gupshup.sent[0].provider_id


def test_template_carries_id_and_params(gupshup: FakeGupshup) -> None:
    GupshupApi(gupshup.url).send_template(
        APP, "34699000001", "escalation_v1", ["Lucía", "+34600111222", "quiere hablar"]
    )
    form = gupshup.received("/template/msg")[0].form()
    assert json.loads(form["template"]) == {"id": "escalation_v1", "params": ["Lucía", "+34600111222", "quiere hablar"]}
    assert "postbackTexts" not in form


def test_template_quick_reply_postbacks_go_in_postback_texts(gupshup: FakeGupshup) -> None:
    """Gupshup's "Postback Text Support": one {"index", "text"} per quick-reply button, from 0."""
    GupshupApi(gupshup.url).send_template(
        APP,
        "34600111222",
        "recordatorio_cita",
        ["Lucía", "04/12 a las 10:30"],
        postback_texts=["r:t:confirm", "r:t:cancel"],
    )
    form = gupshup.received("/template/msg")[0].form()
    assert json.loads(form["template"]) == {"id": "recordatorio_cita", "params": ["Lucía", "04/12 a las 10:30"]}
    assert json.loads(form["postbackTexts"]) == [
        {"index": 0, "text": "r:t:confirm"},
        {"index": 1, "text": "r:t:cancel"},
    ]


@pytest.mark.parametrize(
    ("mode", "transient"),
    [("500", True), ("429", True), ("rate_limit", True), ("invalid_destination", False), ("template_not_found", False)],
)
def test_failures_are_classified(gupshup: FakeGupshup, mode: str, transient: bool) -> None:
    gupshup.fail_next(mode)
    with pytest.raises(GupshupError) as err:
        GupshupApi(gupshup.url).send_text(APP, "34600111222", "hola")
    assert err.value.transient is transient
    assert "key-1" not in str(err.value)


def test_a_hanging_gupshup_times_out(gupshup: FakeGupshup) -> None:
    gupshup.fail_next("hang")
    started = time.monotonic()
    with pytest.raises(GupshupError) as err:
        GupshupApi(gupshup.url, timeout=0.5).send_text(APP, "34600111222", "hola")
    assert err.value.transient
    assert time.monotonic() - started < 2.5


def test_credentials_never_show_in_repr() -> None:
    assert "key-1" not in repr(APP) and "34910000001" not in repr(APP)


def test_a_shorter_timeout_for_one_call_wins(gupshup: FakeGupshup) -> None:
    gupshup.fail_next("hang")
    started = time.monotonic()
    with pytest.raises(GupshupError) as err:
        GupshupApi(gupshup.url, timeout=30).send_text(APP, "34600111222", "hola", timeout=0.3)
    assert err.value.transient
    assert time.monotonic() - started < 2.0


def test_a_rejected_api_key_is_not_a_refused_message(gupshup: FakeGupshup) -> None:
    wrong = AppCredentials(app_name="ClinicaSonrisa", source_number="34910000001", api_key="rotated-away")
    with pytest.raises(GupshupError) as err:
        GupshupApi(gupshup.url).send_template(wrong, "34699000001", "escalation_notice", ["a", "b", "c"])
    assert (err.value.status, err.value.transient) == (401, True)  # fail the job (then DLQ), keep the message
    assert "rotated-away" not in str(err.value)
