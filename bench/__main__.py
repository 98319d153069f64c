"""Run every measurement in one go and write bench/results.md (and print it). Figures are reported,
never asserted: the bench does not fail on timing. A measurement that breaks is reported as such
in its section and the others still run.

    .venv/bin/python -m bench            (what `make bench` runs, after `make build`)
"""

from __future__ import annotations

import os
import platform
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

from bench import (  # noqa: E402
    artifacts,
    aws_calls,
    checkpoints,
    costs,
    crm_bench,
    history_bound,
    imports,
    language_detection,
    notifier,
    pipeline,
    recalls,
    reminders,
    retrieval,
    stats_year,
    tokens,
    turn_costs,
    waitlist,
)
from bench.env import BenchEnv  # noqa: E402

OUT = Path(__file__).with_name("results.md")
T = TypeVar("T")

CONVERSATIONS, MESSAGES = 50, 5
CHECKPOINT_MARKS = (10, 50, 100)
SQS_MESSAGES = 500


def _progress(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _attempt(name: str, work: Callable[[], T]) -> T | str:
    """The measurement's result, or a one-line reason it could not be taken."""
    started = time.perf_counter()
    _progress(f"{name} ...")
    try:
        result = work()
    except Exception as exc:
        traceback.print_exc()
        _progress(f"{name} FAILED after {time.perf_counter() - started:.0f} s")
        return f"_Not measured in this run: {type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}_"
    _progress(f"{name} done in {time.perf_counter() - started:.0f} s")
    return result


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} x {cpu} ({platform.machine()}), {platform.system()} {platform.release()}"


# -- sections -------------------------------------------------------------------------------------
def _imports(result: Any) -> list[str]:
    lines = [
        "## Cold-start import time (fresh process, median of 10)",
        "",
        "How measured: `python -c 'import app'` in a fresh interpreter per sample, with the function's",
        "directory on the path and its settings in the environment (tracing off); the time of the import",
        "statement alone, 10 samples each. The local venv's Python, not Lambda's 3.13 on arm64.",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += ["| module | median ms | max ms |", "|---|---:|---:|"]
    lines += [f"| {name} | {median:.1f} | {worst:.1f} |" for name, median, worst in result]
    medians = {name.split(" (")[0]: median for name, median, _ in result}
    if medians.get("webhook minimum") and medians.get("webhook"):
        ratio = medians["webhook"] / medians["webhook minimum"]
        lines += ["", f"Webhook ÷ its minimum: {ratio:.2f}x (goal <= 1.3x)."]
    return lines


def _webhook(result: Any) -> list[str]:
    lines = [
        "## Webhook: AWS calls per inbound request",
        "",
        "How measured: the real `WebhookService` on its real adapters (`ConversationBuffer`, `FifoQueue`)",
        "against moto with the template deployed; calls counted with botocore's `before-call` event on the",
        "DynamoDB and SQS clients the adapters use. ms: the handler's time in process against local moto",
        "(median of 20 fresh requests for a new message and a status; one request otherwise).",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += ["| request | HTTP status | outcome | AWS calls | which | ms |", "|---|---:|---|---:|---|---:|"]
    lines += [f"| {r.case} | {r.status} | {r.result} | {r.aws_calls} | {r.detail} | {r.ms:.1f} |" for r in result]
    return lines


def _turns(result: Any) -> list[str]:
    lines = [
        "## Processor: cost per turn",
        "",
        "How measured: `TurnService` in process, assembled from the same adapters as",
        "`processor/wiring.py` (clients handed in so they can be watched), on moto (template deployed) and",
        "embedded PostgreSQL (demo seed), the real LangGraph agent against the local OpenAI-protocol server",
        "(scripted replies). A turn = every ticket of its messages, in order, as the inbound queue delivers",
        "them after the debounce window. DB round trips from `Database.round_trips` (statements + BEGIN/COMMIT);",
        "AWS calls with botocore's `before-call` event on the buffer, queue and checkpointer clients",
        "(`conversations:` = conversations table, `checkpoints:` = the DynamoDBSaver). Warm container unless",
        "said (the first row also opens the database connection; the checkpointer's one-time S3 lifecycle",
        'check at construction is not counted). Gupshup read calls: the read receipt / "typing…" calls to',
        "Gupshup's Partner API (the local Gupshup server), made in the background; in brackets what they cost",
        "the turn's own thread: starting them (before the reply) / waiting at the end for a call still in",
        'flight (after the reply was queued; at most its 1 s bound) (docs/processor.md, "Blue ticks and typing").',
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += [
        "| turn | tickets | model calls | tools called | DB round trips | AWS calls | Gupshup read calls"
        " (start / end ms) | AWS calls by API |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in result:
        c = r.cost
        tools = ", ".join(c.tool_calls) or "-"
        connects = f" (+{c.db_connects} connect)" if c.db_connects else ""
        lines.append(
            f"| {r.scenario} | {c.tickets} | {c.model_calls} | {tools} | {c.db_round_trips}{connects} | "
            f"{c.aws_calls} | {c.gupshup_read_calls} ({c.read_receipts_begin_ms:.2f} / {c.read_receipts_finish_ms:.2f})"
            f" | {r.aws_detail} |"
        )
    return lines


def _retrieval(result: Any) -> list[str]:
    lines = [
        "## Knowledge search: retrieval on the seeded businesses' own data",
        "",
        "How measured: `bench/questions/<app>.json`, 130+ labelled customer questions per business (colloquial,",
        "typos, English, symptoms, and questions the data does not answer), each searched with",
        "`crm.catalogue.knowledge_search`, top 3: full text + trigrams alone, and hybrid (+ vectors, reciprocal",
        "rank fusion). recall@3: share of a question's labelled answers in its top 3; hit@3: share of",
        "answerable questions with one right answer in the top 3; none → nothing: share of unanswerable",
        "questions that get no result. The catalogue block's size says whether production searches at all",
        "(under the 1,500-token budget the whole catalogue is in the prompt and the model needs no search).",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += [
        f"Vectors from {result.embeddings}.",
        "",
        "| business | questions | catalogue block (tokens) | mode | recall@3 | hit@3 | hit@3 typos | hit@3 English"
        " | hit@3 symptoms | none → nothing | results found by vectors |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in result.businesses:
        for mode, f in (("full text + trigrams", b.text), ("hybrid", b.hybrid)):
            style = f.hit_by_style
            lines.append(
                f"| {b.app} | {b.questions} | {b.catalogue_tokens} | {mode} | {f.recall:.2f} | {f.hit:.2f}"
                f" | {style.get('typo', 0):.2f} | {style.get('english', 0):.2f} | {style.get('symptom', 0):.2f}"
                f" | {f.none_empty:.2f} ({f.unanswerable}) | {f.from_vectors} |"
            )
    return lines


def _costs(result: Any) -> list[str]:
    lines = [
        "## Price per 1,000 inbound messages",
        "",
        "How measured: `bench/costs.py` scales this run's counts to 1,000 messages: the local pipeline's turns",
        "per message, invocations and milliseconds per function and log bytes; the in-process AWS calls per",
        "webhook request, processor ticket and turn, and notifier job (DynamoDB units and SQS requests from",
        "them); list prices from `receptionist/stats/aws_prices.py` (shared with the daily roll-up's AWS",
        "estimate) and `receptionist/model_prices.py`. Lambda time is the measured",
        "local durations plus the model's latency (an assumption: 1.5 s a call) at each function's memory.",
        "Delivery statuses (sent, delivered, read) are assumed, 3 per reply. Fixed monthly costs (the event",
        "source mappings' empty polls, the sweeper's schedule, alarms, metrics) are not per message and left out.",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += ["| item | quantity | unit | USD per 1,000 messages |", "|---|---:|---|---:|"]
    lines += [f"| {c.item} | {c.quantity:,.1f} | {c.unit} | {c.usd:.4f} |" for c in result.lines]
    lines += [f"| **infrastructure** | | | **{result.infrastructure:.4f}** |"]
    lines += [f"| {c.item} | {c.quantity:,.0f} | {c.unit} | {c.usd:.4f} |" for c in result.model]
    lines += ["", *[f"- {note}" for note in result.notes]]
    return lines


def _tokens(result: Any) -> list[str]:
    lines = [
        "## Model prompt: system prompt + tool schemas (demo organization ClinicaSonrisa)",
        "",
        "How measured: the first chat-completions request of a real processor turn for ClinicaSonrisa",
        "(infra/supabase/seed.sql), as recorded by the local OpenAI-protocol server: the system message and",
        "the JSON `tools` array exactly as sent. Tokens: o200k_base (the gpt-4.1 / gpt-4o encoding) from",
        "`bpe_openai`, which bundles the BPE ranks offline (tiktoken cannot download its files here). OpenAI",
        "renders tools into an internal format before counting, so billed tokens differ by a few percent.",
        "These tokens are sent on every model call; model calls per turn are in the processor table above.",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += ["| part | characters | tokens (o200k_base) |", "|---|---:|---:|"]
    lines += [f"| {r.part} | {r.chars:,} | {r.tokens:,} |" for r in result.rows]
    per_tool = ", ".join(f"{name} {n}" for name, n in result.tools)
    exact = "" if result.exact_json else " (re-serialized: the sent bytes differed in spacing)"
    lines += ["", f"Tokens per tool schema{exact}: {per_tool}. Model in the request: `{result.model}`."]
    lines += [
        "",
        "### Prompt cache: how much of each request repeats an earlier one",
        "",
        "How measured: one customer's four turns, then another customer's first turn, through the processor",
        "(one model call each); each request's prompt (tool schemas, then messages, as sent) against every",
        "earlier one: the tokens of the longest shared prefix, which a provider's prompt cache can serve",
        "(OpenAI: prefixes of 1,024+ tokens, billed at a quarter when cached). Recorded cached = what the",
        "processor recorded from the model's usage (`CachedPromptTokens`); the local model applies",
        "OpenAI's rule (1,024+ tokens, steps of 128).",
        "",
        "| request | prompt tokens | repeated prefix | share | recorded cached |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.request} | {r.tokens:,} | {r.repeated:,} | {100 * r.share:.0f}% | {r.recorded_cached:,} |"
        for r in result.reuse
    ]
    return lines


def _notifier(result: Any) -> list[str]:
    lines = [
        "## Notifier: HTTP calls per job",
        "",
        "How measured: on the local stack (below), a customer message per scenario through webhook and",
        "processor; the notifier's own worker (`functions/notifier/app.py`) delivers the jobs to the local",
        "Gupshup server, which records every request (calls) and every accepted send. Requests to the",
        "customer are the reply job's, to staff numbers the escalation job's. DB round trips and DynamoDB",
        "(idempotency) calls are the notifier's own counters from its `job done` log line.",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += [
        "| scenario | job | HTTP calls | sends accepted | to | DB round trips | DynamoDB calls |",
        "|---|---|---:|---:|---|---:|---:|",
    ]
    for r in result.rows:
        note = f" ({'; '.join(r.notes)})" if r.notes else ""
        trips = "n/a" if r.db_round_trips is None else str(r.db_round_trips)
        ddb = "n/a" if r.dynamodb_calls is None else str(r.dynamodb_calls)
        lines.append(
            f"| {r.scenario} | {r.job}{note} | {r.http_calls} | {r.accepted_sends} | {r.to} | {trips} | {ddb} |"
        )
    if result.notes:
        lines += ["", *(f"**Note:** {n}" for n in result.notes)]
    return lines


def _crm(result: Any) -> list[str]:
    if isinstance(result, str):
        return ["## CRM data access: round trips per operation", "", result]
    return list(result)


def _stats(result: Any) -> list[str]:
    if isinstance(result, str):
        return ["## Daily roll-up on a synthetic year (issue 31)", "", result]
    return list(result)


def _checkpoints(result: Any) -> list[str]:
    lines = [
        "## Conversation memory: checkpoint bytes per thread",
        "",
        "How measured: one scripted customer talking to the real graph with the real `DynamoDBSaver`",
        "(compression on, S3 offload over 350 KB, TTL 30 days) on moto; the model answers every turn with a",
        "short text (and summaries with a short paragraph). After 10, 50 and 100 turns: every item of the",
        "thread in the checkpoints table (sizes by DynamoDB's item-size rules), S3 offload objects under",
        "`checkpoints/<thread>/`, and the newest checkpoint (its item + payload: what a turn loads).",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += [
        "| turns | items | DynamoDB KB (all checkpoints) | S3 objects / KB | newest checkpoint KB |"
        " messages in state | summary chars | model calls (summaries) |",
        "|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in result:
        lines.append(
            f"| {r.turns} | {r.items:,} | {r.dynamodb_bytes / 1024:,.1f} | {r.s3_objects} / {r.s3_bytes / 1024:,.1f} |"
            f" {r.latest_checkpoint_bytes / 1024:,.1f} | {r.messages_in_state} | {r.summary_chars} |"
            f" {r.model_calls} ({r.summaries}) |"
        )
    if len(result) >= 2:
        a, b = result[-2], result[-1]
        per_turn = (b.dynamodb_bytes - a.dynamodb_bytes) / max(1, b.turns - a.turns)
        items = (b.items - a.items) / max(1, b.turns - a.turns)
        lines += [
            "",
            "What this shows: the state a turn loads stays flat (newest checkpoint"
            f" ~{b.latest_checkpoint_bytes / 1024:.1f} KB,"
            f" {b.messages_in_state} messages + summary) because the graph summarizes and trims; but the saver keeps"
            f" every checkpoint it writes, so the thread's footprint grows linearly, ~{per_turn / 1024:.1f} KB and"
            f" {items:.0f} items per turn (turns {a.turns}→{b.turns}), until the 30-day TTL removes them.",
        ]
    return lines


def _pipeline(result: Any) -> list[str]:
    lines = [
        "## Local pipeline: throughput, latency, losses",
        "",
        "How measured: the local stack (`LocalStack`, debounce 0, 4 warm workers per SQS consumer, webhook",
        "pool of 4) with the model, Gemini and Gupshup as local servers in the bench process (one clock).",
        f"{CONVERSATIONS} conversations x {MESSAGES} messages: one thread per conversation POSTs its messages",
        "back to back, all conversations at once, after a 4-conversation warm-up. The model echoes the",
        "customer's text, so each reply names the messages it covers. Throughput: messages ÷ (last message",
        "answered - first POST). Latency: a message's POST → the Gupshup send of the reply covering it.",
        "Lost: never covered by a reply, or not in chat_messages; duplicated: a reply sent twice, a message",
        "covered by two replies or recorded twice; out of order: a customer's replies covering an earlier",
        "message after a later one. moto's raw SQS rate is measured on the same moto server right after.",
        "moto's calls and CPU per API action come from the devstack moto server's own counters",
        "(`/_devstack/calls`): on 2 cores that one process is what bounds the local pipeline.",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    r = result
    target = (
        "Gupshup send" if r.measured_to == "Gupshup send" else "**notifier invocation** (the notifier sent nothing)"
    )
    rows = [
        ("messages", f"{r.conversations} conversations x {r.messages_per_conversation} = {r.messages}"),
        ("throughput", f"{r.rate:.1f} messages/s ({r.seconds:.1f} s from first POST to last answer)"),
        (
            f"latency webhook POST → {target}",
            f"p50 {r.percentile(50):.2f} s, p95 {r.percentile(95):.2f} s,"
            f" max {max(r.latencies, default=float('nan')):.2f} s",
        ),
        (
            "turns (replies sent)",
            f"{r.replies} for {r.messages} messages ({r.processor_invocations} processor invocations)",
        ),
        ("lost", f"{r.lost} ({r.lost_unanswered} unanswered, {r.lost_unrecorded} not in chat_messages)"),
        ("duplicated", f"{r.duplicated} ({r.duplicated_replies} replies, {r.duplicated_records} chat_messages rows)"),
        ("out of order", str(r.out_of_order)),
    ]
    if r.turns:
        parts = [(name, [getattr(t, name) for t in r.turns]) for name in ("total", "model", "media", "db", "overhead")]
        rows.append(
            (
                f"processor turn, ms p50 / p95 ({len(r.turns)} answered turns, from the processor's log)",
                "; ".join(
                    f"{name} {1000 * pipeline.percentile(v, 50):.0f} / {1000 * pipeline.percentile(v, 95):.0f}"
                    for name, v in parts
                )
                + " (overhead = total - model - media: database, DynamoDB, SQS, graph bookkeeping;"
                " db is part of it)",
            )
        )
    if r.sqs is not None:
        s = r.sqs
        rows.append(
            (
                "moto raw SQS FIFO, same server",
                f"{s.messages} messages, one client: SendMessage {s.send_per_second:.0f}/s; ReceiveMessage(10) +"
                f" DeleteMessageBatch {s.receive_delete_per_second:.0f}/s;"
                f" send + receive + delete {s.round_trip_per_second:.0f}/s",
            )
        )
        rows.append(("pipeline ÷ raw SQS round trip", f"{100 * r.share_of_raw_sqs:.0f}% (goal >= 50%)"))
    if r.moto_calls:
        busiest = sorted(r.moto_calls.items(), key=lambda kv: -kv[1][1])[:6]
        calls, cpu_seconds = sum(c for c, _ in r.moto_calls.values()), sum(s for _, s in r.moto_calls.values())
        rows.append(
            (
                "moto server during the run (calls, CPU s, per action)",
                f"{calls} calls, {cpu_seconds:.1f} CPU s: "
                + "; ".join(f"{a.split('.')[-1]} {c} / {cpu:.1f} s" for a, (c, cpu) in busiest),
            )
        )
    lines += ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    if r.notes:
        lines += ["", *(f"**Note:** {n}" for n in r.notes)]
    return lines


def _artifacts(result: Any) -> list[str]:
    lines = [
        "## Built artifact size (unzipped, function + its layers)",
        "",
        "How measured: bytes of every file under `.aws-sam/build/<Function>` and its layers (`make build`",
        "output), against Lambda's 250 MB unzipped limit.",
        "",
    ]
    if isinstance(result, str):
        return [*lines, result]
    lines += ["| function | MB | of 250 MB | parts (MB) |", "|---|---:|---:|---|"]
    lines += [
        f"| {function} | {total:.1f} | {100 * total / artifacts.LIMIT_MB:.0f}% | {parts} |"
        for function, total, parts in result
    ]
    return lines


# -- the run --------------------------------------------------------------------------------------
def main() -> int:
    started = time.perf_counter()
    results: dict[str, Any] = {}
    # Imports first, on a quiet machine (nothing else running).
    results["imports"] = _attempt("import times", lambda: imports.measure(10))
    results["languages"] = _attempt("customer language detection", language_detection.measure)
    results["artifacts"] = _attempt("artifact sizes", artifacts.measure)
    results["crm"] = _attempt("CRM round trips and availability", crm_bench.measure)
    results["stats"] = _attempt("daily roll-up on a synthetic year", stats_year.measure)

    def in_process() -> None:
        with BenchEnv() as env:
            _progress(f"moto + PostgreSQL up in {env.startup_seconds:.0f} s")
            results["webhook"] = _attempt("webhook AWS calls", lambda: aws_calls.measure(env))
            results["turns"] = _attempt("processor turn costs", lambda: turn_costs.measure(env))
            results["tokens"] = _attempt("prompt tokens", lambda: tokens.measure(env))
            results["retrieval"] = _attempt("knowledge search retrieval", lambda: retrieval.measure(env))
            results["checkpoints"] = _attempt(
                f"checkpoints over {max(CHECKPOINT_MARKS)} turns", lambda: checkpoints.measure(env, CHECKPOINT_MARKS)
            )
            results["history"] = _attempt("model context in a 200-message burst", lambda: history_bound.measure(env))

    def on_stack() -> None:
        with pipeline.PipelineStack(concurrency=4) as ps:
            _progress(f"local stack up in {ps.startup_seconds:.0f} s")
            results["notifier"] = _attempt("notifier HTTP calls", lambda: notifier.measure(ps))
            results["reminders"] = _attempt("reminder AWS calls and round trips", lambda: reminders.measure(ps))
            results["recalls"] = _attempt("recall AWS calls and round trips", lambda: recalls.measure(ps))
            results["waitlist"] = _attempt("waitlist offer AWS calls and round trips", lambda: waitlist.measure(ps))
            results["pipeline"] = _attempt(
                f"pipeline {CONVERSATIONS}x{MESSAGES}",
                lambda: pipeline.measure(ps, CONVERSATIONS, MESSAGES, sqs_messages=SQS_MESSAGES),
            )

    for name, run, keys in (
        ("in-process environment", in_process, ("webhook", "turns", "tokens", "retrieval", "checkpoints", "history")),
        ("local stack", on_stack, ("notifier", "reminders", "recalls", "waitlist", "pipeline")),
    ):
        failed = _attempt(name, run)
        for key in keys:
            results.setdefault(key, failed if isinstance(failed, str) else "_Not measured in this run._")
    needed = ("pipeline", "turns", "tokens")
    missing = [k for k in needed if isinstance(results[k], str)]
    results["costs"] = (
        f"_Not computed: {', '.join(missing)} not measured in this run._"
        if missing
        else _attempt("price per 1,000 messages", lambda: costs.estimate(results))
    )

    took = time.perf_counter() - started
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}, Python {platform.python_version()};",
        f"figures from one run of `make bench` ({took / 60:.1f} min). Reported, never asserted. Everything is",
        "local (moto, embedded PostgreSQL, local protocol servers for OpenAI / Gemini / Gupshup): counts carry",
        "over to AWS, times only indicate.",
        "",
        *_imports(results["imports"]),
        "",
        *_webhook(results["webhook"]),
        "",
        *_turns(results["turns"]),
        "",
        *_tokens(results["tokens"]),
        "",
        *_retrieval(results["retrieval"]),
        "",
        *_notifier(results["notifier"]),
        "",
        *reminders.lines(results["reminders"]),
        "",
        *recalls.lines(results["recalls"]),
        "",
        *waitlist.lines(results["waitlist"]),
        "",
        *_crm(results["crm"]),
        "",
        *_stats(results["stats"]),
        "",
        *_checkpoints(results["checkpoints"]),
        "",
        *history_bound.lines(results["history"]),
        "",
        *language_detection.lines(results["languages"]),
        "",
        *_pipeline(results["pipeline"]),
        "",
        *_costs(results["costs"]),
        "",
        *_artifacts(results["artifacts"]),
        "",
        f"_Bench took {took:.0f} s._",
        "",
    ]
    text = "\n".join(lines)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
