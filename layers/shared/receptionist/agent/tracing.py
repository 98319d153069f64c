"""Optional LLM tracing to Langfuse: one trace per turn, spans per graph node and tool call, a
generation per model call with its model, tokens and cost (docs/tracing.md).

A small client of Langfuse's public ingestion API (POST {host}/api/public/ingestion, basic auth
public:secret, a batch of trace-create / span-create / generation-create events), not the SDK:
the SDK (OpenTelemetry, ~40 MB with its dependencies, ~0.3 s to import) exports from a
background thread, which Lambda freezes between invocations. Here a turn's events stay in memory
and the host sends them in one request before its invocation returns (`LangfuseRecorder.flush`),
bounded in total by the time it has left: resolution, connection, sending and the answer
(receptionist/bounded_http.py says how).

Tracing never fails a turn: every step here swallows its own errors (logged by type only), an
outage costs at most the flush's bounded wait, and the turn's answer is the same with tracing off.

Privacy: the user is an HMAC-SHA256 of the organization and the customer's number under a key
that only the functions hold (SSM in Lambda), so nobody without the key can turn it back into the
number by trying numbers; without the key a trace has no user (never an unkeyed hash). The session
is the conversation's id in the CRM (the console's /conversations/<id>); the customer's number is
replaced wherever it would appear in what is sent. Message texts, tool arguments and results are
sent unless `capture_content` is off.

Nothing here is imported beyond the standard library's cheapest modules; the HTTP client loads on
the first flush.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from receptionist.deadline import Deadline
from receptionist.model_prices import PER_TOKENS, price_of

if TYPE_CHECKING:  # loaded on the first flush: the HTTP client stays out of the cold start
    from receptionist.bounded_http import Resolver

logger = logging.getLogger(__name__)

INGESTION_PATH = "/api/public/ingestion"
FLUSH_SECONDS = 2.0  # the most one flush may wait for Langfuse, whatever time is left
MIN_FLUSH_SECONDS = 0.2  # with less time left the traces are dropped, not sent
MAX_FIELD_CHARS = 20_000  # one text in an event, at most (a long prompt is cut)
MAX_BATCH_BYTES = 3_000_000  # Langfuse refuses batches over 3.5 MB
MAX_PENDING_TRACES = 200  # a host that never flushes keeps at most this many turns
MIN_USER_KEY_CHARS = 32  # a shorter user key is refused as if missing (a guessable key is no key)
USER_KEY_RETRY_SECONDS = 300.0  # a missing user key is asked for again after this long
NO_USER = "c-unknown"  # what replaces the customer's number in a trace without a user id

F = TypeVar("F", bound=Callable[..., Any])


def trace_user(key: bytes, organization_id: str, customer_number: str) -> str:
    """The trace's user: HMAC-SHA256 under `key` of the organization and the number (128 bits
    shown). The same customer of the same business always gets the same id; without the key it
    cannot be computed, so enumerating numbers does not find the one behind it."""
    digest = hmac.new(key, f"{organization_id}:{customer_number}".encode(), hashlib.sha256).hexdigest()
    return f"c-{digest[:32]}"


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _clip(value: Any) -> Any:
    """`value` as JSON-able data with every text cut to MAX_FIELD_CHARS."""
    if isinstance(value, str):
        return value if len(value) <= MAX_FIELD_CHARS else value[:MAX_FIELD_CHARS] + "…"
    if isinstance(value, Mapping):
        return {str(k): _clip(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clip(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _clip(str(value))


@dataclass
class Observation:
    """A span (a graph node, a tool call) or a generation (a model call) of one trace."""

    trace: Trace
    name: str
    kind: str = "span"  # "span" or "generation"
    parent_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    start_ns: int = field(default_factory=time.time_ns)
    end_ns: int | None = None
    input: Any = None
    output: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    level: str = "DEFAULT"
    status_message: str | None = None
    model: str | None = None
    model_parameters: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    cost: dict[str, float] = field(default_factory=dict)

    def set_output(self, output: Any, *, ok: bool = True) -> None:
        if self.trace.capture_content:
            self.output = output
        if not ok:
            self.level, self.status_message = "WARNING", "failed"

    def fail(self, exc: BaseException) -> None:
        self.level, self.status_message = "ERROR", type(exc).__name__  # the type only: messages quote data

    def record_reply(self, reply: Any) -> None:
        """A model's reply (a LangChain message, read by duck typing): output, model, tokens, cost."""
        try:
            self._record_reply(reply)
        except Exception as exc:  # an odd reply is the model's business, not the trace's
            logger.warning("model reply not traced", extra={"error": type(exc).__name__})

    def _record_reply(self, reply: Any) -> None:
        metadata = getattr(reply, "response_metadata", None) or {}
        self.model = str(metadata.get("model_name") or self.model or "") or None
        usage = getattr(reply, "usage_metadata", None) or {}
        prompt, completion = int(usage.get("input_tokens", 0) or 0), int(usage.get("output_tokens", 0) or 0)
        cached = int((usage.get("input_token_details") or {}).get("cache_read", 0) or 0)
        # Langfuse's convention for OpenAI: "input" counts the uncached prompt tokens only.
        self.usage = {"input": prompt - cached, "output": completion, "total": prompt + completion}
        if cached:
            self.usage["input_cached_tokens"] = cached
        rates = price_of(self.model or "")  # a model not listed: tokens, no cost (Langfuse may price it)
        if rates is not None:
            fresh, reused = (prompt - cached) * rates.input, cached * rates.cached_input
            out = completion * rates.output
            self.cost = {"input": fresh / PER_TOKENS, "output": out / PER_TOKENS}
            self.cost["total"] = (fresh + reused + out) / PER_TOKENS
            if cached:
                self.cost["input_cached_tokens"] = reused / PER_TOKENS
        if self.trace.capture_content:
            calls = [{"name": c.get("name"), "args": c.get("args")} for c in getattr(reply, "tool_calls", None) or []]
            self.output = {"content": str(getattr(reply, "content", "")), **({"tool_calls": calls} if calls else {})}

    def event(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "traceId": self.trace.id,
            "name": self.name,
            "startTime": _iso(self.start_ns),
            "endTime": _iso(self.end_ns or time.time_ns()),
            "metadata": self.metadata,
            "level": self.level,
        }
        if self.parent_id:
            body["parentObservationId"] = self.parent_id
        if self.status_message:
            body["statusMessage"] = self.status_message
        if self.input is not None:
            body["input"] = self.input
        if self.output is not None:
            body["output"] = self.output
        if self.kind == "generation":
            body.update(model=self.model, modelParameters=self.model_parameters, usageDetails=self.usage)
            if self.cost:
                body["costDetails"] = self.cost
        return _envelope(f"{self.kind}-create", body)


class _NullObservation:
    """What a hook gets when no turn is traced: every call does nothing."""

    def set_output(self, output: Any, *, ok: bool = True) -> None:
        return

    def fail(self, exc: BaseException) -> None:
        return

    def record_reply(self, reply: Any) -> None:
        return


NULL_OBSERVATION = _NullObservation()
Hook = Observation | _NullObservation


def _envelope(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "type": kind, "timestamp": _iso(time.time_ns()), "body": body}


@dataclass
class Trace:
    """One turn. The organization and the customer's number are kept to compute the user when
    the trace is sent (the key is read then) and to replace the number in what is sent."""

    session_id: str
    organization_id: str
    customer_number: str
    capture_content: bool = True
    name: str = "turn"
    environment: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    start_ns: int = field(default_factory=time.time_ns)
    input: Any = None
    output: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def end(self, reply: str, **metadata: Any) -> None:
        """The turn's answer and what it cost (set by the runner once the reply is known)."""
        if self.capture_content:
            self.output = reply
        self.metadata.update(metadata)

    def add(self, observation: Observation) -> None:
        with self._lock:
            self.observations.append(observation)

    def events(self, user_id: str | None) -> list[dict[str, Any]]:
        """The trace's events, with `user_id` as its user (None: no user)."""
        body: dict[str, Any] = {
            "id": self.id,
            "timestamp": _iso(self.start_ns),
            "name": self.name,
            "sessionId": self.session_id,
            "metadata": self.metadata,
        }
        if user_id:
            body["userId"] = user_id
        if self.environment:
            body["environment"] = self.environment
        if self.input is not None:
            body["input"] = self.input
        if self.output is not None:
            body["output"] = self.output
        with self._lock:
            observations = list(self.observations)
        return [_envelope("trace-create", body), *(o.event() for o in observations)]

    def redact(self, text: str, user_id: str | None) -> str:
        """`text` (serialized events) without the customer's number anywhere in it."""
        return text.replace(self.customer_number, user_id or NO_USER) if self.customer_number else text


_current_trace: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("langfuse_trace", default=None)
_current_parent: contextvars.ContextVar[str | None] = contextvars.ContextVar("langfuse_parent", default=None)


class IngestionRefused(Exception):
    """Langfuse answered the batch with an error status (401: wrong keys, 5xx: its outage)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"Langfuse answered {status}")
        self.status = status


@dataclass(frozen=True)
class TracingSettings:
    host: str
    capture_content: bool = True
    environment: str = ""
    flush_seconds: float = FLUSH_SECONDS


class LangfuseRecorder:
    """Langfuse's ingestion API for a warm container: the turns traced since the last flush,
    and the keys, read on the first flush (`credentials`, and `user_key` for the traces' user:
    SSM in Lambda) and forgotten by `close` (a SnapStart restore reads them again). A recorder,
    not a "tracer": the handlers' Tracer is Powertools' (X-Ray).

    Without `user_key`, or when it cannot be read or is shorter than MIN_USER_KEY_CHARS, traces
    are sent without a user (a warning says why, the key is asked for again after
    USER_KEY_RETRY_SECONDS); the user id is never computed without the key."""

    def __init__(
        self,
        settings: TracingSettings,
        credentials: Callable[[], tuple[str, str]],
        *,
        user_key: Callable[[], str] | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self._keys: tuple[str, str] | None = None
        self._read_user_key = user_key
        self._user_key: bytes | None = None
        self._user_key_missed_at: float | None = None  # monotonic time of the last failed read
        self._resolver = resolver
        self._pending: list[Trace] = []
        self._lock = threading.Lock()
        self.requests = 0  # batches posted (sent or not), for tests and the bench
        self.dropped = 0  # traces not delivered

    def __repr__(self) -> str:
        return f"LangfuseRecorder(host={self.settings.host!r}, keys=***)"

    @property
    def url(self) -> str:
        return self.settings.host.rstrip("/") + INGESTION_PATH

    def new_trace(self, session_id: str, organization_id: str, customer_number: str) -> Trace:
        return Trace(
            session_id,
            organization_id,
            customer_number,
            capture_content=self.settings.capture_content,
            environment=self.settings.environment,
        )

    def finished(self, trace: Trace) -> None:
        with self._lock:
            self._pending.append(trace)
            excess = len(self._pending) - MAX_PENDING_TRACES
            if excess > 0:
                del self._pending[:excess]
                self.dropped += excess

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self, seconds: float = FLUSH_SECONDS) -> int:
        """Send the pending traces, taking at most `seconds` (and the settings' flush_seconds)
        for the whole send: resolving the host, connecting, writing and reading the answer.
        Returns how many were accepted; never raises: what could not be sent is dropped."""
        with self._lock:
            traces, self._pending = self._pending, []
        if not traces:
            return 0
        budget = min(seconds, self.settings.flush_seconds)
        if budget < MIN_FLUSH_SECONDS:
            self._drop(traces, "no time left")
            return 0
        deadline = Deadline.after(budget)
        sent = 0
        try:
            auth = self._authorization()
            user_key = self._user_key_now()
            for batch, count in self._batches(traces, user_key):
                if deadline.remaining() < MIN_FLUSH_SECONDS / 2:
                    raise TimeoutError("flush budget spent")
                self.requests += 1
                self._post(batch, auth, deadline)
                sent += count
        except Exception as exc:
            self._drop(traces[sent:], exc)
        return sent

    def close(self) -> None:
        """Forget the keys and anything not yet sent (before a snapshot, after a restore)."""
        with self._lock:
            self._pending = []
        self._keys = None
        self._user_key, self._user_key_missed_at = None, None

    def _drop(self, traces: Sequence[Trace], exc: BaseException | str) -> None:
        self.dropped += len(traces)
        why = {"error": exc} if isinstance(exc, str) else {"error": type(exc).__name__}
        if isinstance(exc, IngestionRefused):
            why["status"] = str(exc.status)
        logger.warning("traces not sent to Langfuse", extra={"traces": len(traces), **why})

    def _authorization(self) -> str:
        import base64

        if self._keys is None:
            self._keys = self._credentials()
        public, secret = self._keys
        return "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()

    def _user_key_now(self) -> bytes | None:
        """The traces' user key, read once; None (traces without a user) when there is none."""
        if self._user_key is not None or self._read_user_key is None:
            return self._user_key
        now = time.monotonic()
        if self._user_key_missed_at is not None and now - self._user_key_missed_at < USER_KEY_RETRY_SECONDS:
            return None
        try:
            key = self._read_user_key()
            if len(key) < MIN_USER_KEY_CHARS:
                raise ValueError("trace user key too short")
        except Exception as exc:  # the error's type only: never the key, nor a message quoting it
            self._user_key_missed_at = now
            logger.warning(
                "trace user key unavailable: traces sent without a user", extra={"error": type(exc).__name__}
            )
            return None
        self._user_key = key.encode()
        return self._user_key

    def _batches(self, traces: Sequence[Trace], user_key: bytes | None = None) -> Iterator[tuple[bytes, int]]:
        """Request bodies under MAX_BATCH_BYTES, each with how many traces it completes."""
        parts: list[str] = []
        size, count = 0, 0
        for trace in traces:
            user_id = trace_user(user_key, trace.organization_id, trace.customer_number) if user_key else None
            for event in trace.events(user_id):
                text = trace.redact(json.dumps(_clip(event), ensure_ascii=False), user_id)
                if parts and size + len(text) > MAX_BATCH_BYTES:
                    yield self._body(parts), count
                    parts, size, count = [], 0, 0
                parts.append(text)
                size += len(text) + 1
            count += 1
        if parts:
            yield self._body(parts), count

    @staticmethod
    def _body(parts: list[str]) -> bytes:
        return ('{"batch":[' + ",".join(parts) + "]}").encode()

    def _post(self, body: bytes, authorization: str, deadline: Deadline) -> None:
        from receptionist import bounded_http

        if self._resolver is None:
            self._resolver = bounded_http.Resolver()
        headers = {"Authorization": authorization, "Content-Type": "application/json"}
        answer = bounded_http.post(self.url, body, headers, deadline, resolver=self._resolver)
        if not 200 <= answer.status < 300:
            raise IngestionRefused(answer.status)
        # 207: accepted, with a list of the events Langfuse refused.
        errors = (json.loads(answer.body or b"{}") or {}).get("errors") or []
        if errors:
            logger.warning("Langfuse refused some events", extra={"events": len(errors)})


@contextmanager
def turn(
    recorder: LangfuseRecorder | None,
    *,
    organization_id: str,
    conversation_id: str,
    customer_number: str,
    turn_id: str,
    text: str,
) -> Iterator[Trace | None]:
    """Trace the turn run inside the block (None when tracing is off). The trace is handed to
    the recorder when the block ends, failed or not; the block's own exceptions pass through."""
    if recorder is None:
        yield None
        return
    try:
        trace = recorder.new_trace(conversation_id, organization_id, customer_number)
        trace.metadata.update(organization_id=organization_id, turn_id=turn_id)
        if trace.capture_content:
            trace.input = text
        token = _current_trace.set(trace)
    except Exception as exc:  # pragma: no cover - defensive: tracing never fails a turn
        logger.warning("turn not traced", extra={"error": type(exc).__name__})
        yield None
        return
    try:
        yield trace
    except BaseException as exc:
        trace.metadata["error"] = type(exc).__name__
        raise
    finally:
        _current_trace.reset(token)
        recorder.finished(trace)


@contextmanager
def observe(name: str, *, kind: str = "span", input: Any = None, **metadata: Any) -> Iterator[Hook]:
    """An observation of the current turn's trace around the block, nested in the enclosing
    one; a no-op outside a traced turn. An exception in the block marks it and passes through."""
    trace = _current_trace.get()
    if trace is None:
        yield NULL_OBSERVATION
        return
    observation = Observation(trace, name, kind, _current_parent.get(), metadata=metadata)
    if trace.capture_content and input is not None:
        observation.input = input
    token = _current_parent.set(observation.id)
    try:
        yield observation
    except BaseException as exc:
        observation.fail(exc)
        raise
    finally:
        _current_parent.reset(token)
        observation.end_ns = time.time_ns()
        trace.add(observation)


def generation(model: Any, messages: Sequence[Any]) -> Any:
    """An observation for one model call: `model` (a LangChain chat model) names it and its
    parameters until the reply says which model answered; `messages` is its input."""
    if _current_trace.get() is None:
        return observe("model")
    content = [_message(m) for m in messages]
    cm = observe("model", kind="generation", input=content, messages=len(messages))
    return _with_model(cm, model)


@contextmanager
def _with_model(cm: Any, model: Any) -> Iterator[Hook]:
    with cm as observation:
        if isinstance(observation, Observation):
            observation.model = str(getattr(model, "model_name", "") or "") or None
            for name in ("temperature", "max_tokens"):
                value = getattr(model, name, None)
                if isinstance(value, int | float):
                    observation.model_parameters[name] = value
        yield observation


def _message(message: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"role": str(getattr(message, "type", "")), "content": getattr(message, "content", "")}
    calls = getattr(message, "tool_calls", None)
    if calls:
        out["tool_calls"] = [{"name": c.get("name"), "args": c.get("args")} for c in calls]
    return out


def node(name: str) -> Callable[[F], F]:
    """A graph node traced as a span named `name` (its signature unchanged for LangGraph)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            if _current_trace.get() is None:
                return fn(*args, **kwargs)
            with observe(name, node=name):
                return fn(*args, **kwargs)

        return run  # type: ignore[return-value]

    return wrap


def recorder_from_env(environ: Mapping[str, str]) -> LangfuseRecorder | None:
    """A recorder from LANGFUSE_HOST / LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY (the CLI, the
    bench, the evaluation); None unless all three are set. LANGFUSE_USER_KEY is the traces' user
    key (unset: traces without a user); LANGFUSE_CAPTURE_CONTENT=false leaves out message texts.
    The deployed processor reads its keys from SSM instead (processor/wiring.py)."""
    host, public, secret = (environ.get(f"LANGFUSE_{k}", "").strip() for k in ("HOST", "PUBLIC_KEY", "SECRET_KEY"))
    if not (host and public and secret):
        return None
    capture = environ.get("LANGFUSE_CAPTURE_CONTENT", "true").strip().lower() not in ("0", "false", "no", "off")
    settings = TracingSettings(host, capture_content=capture, environment=environ.get("LANGFUSE_ENVIRONMENT", ""))
    user_key = environ.get("LANGFUSE_USER_KEY", "").strip()
    return LangfuseRecorder(settings, lambda: (public, secret), user_key=(lambda: user_key) if user_key else None)
