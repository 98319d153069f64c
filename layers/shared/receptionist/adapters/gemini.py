"""Gemini (google-genai): transcribe voice notes, describe photos."""

from __future__ import annotations

from google import genai
from google.genai import types

TRANSCRIBE = (
    "Transcribe literalmente esta nota de voz de un cliente de un negocio con citas. "
    "Devuelve solo la transcripción, en el idioma en que se habla."
)
DESCRIBE = (
    "Describe en español, en una o dos frases, esta foto que un cliente envía a un negocio con citas "
    "(qué se ve y cualquier texto legible). Solo la descripción."
)


class GeminiError(Exception):
    pass


class Gemini:
    def __init__(self, api_key: str, model: str, base_url: str | None = None, timeout_seconds: float = 30.0) -> None:
        options = types.HttpOptions(
            base_url=base_url,
            timeout=int(timeout_seconds * 1000),
            retry_options=types.HttpRetryOptions(attempts=2),
        )
        self._client = genai.Client(api_key=api_key, http_options=options)
        self.model = model
        self.calls = 0

    def _ask(self, data: bytes, mime_type: str, instruction: str) -> str:
        self.calls += 1
        try:
            result = self._client.models.generate_content(
                model=self.model, contents=[types.Part.from_bytes(data=data, mime_type=mime_type), instruction]
            )
        except Exception as exc:  # the SDK raises several families; the caller only needs "failed"
            raise GeminiError(f"Gemini failed: {type(exc).__name__}") from exc
        text = (result.text or "").strip()
        if not text:
            raise GeminiError("Gemini returned no text")
        return text

    def transcribe(self, data: bytes, mime_type: str) -> str:
        return self._ask(data, mime_type, TRANSCRIBE)

    def describe(self, data: bytes, mime_type: str) -> str:
        return self._ask(data, mime_type, DESCRIBE)
