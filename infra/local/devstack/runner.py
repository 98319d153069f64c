"""The local stand-in for Lambda, API Gateway and the SQS event source mappings.

- FunctionPool: warm worker processes per function (one per unit of concurrency). A worker
  that dies (a crash, or SIGKILL from a chaos test: `kill_busy`) is replaced by a fresh one,
  as Lambda starts a new execution environment.
- HttpApiServer: serves the template's HTTP API routes as API Gateway HTTP API (v2) events.
- SqsPoller: polls a queue like a Lambda event source mapping: batches of the mapping's size,
  `batchItemFailures` honoured (only successes are deleted), failures left to the queue's
  visibility timeout and redrive policy, FIFO group order kept by the queue itself.
- Scheduler: invokes a function with EventBridge's scheduled event at its rule's rate.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from devstack.aws import moto_client
from devstack.cloudformation import HttpRoute, ScheduledRule, SqsMapping
from devstack.http_server import LocalHTTPServer


class InvocationError(RuntimeError):
    """The handler raised (the Lambda service would report a function error)."""


class WorkerCrashed(InvocationError):
    """The execution environment died mid-invocation (its records come back after the timeout)."""


@dataclass
class Invocation:
    """What the runner saw of one invocation; tests and the demo read these."""

    function: str
    source: str
    started: float
    duration_ms: float
    ok: bool
    record_ids: list[str] = field(default_factory=list)
    failed_ids: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    error: str | None = None


class Worker:
    def __init__(self, function: str, code_dir: Path, handler: str, env: dict[str, str], log: IO[str]) -> None:
        self.function = function
        self.event: dict[str, Any] | None = None  # what it is working on now
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "devstack.worker", str(code_dir), handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            text=True,
            bufsize=1,
        )
        self._ready = False

    def _readline(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise WorkerCrashed(f"{self.function} worker exited (see its log under .local/logs)")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def wait_ready(self) -> None:
        if not self._ready:
            reply = self._readline()
            if not reply.get("ready"):
                raise InvocationError(f"{self.function} failed to start: {reply}")
            self._ready = True

    def invoke(self, event: dict[str, Any]) -> Any:
        self.wait_ready()
        assert self._proc.stdin is not None
        self.event = event
        try:
            self._proc.stdin.write(json.dumps({"event": event, "request_id": str(uuid.uuid4())}) + "\n")
            self._proc.stdin.flush()
            reply = self._readline()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerCrashed(f"{self.function} worker exited") from exc
        finally:
            self.event = None
        if not reply["ok"]:
            raise InvocationError(f"{reply['error']['type']}: {reply['error']['message']}")
        return reply["result"]

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the execution environment dies at once, whatever it is doing."""
        if self.alive:
            os.kill(self._proc.pid, signal.SIGKILL)

    def close(self) -> None:
        """End of input: the worker finishes what it is doing and exits (stop() waits for it)."""
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()

    def stop(self) -> None:
        self.close()
        if self._proc.poll() is None:
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


class FunctionPool:
    """Warm workers of one function; invoke() borrows an idle one. A worker that died is
    replaced by a new one (a cold start), as Lambda does."""

    def __init__(
        self,
        function: str,
        code_dir: Path,
        handler: str,
        env: dict[str, str],
        size: int,
        log: IO[str],
        timeout_s: float = 30.0,
    ):
        self.function = function
        self.timeout_s = timeout_s
        self._spawn: Callable[[], Worker] = lambda: Worker(function, code_dir, handler, env, log)
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all = [self._spawn() for _ in range(size)]
        self._busy: list[Worker] = []
        self.crashes = 0
        for w in self._all:
            self._idle.put(w)

    def wait_ready(self) -> None:
        for w in self._all:
            w.wait_ready()

    def invoke(self, event: dict[str, Any]) -> Any:
        worker = self._idle.get()
        with self._lock:
            self._busy.append(worker)
        back = worker
        try:
            return worker.invoke(event)
        except WorkerCrashed:
            back = self._spawn()  # a new execution environment for the next invocation
            worker.stop()
            with self._lock:
                self.crashes += 1
                self._all[self._all.index(worker)] = back
            raise
        finally:
            with self._lock:
                self._busy.remove(worker)
            self._idle.put(back)

    @property
    def busy(self) -> bool:
        """Some worker is inside an invocation."""
        with self._lock:
            return bool(self._busy)

    def kill_busy(
        self, rng: random.Random, allowed: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any] | None:
        """SIGKILL one worker that is inside an invocation (chosen by `rng` among those whose event
        `allowed` accepts); the event it was working on, or None when no worker was busy."""
        with self._lock:
            candidates = [
                (w, w.event) for w in self._busy if w.event is not None and (allowed is None or allowed(w.event))
            ]
            if not candidates:
                return None
            worker, event = rng.choice(candidates)
            worker.kill()
            return event

    def close(self) -> None:
        """Every worker told to exit at once (each takes a moment to shut its interpreter down)."""
        with self._lock:
            workers = list(self._all)
        for w in workers:
            w.close()

    def stop(self) -> None:
        self.close()
        with self._lock:
            workers = list(self._all)
        for w in workers:
            w.stop()


Recorder = Callable[[Invocation], None]


class HttpApiServer:
    """API Gateway HTTP API (payload format 2.0) in front of the template's routes."""

    def __init__(self, host: str, port: int, routes: list[HttpRoute], pools: dict[str, FunctionPool], record: Recorder):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: no PII on the console
                return

            def _serve(self) -> None:
                server._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self.routes = routes
        self.pools = pools
        self.record = record
        self.httpd = LocalHTTPServer((host, port), Handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="http-api", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        found = match_route(self.routes, req.command, parts.path)
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        if found is None:
            self._reply(req, 404, {"content-type": "application/json"}, b'{"message":"Not Found"}')
            return
        route, path_parameters = found
        event = http_api_event(req.command, parts.path, parts.query, dict(req.headers.items()), raw, route)
        if path_parameters:
            event["pathParameters"] = path_parameters
        started = time.time()
        try:
            result = self.pools[route.function].invoke(event)
            ok, error = True, None
        except InvocationError as exc:
            result, ok, error = None, False, str(exc)
        self.record(Invocation(route.function, "http", started, (time.time() - started) * 1000, ok, error=error))
        if not ok or not isinstance(result, dict):
            self._reply(req, 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}')
            return
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        # Payload 2.0: a function's cookies come back as a list, each its own Set-Cookie header.
        cookies = [str(c) for c in result.get("cookies") or []]
        self._reply(req, int(result.get("statusCode", 200)), headers, data, cookies)

    @staticmethod
    def _reply(
        req: BaseHTTPRequestHandler, status: int, headers: dict[str, str], data: bytes, cookies: list[str] | None = None
    ) -> None:
        req.send_response(status)
        for k, v in headers.items():
            if k not in ("content-length", "set-cookie"):
                req.send_header(k, v)
        for cookie in [*cookies] if cookies else ([headers["set-cookie"]] if "set-cookie" in headers else []):
            req.send_header("Set-Cookie", cookie)
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)


def match_route(routes: list[HttpRoute], method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
    """The route API Gateway would pick: an exact path before a templated one ("{id}" one
    segment, "{proxy+}" the rest), the method itself before ANY; with its path parameters."""
    best: tuple[int, HttpRoute, dict[str, str]] | None = None
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(route.path))
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
        matched = re.fullmatch(pattern, path)
        if matched is None:
            continue
        rank = (0 if route.path == path else 2) + (0 if route.method == method else 1)
        if best is None or rank < best[0]:
            best = (rank, route, {k: v for k, v in matched.groupdict().items() if v is not None})
    return None if best is None else (best[1], best[2])


def http_api_event(
    method: str, path: str, query: str, headers: dict[str, str], raw: bytes, route: HttpRoute
) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2.0 event, as the real service builds it."""
    now = datetime.now(UTC)
    params: dict[str, str] = {}
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        from urllib.parse import unquote_plus

        params[unquote_plus(key)] = unquote_plus(value)
    try:
        body, is_b64 = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        body, is_b64 = base64.b64encode(raw).decode(), True
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {k.lower(): v for k, v in headers.items() if k.lower() != "cookie"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("Host", "localhost"),
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": is_b64,
    }
    if params:
        event["queryStringParameters"] = params
    cookie_header = next((v for k, v in headers.items() if k.lower() == "cookie"), "")
    cookies = [c.strip() for c in cookie_header.split(";") if c.strip()]
    if cookies:  # payload 2.0 carries them apart from the headers
        event["cookies"] = cookies
    if raw:
        event["body"] = body
    return event


def sqs_event(messages: list[Any], queue_arn: str, region: str) -> dict[str, Any]:
    """The event a Lambda SQS event source mapping delivers for a batch of messages."""
    records = []
    for m in messages:
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {
                    k: {
                        "stringValue": v.get("StringValue"),
                        "binaryValue": v.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": v["DataType"],
                    }
                    for k, v in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


class SqsPoller:
    """One event source mapping: `concurrency` pollers, each feeding one warm worker."""

    def __init__(
        self,
        mapping: SqsMapping,
        queue_url: str,
        queue_arn: str,
        pool: FunctionPool,
        concurrency: int,
        endpoint_url: str,
        region: str,
        record: Recorder,
        retry_after_seconds: int | None = None,
    ) -> None:
        self.mapping = mapping
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.pool = pool
        self.region = region
        self.record = record
        self.retry_after_seconds = retry_after_seconds
        self._stop = threading.Event()
        self._sqs = moto_client("sqs", endpoint_url, region)
        # One receive at a time from a FIFO queue, as Lambda's FIFO event source does: moto's
        # ReceiveMessage reads which message groups are in flight without a lock, so two receives at
        # once can each take part of one group and break its order.
        self._receiving = threading.Lock() if queue_url.endswith(".fifo") else None
        self._threads = [
            threading.Thread(target=self._loop, name=f"poll-{mapping.function}-{i}", daemon=True)
            for i in range(concurrency)
        ]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def close(self) -> None:
        """No more polls (a long poll under way ends within its wait, a second at most)."""
        self._stop.set()

    def stop(self) -> None:
        self.close()
        for t in self._threads:
            t.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception as exc:  # keep polling through transient moto errors
                print(f"[devstack] poller {self.mapping.function}: {type(exc).__name__}: {exc}", file=sys.stderr)
                time.sleep(0.5)

    def poll_once(self, wait_seconds: int = 0) -> int:
        with self._receiving or contextlib.nullcontext():
            resp = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.mapping.batch_size,
                WaitTimeSeconds=wait_seconds,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        messages = resp.get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, self.queue_arn, self.region)
        started = time.time()
        ids = [m["MessageId"] for m in messages]
        crashed = False
        try:
            result = self.pool.invoke(event)
            failed = self._failed_ids(result, ids)
            ok, error = True, None
        except InvocationError as exc:
            failed, ok, error = set(ids), False, str(exc)
            crashed = isinstance(exc, WorkerCrashed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if failed and self.retry_after_seconds is not None:
            # Local shortcut for tests: retry sooner than the queue's visibility timeout. Never
            # sooner than a crashed invocation would have timed out, as in AWS (visibility >=
            # timeout): what it left "in progress" (idempotency records) expires by then.
            wait = max(self.retry_after_seconds, int(self.pool.timeout_s) + 1) if crashed else self.retry_after_seconds
            for m in messages:
                if m["MessageId"] in failed:
                    self._sqs.change_message_visibility(
                        QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=wait
                    )
        self.record(
            Invocation(
                self.mapping.function,
                f"sqs:{self.mapping.queue_logical_id}",
                started,
                (time.time() - started) * 1000,
                ok,
                record_ids=ids,
                failed_ids=sorted(failed),
                bodies=[m["Body"] for m in messages],
                error=error,
            )
        )
        return len(messages)

    def _failed_ids(self, result: Any, ids: list[str]) -> set[str]:
        if not self.mapping.report_batch_item_failures:
            return set()
        if not isinstance(result, dict):
            return set()
        failures = result.get("batchItemFailures") or []
        failed = {str(f.get("itemIdentifier")) for f in failures if isinstance(f, dict)}
        # An identifier that is not in the batch fails the whole batch, as in Lambda.
        if failed - set(ids):
            return set(ids)
        return failed


def scheduled_event(rule: ScheduledRule, region: str) -> dict[str, Any]:
    """The event EventBridge sends a rule's target on schedule (the target's Input instead, when it has one)."""
    if rule.input is not None:
        loaded: dict[str, Any] = json.loads(rule.input)
        return loaded
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/{rule.function}-schedule"],
        "detail": {},
    }


class Scheduler:
    """A schedule rule: the function invoked every `period` seconds (the rule's own rate, or a
    shorter local one for tests)."""

    def __init__(
        self, rule: ScheduledRule, pool: FunctionPool, region: str, record: Recorder, period: float,
        first: float | None = None,
    ) -> None:  # fmt: skip
        self.rule, self.pool, self.region, self.record, self.period = rule, pool, region, record, period
        self.first = period if first is None else first  # seconds to the first firing (a cron's hour)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"schedule-{rule.function}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        wait = self.first
        while not self._stop.wait(wait):
            self.fire()
            wait = self.period

    def fire(self) -> None:
        started = time.time()
        try:
            self.pool.invoke(scheduled_event(self.rule, self.region))
            ok, error = True, None
        except InvocationError as exc:
            ok, error = False, str(exc)
        self.record(
            Invocation(self.rule.function, "schedule", started, (time.time() - started) * 1000, ok, error=error)
        )


def base_worker_env(endpoint_url: str, region: str) -> dict[str, str]:
    """The part of a worker's environment that Lambda itself would provide."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env
