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
from datetime import timedelta
from typing import Any

import bpe_openai

from bench.env import NOW, BenchEnv, ProcessorRig, echo_reply
from devstack.fakes.openai import FakeOpenAI, shared_prefix
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
    reuse: list[PrefixRow]  # how much of each request repeats an earlier one's prefix


@dataclass(frozen=True)
class PrefixRow:
    request: str
    tokens: int  # the whole prompt (tools, then messages)
    repeated: int  # of them, the longest prefix shared with an earlier request
    recorded_cached: int  # what the processor recorded as cached (the local model applies OpenAI's rule)

    @property
    def share(self) -> float:
        return self.repeated / self.tokens if self.tokens else 0.0


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _prompt(body: dict[str, Any]) -> str:
    """What a provider's prompt cache sees, in order: the tool schemas, then the messages."""
    return _compact(body.get("tools", [])) + _compact(body.get("messages", []))


def prefix_reuse(requests: list[tuple[str, dict[str, Any], int]]) -> list[PrefixRow]:
    """For each request after the first, the tokens of the longest prefix it shares with any
    earlier one (what a prompt cache can serve)."""
    enc = bpe_openai.get_encoding(ENCODING)
    prompts = [_prompt(body) for _, body, _ in requests]
    rows = []
    for i, (label, _, cached) in enumerate(requests):
        if i == 0:
            continue
        shared = max(shared_prefix(prompts[i], earlier) for earlier in prompts[:i])
        rows.append(PrefixRow(label, len(enc.encode(prompts[i])), len(enc.encode(prompts[i][:shared])), cached))
    return rows


def count(request_body: bytes, reuse: list[PrefixRow] | None = None) -> TokenReport:
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
    return TokenReport(rows, per_tool, tools_json in raw, str(body.get("model", "")), reuse or [])


# One customer's conversation, then another customer of the same business (each a model call).
_CONVERSATION = [
    ("A", "Hola, ¿cuánto cuesta una limpieza?"),
    ("A", "¿Y el blanqueamiento?"),
    ("A", "¿Abrís los sábados?"),
    ("A", "Vale, quiero cita el jueves"),
    ("B", "Buenas, ¿dónde estáis?"),
]


def measure(env: BenchEnv) -> TokenReport:
    customers = {"A": new_customer(), "B": new_customer()}
    clock = [NOW]  # minutes pass between turns, so the time line differs as in life
    with FakeOpenAI(responder=echo_reply) as openai:
        rig = ProcessorRig(env, openai, now=lambda: clock[0])
        try:
            labelled = []
            for who, text in _CONVERSATION:
                clock[0] += timedelta(minutes=7)
                cost = rig.turn(customers[who], text)
                turn = sum(1 for w, _ in labelled if w.startswith(who)) + 1
                labelled.append((f"{who}{turn}", cost))
            rig.jobs()
        finally:
            rig.close()
        requests = openai.completions()
    if len(requests) != len(_CONVERSATION):
        raise RuntimeError(f"expected one model call per turn, got {len(requests)}")
    described = []
    for (label, cost), request in zip(labelled, requests, strict=True):
        who, turn = label[0], label[1:]
        name = f"customer {who}, turn {turn}" if who == "A" else "another customer, first turn"
        described.append((name, json.loads(request.body), cost.cached_tokens))
    return count(requests[0].body, prefix_reuse(described))
