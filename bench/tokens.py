"""Prompt tokens of what the model receives on every call of a turn, for the demo organization
(ClinicaSonrisa, infra/supabase/seed.sql): the system prompt and the tool schemas.

Both are taken from the first request a real processor turn sent to the local OpenAI-protocol
server, so they are exactly what goes over the wire. Tokens are counted with the o200k_base
encoding (gpt-4.1 / gpt-4o family) from `bpe_openai`, which bundles the BPE ranks offline
(tiktoken would download them). The tools are counted as the JSON `tools` array sent; OpenAI
renders tools into its own internal format before tokenizing, so the billed figure differs by a
few percent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import bpe_openai

from bench.env import BenchEnv, ProcessorRig, echo_reply
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import new_customer

ENCODING = "o200k_base"


@dataclass(frozen=True)
class TokenRow:
    part: str
    chars: int
    tokens: int


@dataclass(frozen=True)
class TokenReport:
    rows: list[TokenRow]
    tools: list[tuple[str, int]]  # (tool name, tokens of its JSON schema), heaviest first
    exact_json: bool  # the counted tools JSON is byte-for-byte the substring that was sent
    model: str


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def count(request_body: bytes) -> TokenReport:
    """Token counts of one recorded chat-completions request."""
    enc = bpe_openai.get_encoding(ENCODING)
    body = json.loads(request_body)
    raw = request_body.decode("utf-8")
    system = "\n".join(str(m.get("content") or "") for m in body["messages"] if m.get("role") == "system")
    tools: list[dict[str, Any]] = body.get("tools", [])
    tools_json = _compact(tools)
    first_user = next((str(m.get("content") or "") for m in body["messages"] if m.get("role") == "user"), "")
    system_tokens = len(enc.encode(system))
    tools_tokens = len(enc.encode(tools_json))
    rows = [
        TokenRow("system prompt", len(system), system_tokens),
        TokenRow(f"tool schemas (`tools`, {len(tools)} tools, JSON as sent)", len(tools_json), tools_tokens),
        TokenRow("system prompt + tool schemas", len(system) + len(tools_json), system_tokens + tools_tokens),
        TokenRow("(for scale) the customer's message in this request", len(first_user), len(enc.encode(first_user))),
    ]
    per_tool = sorted(
        ((str(t.get("function", {}).get("name")), len(enc.encode(_compact(t)))) for t in tools),
        key=lambda kv: -kv[1],
    )
    return TokenReport(rows, per_tool, tools_json in raw, str(body.get("model", "")))


def measure(env: BenchEnv) -> TokenReport:
    with FakeOpenAI(responder=echo_reply) as openai:
        rig = ProcessorRig(env, openai)
        try:
            rig.turn(new_customer(), "Hola, ¿cuánto cuesta una limpieza?")
            rig.jobs()
        finally:
            rig.close()
        requests = openai.completions()
    if not requests:
        raise RuntimeError("the turn sent no request to the model")
    return count(requests[0].body)
