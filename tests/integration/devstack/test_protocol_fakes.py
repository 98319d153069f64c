"""The protocol fakes are driven by the real client libraries, so they speak what those send."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import openai
import pytest
from google import genai
from google.genai import types

from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI


def test_openai_sdk_gets_scripted_tool_call_then_text() -> None:
    with FakeOpenAI() as fake:
        fake.call("check_availability", service="limpieza", day="2026-11-24").say("Hay hueco a las 10:00.")
        client = openai.OpenAI(base_url=f"{fake.url}/v1", api_key="k", max_retries=0)
        tools = [{"type": "function", "function": {"name": "check_availability", "parameters": {"type": "object"}}}]
        first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hola"}], tools=tools)
        call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
        assert call.function.name == "check_availability"  # type: ignore[union-attr]
        assert json.loads(call.function.arguments) == {"service": "limpieza", "day": "2026-11-24"}  # type: ignore[union-attr]
        second = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hola"}])
        assert second.choices[0].message.content == "Hay hueco a las 10:00."
        assert len(fake.completions()) == 2
        assert fake.completions()[0].json()["tools"][0]["function"]["name"] == "check_availability"


def test_openai_sdk_sees_injected_server_error() -> None:
    with FakeOpenAI() as fake:
        fake.fail_next("500")
        client = openai.OpenAI(base_url=f"{fake.url}/v1", api_key="k", max_retries=0)
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hola"}])


def test_genai_sdk_transcribes_inline_audio() -> None:
    with FakeGemini() as fake:
        audio = b"OggS fake opus bytes"
        fake.answer_for(audio, "Quiero pedir cita para mañana")
        client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=fake.url))
        result = client.models.generate_content(
            model="gemini-2.5-flash",
            contents=[types.Part.from_bytes(data=audio, mime_type="audio/ogg"), "Transcribe this voice note."],
        )
        assert result.text == "Quiero pedir cita para mañana"
        assert fake.received(":generateContent")[0].path.endswith("models/gemini-2.5-flash:generateContent")


def _post_form(url: str, form: dict[str, str], apikey: str) -> tuple[int, dict[str, object]]:
    data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url, data=data, headers={"apikey": apikey}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_gupshup_send_api_accepts_session_and_template_messages() -> None:
    with FakeGupshup(api_key="key-1") as fake:
        form = {
            "channel": "whatsapp",
            "source": "34910000001",
            "destination": "34600111222",
            "src.name": "ClinicaSonrisa",
            "message": json.dumps({"type": "text", "text": "Hola"}),
        }
        status, body = _post_form(f"{fake.url}/wa/api/v1/msg", form, "key-1")
        assert (status, body["status"]) == (202, "submitted")
        tpl = {**form, "template": json.dumps({"id": "tpl-1", "params": ["a"]})}
        del tpl["message"]
        status, body = _post_form(f"{fake.url}/wa/api/v1/template/msg", tpl, "key-1")
        assert status == 202
        assert [m.kind for m in fake.sent] == ["session", "template"]
        assert fake.sent[0].text == "Hola"
        assert _post_form(f"{fake.url}/wa/api/v1/msg", form, "wrong")[0] == 401
        fake.fail_next("429", "invalid_destination")
        assert _post_form(f"{fake.url}/wa/api/v1/msg", form, "key-1")[0] == 429
        assert _post_form(f"{fake.url}/wa/api/v1/msg", form, "key-1")[0] == 400
        assert len(fake.sent) == 2


def test_gupshup_serves_registered_media() -> None:
    with FakeGupshup() as fake:
        url = fake.add_media("note.ogg", b"bytes", "audio/ogg")
        with urllib.request.urlopen(url, timeout=5) as resp:
            assert resp.read() == b"bytes"
            assert resp.headers["content-type"] == "audio/ogg"
