"""A local server speaking Gemini's generateContent protocol (as google-genai calls it).

POST .../models/<model>:generateContent with contents[].parts[] holding text and inlineData
(base64 bytes + mimeType). The answer for a media part comes from `transcripts` (keyed by the
exact bytes) or from a default per media kind. `fail_next("500" | "429" | "hang")` injects
failures. Requests are recorded.
"""

from __future__ import annotations

import base64
from collections import deque
from typing import Any

from devstack.fakes.base import FakeServer, Recorded, Reply


class FakeGemini(FakeServer):
    name = "gemini"

    def __init__(self, hang_seconds: float = 30.0, port: int = 0) -> None:
        super().__init__(port=port)
        self.hang_seconds = hang_seconds
        self.transcripts: dict[bytes, str] = {}
        self._failures: deque[str] = deque()

    def answer_for(self, data: bytes, text: str) -> None:
        """Script the model's answer for a given media file."""
        self.transcripts[data] = text

    def fail_next(self, *modes: str) -> None:
        with self.lock:
            self._failures.extend(modes)

    def answer(self, request: Recorded) -> Reply:
        if request.method != "POST" or not request.path.endswith(":generateContent"):
            return Reply.json(404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}})
        if not (request.headers.get("x-goog-api-key") or "key" in request.query):
            return Reply.json(
                403, {"error": {"code": 403, "message": "API key missing", "status": "PERMISSION_DENIED"}}
            )
        with self.lock:
            mode = self._failures.popleft() if self._failures else None
        if mode == "hang":
            return Reply.json(200, {}, delay=self.hang_seconds)
        if mode == "429":
            return Reply.json(
                429, {"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}
            )
        if mode:
            return Reply.json(500, {"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}})
        body: dict[str, Any] = request.json()
        media: list[tuple[str, bytes]] = []
        for content in body.get("contents", []):
            for part in content.get("parts", []):
                inline = part.get("inlineData") or part.get("inline_data")
                if inline:
                    raw = str(inline["data"])
                    # google-genai sends URL-safe base64 without padding.
                    data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
                    media.append((inline.get("mimeType") or inline.get("mime_type", ""), data))
        if not media:
            return Reply.json(400, {"error": {"code": 400, "message": "no media part", "status": "INVALID_ARGUMENT"}})
        mime, data = media[0]
        text = self.transcripts.get(data)
        if text is None:
            kind = mime.split("/", 1)[0]
            text = {"audio": "(nota de voz sin transcripción configurada)", "image": "Una imagen."}.get(
                kind, "Un archivo."
            )
        model = request.path.rsplit("/", 1)[-1].split(":", 1)[0]
        return Reply.json(
            200,
            {
                "candidates": [
                    {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}
                ],
                "usageMetadata": {
                    "promptTokenCount": 258,
                    "candidatesTokenCount": len(text) // 4,
                    "totalTokenCount": 258 + len(text) // 4,
                },
                "modelVersion": model,
            },
        )
