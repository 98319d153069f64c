"""Gemini (google-genai): transcribe voice notes, describe photos. Each request carries its own
timeout (the turn's deadline decides it) and is made once: the turn, not the SDK, decides
whether there is time for more."""

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
DEFAULT_TIMEOUT_SECONDS = 30.0


class GeminiError(Exception):
    pass


class Gemini:
    def __init__(
        self, api_key: str, model: str, base_url: str | None = None, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        options = types.HttpOptions(base_url=base_url, timeout=int(timeout_seconds * 1000))
        self._client = genai.Client(api_key=api_key, http_options=options)
        self.model = model
        self.timeout_seconds = timeout_seconds
        self.calls = 0

    def _ask(self, data: bytes, mime_type: str, instruction: str, timeout: float | None) -> str:
        self.calls += 1
        seconds = min(timeout, self.timeout_seconds) if timeout is not None else self.timeout_seconds
        config = types.GenerateContentConfig(
            http_options=types.HttpOptions(
                timeout=max(1, int(seconds * 1000)), retry_options=types.HttpRetryOptions(attempts=1)
            )
        )
        try:
            result = self._client.models.generate_content(
                model=self.model,
                contents=[types.Part.from_bytes(data=data, mime_type=mime_type), instruction],
                config=config,
            )
        except Exception as exc:  # the SDK raises several families; the caller only needs "failed"
            raise GeminiError(f"Gemini failed: {type(exc).__name__}") from exc
        text = (result.text or "").strip()
        if not text:
            raise GeminiError("Gemini returned no text")
        return text

    def transcribe(self, data: bytes, mime_type: str, *, timeout: float | None = None) -> str:
        return self._ask(data, mime_type, TRANSCRIBE, timeout)

    def describe(self, data: bytes, mime_type: str, *, timeout: float | None = None) -> str:
        return self._ask(data, mime_type, DESCRIBE, timeout)
