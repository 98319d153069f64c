"""The whole pipeline on the local stack: HTTP webhook -> inbound FIFO (debounce 0) -> processor ->
outbound FIFO -> notifier -> Gupshup, every function in its own warm worker processes, the model,
Gemini and Gupshup played by local protocol servers in this process (so their clocks are ours).

The model echoes the customer's text ("Respuesta a: <text>"), so each reply says which messages
it covers. Throughput: messages per second from the first webhook POST to the moment the last
message was answered. Latency per message: from its POST to the Gupshup send of the reply that
covers it (FakeGupshup records send times). Lost / duplicated / out-of-order are counted from
the sends and from chat_messages. If the notifier sends nothing to Gupshup yet, the notifier's
invocations (the runner records when each began and the jobs it got) stand in for the sends,
and the figures are labelled so.

Next to it, moto's raw SQS FIFO rate on the same moto server, in the same run.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psycopg

from bench.env import APP, REGION
from devstack.aws import moto_client
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI, text_message, tool_call_message
from devstack.gupshup_events import customer_message, new_customer, post_callback
from devstack.stack import LocalConfig, LocalStack
from receptionist.conversation_key import ConversationKey

PREFIX = "Respuesta a: "
LONG_MARK = "#larga"  # the model answers with a 10,000-character text
ESCALATE_MARK = "#persona"  # the model escalates to a human, then answers
ESCALATION_REASON = "El cliente pide hablar con una persona"
ESCALATED_REPLY = "Te paso con una persona del equipo; te escribirá enseguida."


def long_text(length: int = 10_000) -> str:
    """Sentences (so the notifier can split on their boundaries), exactly `length` characters."""
    out, i = "", 0
    while len(out) < length:
        i += 1
        out += f"Esta es la frase número {i} de una respuesta larga de la recepcionista. "
    text = out[:length]
    return text[:-1] + "." if text.endswith(" ") else text


def model(body: dict[str, Any]) -> dict[str, Any]:
    """The local model: echoes the customer, or plays the notifier scenarios' markers."""
    messages = body.get("messages", [])
    users = [m for m in messages if m.get("role") == "user"]
    text = str(users[-1]["content"]) if users else ""
    if text.startswith(LONG_MARK):
        return text_message(long_text())
    if text.startswith(ESCALATE_MARK):
        if messages and messages[-1].get("role") == "tool":
            return text_message(ESCALATED_REPLY)
        return tool_call_message(("escalate_to_human", {"reason": ESCALATION_REASON}))
    return text_message(PREFIX + text)


class PipelineStack:
    """The local stack (debounce 0) with the fakes, ready to take webhook POSTs."""

    def __init__(self, concurrency: int = 4) -> None:
        self.concurrency = concurrency
        self.openai = FakeOpenAI(responder=model)
        self.gemini = FakeGemini()
        self.gupshup = FakeGupshup()
        self._parts = ExitStack()
        self.stack: LocalStack | None = None
        self.startup_seconds = 0.0
        self.staff_numbers: list[str] = []

    def __enter__(self) -> Self:
        started = time.perf_counter()
        with ExitStack() as parts:
            tmp = parts.enter_context(tempfile.TemporaryDirectory(prefix="bench-pipeline-"))
            for fake in (self.openai, self.gemini, self.gupshup):
                parts.enter_context(fake)
            cfg = LocalConfig.ephemeral(
                Path(tmp),
                openai_base_url=f"{self.openai.url}/v1",
                gemini_base_url=self.gemini.url,
                gupshup_api_url=self.gupshup.url,
                concurrency=self.concurrency,
                # As in AWS: failed records wait out their visibility timeout, the sweeper runs
                # every minute.
                retry_after_seconds=None,
                schedule_seconds=None,
            )
            self.stack = parts.enter_context(LocalStack(cfg))
            self._staff_numbers()
            self._parts = parts.pop_all()
        self.startup_seconds = time.perf_counter() - started
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stack = None
        self._parts.close()

    @property
    def live(self) -> LocalStack:
        assert self.stack is not None, "use PipelineStack as a context manager"
        return self.stack

    def _staff_numbers(self) -> None:
        """The demo organization's staff numbers (where escalation notices go). The stack itself
        put each app's Gupshup key in SSM (LocalConfig.gupshup_api_key, the local server's key)."""
        with psycopg.connect(self.live.info["database_url"]) as conn:
            staff = conn.execute(
                "select n.staff_numbers from notification_settings n join platform_connections p"
                " on p.organization_id = n.organization_id where p.app_name = %s",
                (APP,),
            ).fetchone()
        self.staff_numbers = list(staff[0]) if staff else []

    def post(self, customer: str, text: str) -> tuple[str, float]:
        """One Gupshup text message through the webhook; (message id, POST time)."""
        mid = f"wamid.bench.{uuid.uuid4().hex}"
        body = customer_message(APP, customer, text=text, message_id=mid)
        posted = time.time()
        status = post_callback(self.live.info["webhook_url"], self.live.config.webhook_secret, body, timeout=30)
        if status != 200:
            raise RuntimeError(f"webhook answered {status}")
        return mid, posted

    def notifier_jobs(self) -> list[tuple[float, dict[str, Any], bool]]:
        """(invocation start, job, invocation ok) for every job the notifier was handed, in order."""
        out = []
        for inv in sorted(self.live.invocations_of("NotifierFunction"), key=lambda i: i.started):
            for body in inv.bodies:
                try:
                    job = json.loads(body)
                except ValueError:
                    continue
                out.append((inv.started, job, inv.ok and not inv.failed_ids))
        return out

    @property
    def sending(self) -> bool:
        """Whether the notifier delivers to Gupshup (else it is still the foundation stub)."""
        return bool(self.gupshup.sent)


# -- throughput -----------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class TurnTiming:
    """One answered turn as the processor logged it ("turn done"): seconds in total, in the
    model, in media, in the database, and the rest (overhead)."""

    total: float
    model: float
    media: float
    db: float
    overhead: float


def turn_timings(log_file: Path, since: float) -> list[TurnTiming]:
    """The answered turns in the processor's log (Powertools JSON lines) from `since` on."""
    out: list[TurnTiming] = []
    if not log_file.exists():
        return out
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"turn done"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        stamp = entry.get("timestamp", "")
        if entry.get("outcome") != "answered" or "overhead_seconds" not in entry:
            continue
        try:
            at = datetime.fromisoformat(str(stamp).replace(",", ".")).timestamp()
        except ValueError:
            at = since
        if at < since:
            continue
        out.append(
            TurnTiming(
                float(entry["seconds"]),
                float(entry["model_seconds"]),
                float(entry["media_seconds"]),
                float(entry["db_seconds"]),
                float(entry["overhead_seconds"]),
            )
        )
    return out


@dataclass
class PipelineResult:
    conversations: int
    messages_per_conversation: int
    messages: int
    seconds: float
    measured_to: str  # "Gupshup send" or "notifier invocation"
    latencies: list[float]
    lost_unanswered: int
    lost_unrecorded: int
    duplicated_replies: int
    duplicated_records: int
    out_of_order: int
    replies: int
    processor_invocations: int
    timed_out: bool
    sqs: SqsRate | None = None
    turns: list[TurnTiming] = field(default_factory=list)
    # Per function, during the run: (invocations, their milliseconds in total), and the bytes its
    # log grew by (what CloudWatch Logs would ingest).
    invocations: dict[str, tuple[int, float]] = field(default_factory=dict)
    log_bytes: dict[str, int] = field(default_factory=dict)
    # What the moto server served during the run, per API action: (calls, CPU seconds).
    moto_calls: dict[str, tuple[int, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.lost_unanswered + self.lost_unrecorded

    @property
    def duplicated(self) -> int:
        return self.duplicated_replies + self.duplicated_records

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def share_of_raw_sqs(self) -> float:
        """The pipeline's rate as a share of moto's raw send + receive + delete rate."""
        if self.sqs is None or self.sqs.round_trip_per_second <= 0:
            return float("nan")
        return self.rate / self.sqs.round_trip_per_second

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)


@dataclass(frozen=True)
class SqsRate:
    messages: int
    send_per_second: float
    receive_delete_per_second: float
    round_trip_per_second: float


@dataclass
class _Reply:
    customer: str
    at: float
    key: str  # what identifies one delivery (a send, or a job id)
    covers: list[int]


def _covered(text: str, index_of: dict[str, int]) -> list[int]:
    # The model's answer is the reply's end: a new customer's first reply opens with the AI
    # disclosure (docs/privacy.md), so the answer is found where it starts, not at the text's start.
    start = text.find(PREFIX)
    if start < 0:
        return []
    return [index_of[line] for line in text[start:].removeprefix(PREFIX).split("\n") if line in index_of]


def _replies(
    ps: PipelineStack, customers: set[str], index_of: dict[str, dict[str, int]], by_send: bool
) -> list[_Reply]:
    out: list[_Reply] = []
    if by_send:
        with ps.gupshup.lock:
            sent = list(ps.gupshup.sent)
        for s in sent:
            if s.kind == "session" and s.destination in customers:
                out.append(
                    _Reply(s.destination, s.at, f"{s.destination}|{s.text}", _covered(s.text, index_of[s.destination]))
                )
    else:
        for started, job, ok in ps.notifier_jobs():
            customer = ConversationKey.parse(str(job.get("conversation", ""))).number
            if ok and job.get("kind") == "reply" and customer in customers:
                text = str(job.get("text", ""))
                out.append(_Reply(customer, started, str(job.get("job_id")), _covered(text, index_of[customer])))
    return out


def _wait_answered(
    ps: PipelineStack,
    customers: set[str],
    index_of: dict[str, dict[str, int]],
    by_send: bool,
    expected: int,
    timeout: float,
) -> tuple[float | None, bool]:
    """Until every message is covered: (time the last one was, timed out?)."""
    deadline = time.monotonic() + timeout
    while True:
        replies = _replies(ps, customers, index_of, by_send)
        first: dict[tuple[str, int], float] = {}
        for r in replies:
            for i in r.covers:
                first.setdefault((r.customer, i), r.at)
        if len(first) >= expected:
            return max(first.values()), False
        if time.monotonic() > deadline:
            return (max(first.values()) if first else None), True
        time.sleep(0.2)


def _recorded(database_url: str, mids: list[str]) -> Counter[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "select provider_message_id, count(*) from chat_messages"
            " where direction = 'inbound' and provider_message_id = any(%s) group by provider_message_id",
            (mids,),
        ).fetchall()
    return Counter({str(r[0]): int(r[1]) for r in rows})


def warm_up(ps: PipelineStack, conversations: int = 4, timeout: float = 60) -> None:
    """A first turn in each warm worker (graph built, connections opened) before timing."""
    customers = [new_customer() for _ in range(conversations)]
    index_of = {c: {f"{c} hola": 0} for c in customers}
    threads = [threading.Thread(target=ps.post, args=(c, f"{c} hola")) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_send = _wait_for_any_reply(ps, set(customers), index_of, timeout)
    _wait_answered(ps, set(customers), index_of, by_send, len(customers), timeout)


def _wait_for_any_reply(
    ps: PipelineStack, customers: set[str], index_of: dict[str, dict[str, int]], timeout: float
) -> bool:
    """Wait for the first answer; whether it reached Gupshup (True) or only the notifier (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _replies(ps, customers, index_of, True):
            return True
        if _replies(ps, customers, index_of, False):
            time.sleep(1.0)  # the notifier got the job; give it a moment to send
            return bool(_replies(ps, customers, index_of, True))
        time.sleep(0.2)
    return ps.sending


def _coverage(
    replies: list[_Reply],
) -> tuple[dict[tuple[str, int], float], defaultdict[tuple[str, int], set[str]], int]:
    """When each message was first answered, by which replies, and how many answers came out of
    order (a reply answering a message before an earlier-answered later one)."""
    covered_at: dict[tuple[str, int], float] = {}
    covering: defaultdict[tuple[str, int], set[str]] = defaultdict(set)
    out_of_order = 0
    seen_max: dict[str, int] = {}
    seen_keys: set[str] = set()
    for r in sorted(replies, key=lambda r: r.at):
        for i in r.covers:
            covering[(r.customer, i)].add(r.key)
            covered_at.setdefault((r.customer, i), r.at)
        if r.key in seen_keys:
            continue  # a repeated delivery: counted as a duplicate, not as out of order
        seen_keys.add(r.key)
        for i in r.covers:
            if i < seen_max.get(r.customer, -1):
                out_of_order += 1
            seen_max[r.customer] = max(seen_max.get(r.customer, -1), i)
    return covered_at, covering, out_of_order


def measure(
    ps: PipelineStack,
    conversations: int = 50,
    messages: int = 5,
    timeout: float = 300,
    sqs_messages: int = 500,
) -> PipelineResult:
    warm_up(ps)
    by_send = ps.sending
    customers = [new_customer() for _ in range(conversations)]
    texts = {c: [f"{c} mensaje {i}" for i in range(messages)] for c in customers}
    index_of = {c: {t: i for i, t in enumerate(ts)} for c, ts in texts.items()}
    posted: dict[tuple[str, int], tuple[str, float]] = {}
    lock = threading.Lock()
    invocations_before = len(ps.live.invocations_of("ProcessorFunction"))
    moto_before = moto_calls(ps)
    seen_before = {id(i) for i in ps.live.invocations}
    logs = Path(ps.live.info["logs_dir"])
    log_sizes = {f.stem: f.stat().st_size for f in logs.glob("*.log")}

    post_errors: Counter[str] = Counter()

    def converse(customer: str) -> None:
        for i, text in enumerate(texts[customer]):
            try:
                mid, at = ps.post(customer, text)
            except OSError as exc:  # reported, not raised: the other conversations go on
                with lock:
                    post_errors[type(exc).__name__] += 1
                return
            with lock:
                posted[(customer, i)] = (mid, at)

    threads = [threading.Thread(target=converse, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = len(posted)
    last, timed_out = _wait_answered(ps, set(customers), index_of, by_send, expected, timeout)
    time.sleep(3.0)  # a late duplicate would show up now
    first_post = min(at for _, at in posted.values())
    replies = _replies(ps, set(customers), index_of, by_send)

    covered_at, covering, out_of_order = _coverage(replies)
    deliveries = Counter(r.key for r in replies)
    latencies = [covered_at[k] - at for k, (_, at) in posted.items() if k in covered_at]
    recorded = _recorded(ps.live.info["database_url"], [mid for mid, _ in posted.values()])
    result = PipelineResult(
        conversations=conversations,
        messages_per_conversation=messages,
        messages=expected,
        seconds=(last or time.time()) - first_post,
        measured_to="Gupshup send" if by_send else "notifier invocation",
        latencies=latencies,
        lost_unanswered=sum(1 for k in posted if k not in covered_at),
        lost_unrecorded=sum(1 for mid, _ in posted.values() if recorded[mid] == 0),
        duplicated_replies=sum(n - 1 for n in deliveries.values() if n > 1)
        + sum(1 for keys in covering.values() if len(keys) > 1),
        duplicated_records=sum(n - 1 for n in recorded.values() if n > 1),
        out_of_order=out_of_order,
        replies=len(deliveries),
        processor_invocations=len(ps.live.invocations_of("ProcessorFunction")) - invocations_before,
        timed_out=timed_out,
    )
    if post_errors:
        result.notes.append(
            f"{sum(post_errors.values())} webhook POSTs failed on the client side and were not retried"
            f" ({', '.join(f'{k} x{n}' for k, n in post_errors.items())}); their conversations stopped there"
        )
    if timed_out:
        result.notes.append(f"stopped waiting after {timeout:.0f} s with messages still unanswered")
    failed = [i for i in ps.live.invocations if not i.ok or i.failed_ids]
    if failed:
        errors = Counter(f"{i.function}: {(i.error or 'batch item failures')[:80]}" for i in failed)
        result.notes.append("failed invocations: " + "; ".join(f"{e} x{n}" for e, n in errors.items()))
    result.turns = turn_timings(logs / "processor.log", first_post)
    for inv in [i for i in ps.live.invocations if id(i) not in seen_before]:
        count, ms = result.invocations.get(inv.function, (0, 0.0))
        result.invocations[inv.function] = (count + 1, ms + inv.duration_ms)
    result.log_bytes = {f.stem: f.stat().st_size - log_sizes.get(f.stem, 0) for f in logs.glob("*.log")}
    moto_after = moto_calls(ps)
    result.moto_calls = {
        action: (calls - moto_before.get(action, (0, 0.0))[0], cpu - moto_before.get(action, (0, 0.0))[1])
        for action, (calls, cpu) in moto_after.items()
        if calls > moto_before.get(action, (0, 0.0))[0]
    }
    result.sqs = sqs_rate(ps, sqs_messages)
    return result


def moto_calls(ps: PipelineStack) -> dict[str, tuple[int, float]]:
    """What the stack's moto server served so far, per API action: (calls, CPU seconds)."""
    url = f"{ps.live.info['aws_endpoint_url']}/_devstack/calls"
    with urllib.request.urlopen(url, timeout=10) as response:
        served = json.load(response)
    return {action: (int(v["calls"]), float(v["cpu_seconds"])) for action, v in served.items()}


def sqs_rate(ps: PipelineStack, n: int = 500, groups: int = 50) -> SqsRate:
    """moto's raw SQS FIFO rate on the stack's moto server: n SendMessage calls (one message
    each, as the webhook sends), then ReceiveMessage (10 at a time) + DeleteMessageBatch until
    all n are back, one client, one thread."""
    sqs = moto_client("sqs", ps.live.info["aws_endpoint_url"], REGION)
    url = sqs.create_queue(
        QueueName=f"bench-raw-{uuid.uuid4().hex[:8]}.fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": "60"},
    )["QueueUrl"]
    t0 = time.perf_counter()
    for i in range(n):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"n": i}),
            MessageGroupId=f"g{i % groups}",
            MessageDeduplicationId=str(i),
        )
    t1 = time.perf_counter()
    received, deadline = 0, time.monotonic() + 120
    while received < n and time.monotonic() < deadline:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if msgs:
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)]
            )
            received += len(msgs)
    t2 = time.perf_counter()
    sqs.delete_queue(QueueUrl=url)
    return SqsRate(
        messages=received,
        send_per_second=n / (t1 - t0),
        receive_delete_per_second=received / (t2 - t1) if t2 > t1 else 0.0,
        round_trip_per_second=received / (t2 - t0),
    )


def summary(result: PipelineResult) -> dict[str, float]:
    """The headline numbers, for printing."""
    return {
        "messages_per_second": result.rate,
        "p50_seconds": result.percentile(50),
        "p95_seconds": result.percentile(95),
        "mean_seconds": statistics.fmean(result.latencies) if result.latencies else float("nan"),
    }
