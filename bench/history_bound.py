"""The model's context in a long burst (issue 24, point 12): one customer sends 200 messages of 500
characters, and the processor answers them as its wiring builds it, turn after turn (at most
TURN_MAX_CHARS, 4,000 characters, per turn: 8 messages, so 25 turns). What is measured is the
largest request the model receives: with the history bound of the template (TURN_HISTORY_TOKENS,
3,000 estimated tokens of earlier turns) and, for comparison, with the bound out of the way
(100,000: only the 40-message trim, as before the bound existed).

The model is the local OpenAI-protocol server answering each turn with a short sentence and each
summary with a short paragraph. A turn is every ticket of the burst handed over in order, as the
inbound FIFO queue would after the debounce window; the turns a burst is carried over are run by
handing over the newest message's ticket again (what the processor's own ticket does).

Run alone (prints the section, leaves bench/results.md as it is):
    .venv/bin/python -m bench.history_bound
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import bpe_openai

from bench.env import APP, BenchEnv, ProcessorRig
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import new_customer
from receptionist.agent.catalogue_prompt import estimated_tokens
from receptionist.crm.connection import Database
from receptionist.messages import InboundTicket

ENCODING = "o200k_base"
MESSAGES, CHARS = 200, 500
BOUNDS = ((3000, "3,000 (the template's)"), (100_000, "none (100,000: only the 40-message trim, as before)"))
_SENTENCE = (
    "Quería comentar que el martes no puedo ir a la cita porque tengo trabajo hasta tarde y me gustaría saber"
    " si hay otro hueco la semana que viene, mejor por la tarde. "
)


@dataclass(frozen=True)
class RequestSize:
    chars: int  # the text of every message (system prompt, history, summary, the turn)
    customer_chars: int  # of which the customer's messages
    estimated_tokens: int  # chars / 3.5, the estimate the code bounds the history with
    tokens: int  # o200k_base tokens of the prompt as sent (tool schemas + messages, JSON)


@dataclass(frozen=True)
class BurstRun:
    bound: str
    turns: int
    answers: int  # model calls answering the customer
    summaries: int  # model calls folding old turns into the summary
    largest: RequestSize  # the largest request answering the customer
    largest_summary: RequestSize | None
    seconds: float


def _text(i: int) -> str:
    head = f"Mensaje {i}: "
    return (head + _SENTENCE * (CHARS // len(_SENTENCE) + 1))[:CHARS]


def _is_summary(body: dict[str, Any]) -> bool:
    return str(body.get("messages", [{}])[0].get("content") or "").startswith("Resume")


def _responder(body: dict[str, Any]) -> dict[str, Any]:
    if _is_summary(body):
        return {
            "role": "assistant",
            "content": "La clienta no puede ir el martes por trabajo y pide otro hueco la semana que viene por la"
            " tarde; ha enviado muchos mensajes seguidos con lo mismo. Nada reservado aún.",
        }
    return {"role": "assistant", "content": "Entendido. ¿Te busco un hueco la semana que viene por la tarde?"}


def _size(body: dict[str, Any], enc: Any) -> RequestSize:
    messages = body.get("messages", [])
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    customer = sum(len(str(m.get("content") or "")) for m in messages if m.get("role") == "user")
    prompt = json.dumps(body.get("tools", []), ensure_ascii=False, separators=(",", ":")) + json.dumps(
        messages, ensure_ascii=False, separators=(",", ":")
    )
    return RequestSize(chars, customer, estimated_tokens("x" * chars), len(enc.encode(prompt)))


def _burst(env: BenchEnv, history_tokens: int, label: str) -> BurstRun:
    started = time.perf_counter()
    with FakeOpenAI(responder=_responder) as openai:
        rig = ProcessorRig(env, openai, TURN_HISTORY_TOKENS=str(history_tokens))
        try:
            customer = new_customer()
            tickets = [rig.buffer(customer, _text(i), clock=i) for i in range(MESSAGES)]
            reports = [rig.service.handle(t) for t in tickets]
            newest = InboundTicket(conversation=tickets[-1].conversation, message_id=tickets[-1].message_id)
            while reports[-1].carried:  # the processor's own ticket for what its turn left over
                reports.append(rig.service.handle(newest))
            rig.jobs()
        finally:
            rig.close()
        bodies = [json.loads(r.body) for r in openai.completions()]
    enc = bpe_openai.get_encoding(ENCODING)
    answers = [_size(b, enc) for b in bodies if not _is_summary(b)]
    summaries = [_size(b, enc) for b in bodies if _is_summary(b)]
    turns = sum(1 for r in reports if r.outcome == "answered")
    if sum(r.messages for r in reports if r.outcome == "answered") != MESSAGES:
        raise RuntimeError(f"the burst was not answered whole: {turns} turns")
    return BurstRun(
        bound=label,
        turns=turns,
        answers=len(answers),
        summaries=len(summaries),
        largest=max(answers, key=lambda s: s.tokens),
        largest_summary=max(summaries, key=lambda s: s.tokens) if summaries else None,
        seconds=time.perf_counter() - started,
    )


_BUDGETS = (
    "select max_turns_per_hour as turns, max_tokens_per_day as tokens from agent_settings"
    " where organization_id = (select organization_id from platform_connections where app_name = %s)"
)
_SET_BUDGETS = (
    "update agent_settings set max_turns_per_hour = %s, max_tokens_per_day = %s"
    " where organization_id = (select organization_id from platform_connections where app_name = %s)"
)


def measure(env: BenchEnv) -> list[BurstRun]:
    """Both runs, with the demo business's budgets out of the way meanwhile (the unbounded run
    alone spends more than its 300,000 tokens a day); they are put back after."""
    owner = Database(env.database_url)
    try:
        saved = owner.fetch_one(_BUDGETS, (APP,))
        if saved is None:
            raise RuntimeError(f"the demo organization {APP} is not in the seed")
        owner.execute(_SET_BUDGETS, (1000, 100_000_000, APP))
        try:
            return [_burst(env, tokens, label) for tokens, label in BOUNDS]
        finally:
            owner.execute(_SET_BUDGETS, (saved["turns"], saved["tokens"], APP))
    finally:
        owner.close()


def lines(result: list[BurstRun] | str) -> list[str]:
    head = [
        f"## Model context: the largest request of a {MESSAGES}-message burst",
        "",
        f"How measured: one customer of ClinicaSonrisa sends {MESSAGES} messages of {CHARS} characters at once;",
        "`TurnService` in process (as `bench/env.py` assembles it, on moto and PostgreSQL with the demo seed, the",
        "real graph and DynamoDB checkpointer) answers them in turns of at most 4,000 characters, the model a local",
        "OpenAI-protocol server answering with a sentence (summaries with a paragraph). Each request as the server",
        "received it: characters of its messages (of which the customer's), the code's estimate (characters /",
        "3.5) and o200k_base tokens of the prompt as sent (tool schemas + messages JSON, `bpe_openai`). History",
        "bound: `TURN_HISTORY_TOKENS`. Run alone: `.venv/bin/python -m bench.history_bound`.",
        "",
    ]
    if isinstance(result, str):
        return [*head, result]
    body = [
        "| history bound (tokens) | turns | model calls (summaries) | largest request: characters (customer's)"
        " | estimated tokens | o200k tokens | largest summary request: characters / o200k tokens |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result:
        s = r.largest_summary
        summary = f"{s.chars:,} / {s.tokens:,}" if s else "-"
        body.append(
            f"| {r.bound} | {r.turns} | {r.answers + r.summaries} ({r.summaries}) | {r.largest.chars:,}"
            f" ({r.largest.customer_chars:,}) | {r.largest.estimated_tokens:,} | {r.largest.tokens:,} | {summary} |"
        )
    return [*head, *body]


def main() -> int:
    with BenchEnv() as env:
        result: list[BurstRun] | str = measure(env)
    print("\n".join(lines(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
