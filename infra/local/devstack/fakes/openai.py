"""A local server speaking the OpenAI chat-completions protocol, playing a scripted model.

POST .../chat/completions (non-streaming). Answers come from a queue of scripted replies
(`say`, `call`), or, when the queue is empty, from `responder(request_json)` if one is set.
`fail_next("500" | "429" | "hang")` injects failures. Every request is recorded, so tests can
count model calls and read the prompt and tool schemas that were sent.

POST .../embeddings answers with deterministic vectors (devstack.fakes.embeddings), or with the
failures queued by `fail_embeddings(...)`.

Like OpenAI, it refuses (HTTP 400) a conversation where an assistant message's tool calls are
not answered by tool messages right after it, or a tool message answers no such call.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from devstack.fakes.base import FakeServer, Recorded, Reply
from devstack.fakes.embeddings import stand_in_embedding

Responder = Callable[[dict[str, Any]], dict[str, Any]]
_ids = itertools.count(1)


def history_error(messages: list[dict[str, Any]]) -> str | None:
    """What OpenAI's chat completions would say about the tool-call structure, or None if valid."""
    expected: list[str] = []  # tool_call ids still to be answered, in order
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in expected:
                return (
                    f"Invalid parameter: messages with role 'tool' must be a response to a preceeding message with"
                    f" 'tool_calls'. (messages[{index}])"
                )
            expected.remove(call_id)
            continue
        if expected:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each"
                f" 'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(expected)}"
            )
        if role == "assistant":
            expected = [c["id"] for c in message.get("tool_calls") or []]
    if expected:
        return f"The following tool_call_ids did not have response messages: {', '.join(expected)}"
    return None


def shared_prefix(a: str, b: str) -> int:
    """How many leading characters two strings share."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def text_message(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def tool_call_message(*calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": f"call_{next(_ids)}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            for name, args in calls
        ],
    }


class FakeOpenAI(FakeServer):
    name = "openai"

    def __init__(self, responder: Responder | None = None, hang_seconds: float = 30.0, port: int = 0) -> None:
        super().__init__(port=port)
        self.responder = responder
        self.hang_seconds = hang_seconds
        self._script: deque[dict[str, Any]] = deque()
        self._failures: deque[str] = deque()
        self._embedding_failures: deque[str] = deque()
        self._prompts: deque[str] = deque(maxlen=64)  # recent prompts, for the prompt cache's figures

    # -- scripting -------------------------------------------------------------------------
    def say(self, text: str) -> FakeOpenAI:
        with self.lock:
            self._script.append(text_message(text))
        return self

    def call(self, tool: str, /, **arguments: Any) -> FakeOpenAI:
        with self.lock:
            self._script.append(tool_call_message((tool, arguments)))
        return self

    def call_many(self, *calls: tuple[str, dict[str, Any]]) -> FakeOpenAI:
        with self.lock:
            self._script.append(tool_call_message(*calls))
        return self

    def fail_next(self, *modes: str) -> None:
        with self.lock:
            self._failures.extend(modes)

    def fail_embeddings(self, *modes: str) -> None:
        """The next embeddings requests fail ("500", "429", "hang")."""
        with self.lock:
            self._embedding_failures.extend(modes)

    @property
    def pending(self) -> int:
        with self.lock:
            return len(self._script)

    def completions(self) -> list[Recorded]:
        return self.received("/chat/completions")

    def embeddings_requests(self) -> list[Recorded]:
        return self.received("/embeddings")

    # -- protocol --------------------------------------------------------------------------
    def _failure(self, mode: str | None) -> Reply | None:
        if mode == "hang":
            return Reply.json(200, {}, delay=self.hang_seconds)
        if mode == "429":
            return Reply.json(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}})
        if mode:
            return Reply.json(500, {"error": {"message": "The server had an error", "type": "server_error"}})
        return None

    def answer(self, request: Recorded) -> Reply:
        is_chat = request.path.endswith("/chat/completions")
        if request.method != "POST" or not (is_chat or request.path.endswith("/embeddings")):
            return Reply.json(404, {"error": {"message": "Not found", "type": "invalid_request_error"}})
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return Reply.json(401, {"error": {"message": "Missing API key", "type": "invalid_request_error"}})
        if not is_chat:
            return self._embeddings(request)
        with self.lock:
            mode = self._failures.popleft() if self._failures else None
        failure = self._failure(mode)
        if failure is not None:
            return failure
        body = request.json()
        problem = history_error(body.get("messages", []))
        if problem:
            return Reply.json(
                400, {"error": {"message": problem, "type": "invalid_request_error", "param": "messages"}}
            )
        with self.lock:
            message = self._script.popleft() if self._script else None
        if message is None:
            if self.responder is None:
                return Reply.json(
                    500, {"error": {"message": "fake model has no scripted reply left", "type": "server_error"}}
                )
            message = self.responder(body)
        prompt = json.dumps(body.get("tools", [])) + json.dumps(body.get("messages", []))
        prompt_chars = len(prompt)
        cached = self._cached_tokens(prompt)
        completion_chars = len(json.dumps(message))
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        return Reply.json(
            200,
            {
                "id": f"chatcmpl-{next(_ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                # Rough token counts (4 characters a token) so usage metrics have numbers.
                "usage": {
                    "prompt_tokens": prompt_chars // 4,
                    "completion_tokens": completion_chars // 4,
                    "total_tokens": (prompt_chars + completion_chars) // 4,
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            },
        )

    def _cached_tokens(self, prompt: str) -> int:
        """As OpenAI's automatic prompt caching reports it: the longest prefix shared with a recent
        prompt (tools, then messages), counted only from 1,024 tokens, in steps of 128."""
        with self.lock:
            shared = max((shared_prefix(prompt, seen) for seen in self._prompts), default=0)
            self._prompts.append(prompt)
        tokens = shared // 4
        return 0 if tokens < 1024 else tokens - tokens % 128

    def _embeddings(self, request: Recorded) -> Reply:
        with self.lock:
            mode = self._embedding_failures.popleft() if self._embedding_failures else None
        failure = self._failure(mode)
        if failure is not None:
            return failure
        body = request.json()
        texts = body.get("input", [])
        texts = [texts] if isinstance(texts, str) else list(texts)
        data = [
            {"object": "embedding", "index": i, "embedding": stand_in_embedding(str(text))}
            for i, text in enumerate(texts)
        ]
        tokens = sum(len(str(t)) for t in texts) // 4
        return Reply.json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "fake"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )
