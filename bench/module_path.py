"""How often the path of one customer message, from the webhook to the notifier, returns to a
module it had left.

One text message runs in process through the webhook's service, the processor's and the
notifier's, each built by its function's wiring (`build(settings)`) from the settings the local
stack gives the function (moto with the template deployed, PostgreSQL with the demo seed, the local OpenAI and
Gupshup servers; no workers: the ticket and the job are read off the queues here). Under
`sys.setprofile` each step records which `receptionist.*` module is running (the innermost
`receptionist` frame on the stack, so a call into a library and back stays in the caller's
module); consecutive repeats collapse into one. A return is a module entered again after the path
had left it: A -> B -> A is one. A second figure leaves out the modules that hold values
(`VALUE_MODULES`), whose dataclasses are entered wherever one is built or read. A first message
warms the services (imports, connections, the graph); the next, from another customer, is
measured.

    .venv/bin/python -m bench.module_path [--path]   (after `make build`; --path prints the sequence)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from devstack.aws import moto_client
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import customer_message, new_customer
from devstack.stack import LocalConfig, LocalStack

T = TypeVar("T")
PACKAGE = "receptionist"
APP = "ClinicaSonrisa"  # the demo organization (infra/supabase/seed.sql)
GUPSHUP_KEY = "module-path-gupshup-key"  # a local value for a local server
# Modules that hold values, not work: building a ConversationKey or reading a TurnRecord's field
# "enters" them (a dataclass's methods run in its module). The second figure leaves them out, so
# it counts the back and forth between services, adapters, the CRM and the agent only.
VALUE_MODULES = frozenset(
    f"{PACKAGE}.{m}"
    for m in ("conversation_key", "turns", "messages", "crm.models", "deadline", "languages", "folding")
)


def _module(frame: FrameType | None) -> str | None:
    """The innermost receptionist module on the stack from `frame` outwards."""
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name == PACKAGE or name.startswith(PACKAGE + "."):
            return str(name)
        frame = frame.f_back
    return None


@dataclass
class PathRecorder:
    """The sequence of receptionist modules the running code is in (repeats collapsed)."""

    path: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _seen(self, module: str | None) -> None:
        if module is None:
            return
        with self._lock:
            if not self.path or self.path[-1] != module:
                self.path.append(module)

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            self._seen(_module(frame))
        elif event == "return":
            name = frame.f_globals.get("__name__", "")
            if name.startswith(PACKAGE):  # back to whatever receptionist code called it
                self._seen(_module(frame.f_back))

    def run(self, work: Callable[[], T]) -> T:
        threading.setprofile(self._profile)  # threads started meanwhile (a graph's parallel tools)
        sys.setprofile(self._profile)
        try:
            return work()
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]


def returns(path: list[str]) -> int:
    """How many times the path enters a module it had left."""
    seen: set[str] = set()
    count = 0
    for module in path:
        if module in seen:
            count += 1
        seen.add(module)
    return count


def _without_values(path: list[str]) -> list[str]:
    kept: list[str] = []
    for module in path:
        if module not in VALUE_MODULES and (not kept or kept[-1] != module):
            kept.append(module)
    return kept


def _counts(path: list[str]) -> str:
    return f"{len(path)} module entries, {len(set(path))} modules, {returns(path)}"


@dataclass
class PathReport:
    steps: dict[str, list[str]]  # function -> its path
    outcomes: dict[str, str]  # function -> what its call came to (the path is a whole one only if all went well)

    @property
    def whole(self) -> list[str]:
        path: list[str] = []
        for step in self.steps.values():
            path.extend(m for m in step if not path or path[-1] != m)
        return path

    def lines(self) -> list[str]:
        whole = self.whole
        out = [f"whole path: {_counts(whole)} returns to a module left"]
        for name, step in self.steps.items():
            out.append(f"  {name} ({self.outcomes[name]}): {_counts(step)} returns")
        out.append(f"without the value modules: {_counts(_without_values(whole))} returns")
        for name, step in self.steps.items():
            out.append(f"  {name}: {returns(_without_values(step))} returns")
        most = Counter(whole).most_common(5)
        out.append("  most entered: " + ", ".join(f"{m.removeprefix(PACKAGE + '.')} {n}" for m, n in most))
        return out


@contextmanager
def _environment(updates: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(updates)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _receive_one(sqs: Any, url: str) -> dict[str, Any]:
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=5).get("Messages", [])
        if got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
            return dict(json.loads(got[0]["Body"]))


def measure() -> PathReport:
    from receptionist.config import NotifierSettings, ProcessorSettings, WebhookSettings
    from receptionist.messages import InboundTicket, OutboundJob

    with (
        tempfile.TemporaryDirectory(prefix="module-path-") as tmp,
        FakeOpenAI(responder=lambda body: {"role": "assistant", "content": "Hola, ¿en qué puedo ayudarte?"}) as openai,
        FakeGupshup(api_key=GUPSHUP_KEY) as gupshup,
    ):
        config = LocalConfig.ephemeral(
            Path(tmp),
            runner=False,
            openai_base_url=f"{openai.url}/v1",
            gupshup_api_url=gupshup.url,
            gupshup_api_key=GUPSHUP_KEY,
        )
        with LocalStack(config) as stack:
            assert stack.template is not None
            envs = {name: stack.function_env(stack.template, f"{name.title()}Function") for name in _FUNCTIONS}
            secret = stack.info["webhook_secrets"][APP]
            with _environment(envs["processor"]):  # boto3 and SSM on moto, as in a worker
                services = _services(
                    WebhookSettings.from_env(envs["webhook"]),
                    ProcessorSettings.from_env(envs["processor"]),
                    NotifierSettings.from_env(envs["notifier"]),
                )
                sqs = moto_client("sqs", stack.info["aws_endpoint_url"], config.region)
                inbound, outbound = envs["webhook"]["INBOUND_QUEUE_URL"], envs["webhook"]["OUTBOUND_QUEUE_URL"]

                def one_message(recorder: PathRecorder | None) -> PathReport:
                    body = customer_message(APP, new_customer(), text="Hola, ¿abrís el sábado?", name="Lucía")
                    event = _api_event(body, secret)
                    steps: dict[str, list[str]] = {}

                    def step(name: str, work: Callable[[], T]) -> T:
                        if recorder is None:
                            return work()
                        recorder.path = []
                        result = recorder.run(work)
                        steps[name] = recorder.path
                        return result

                    outcomes = {"webhook": str(step("webhook", lambda: services.webhook(event)).payload)}
                    ticket = InboundTicket.model_validate(_receive_one(sqs, inbound))
                    outcomes["processor"] = step("processor", lambda: services.processor(ticket)).outcome
                    job = OutboundJob.model_validate(_receive_one(sqs, outbound))
                    outcomes["notifier"] = step("notifier", lambda: services.notifier(job)).outcome
                    return PathReport(steps, outcomes)

                one_message(None)  # warm: imports, connections, the graph
                return one_message(PathRecorder())


_FUNCTIONS = ("webhook", "processor", "notifier")


def _api_event(body: dict[str, Any], secret: str) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event of Gupshup's callback."""
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/gupshup",
        "rawPath": "/webhooks/gupshup",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "x-webhook-token": secret},
        "requestContext": {"http": {"method": "POST", "path": "/webhooks/gupshup"}, "requestId": uuid.uuid4().hex},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


@dataclass
class _Services:
    webhook: Callable[[dict[str, Any]], Any]
    processor: Callable[[Any], Any]
    notifier: Callable[[Any], Any]


def _services(webhook: Any, processor: Any, notifier: Any) -> _Services:
    """Each function's service as its wiring builds it for its handler (the handler's own call,
    without Powertools)."""
    from receptionist.notifier.wiring import build as build_notifier
    from receptionist.processor.wiring import build as build_processor
    from receptionist.webhook.http import HttpRequest
    from receptionist.webhook.wiring import build as build_webhook

    hook = build_webhook(webhook).service
    turns = build_processor(processor).service
    delivery = build_notifier(notifier).service
    return _Services(
        webhook=lambda event: hook.handle(HttpRequest.from_api_gateway(event)),
        processor=lambda ticket: turns.handle(ticket),
        notifier=lambda job: delivery.deliver(job),
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.module_path", description=__doc__.splitlines()[0])
    parser.add_argument("--path", action="store_true", help="print each step's module sequence too")
    args = parser.parse_args()
    report = measure()
    print("\n".join(report.lines()))
    if args.path:
        for name, step in report.steps.items():
            print(f"\n{name}:")
            print(" -> ".join(m.removeprefix(PACKAGE + ".") for m in step))
    return 0


if __name__ == "__main__":
    sys.exit(main())
