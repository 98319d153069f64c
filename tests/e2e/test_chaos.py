"""Chaos on the local stack: 30 conversations x 4 messages while processor and notifier workers
are killed with SIGKILL at random moments (a Lambda execution environment dying mid-invocation).

Afterwards: every message answered (each in exactly one reply), no appointment booked twice,
nothing left pending or claimed, and no reply sent twice, except where a notifier was killed
inside its one unavoidable window (Gupshup accepted the send, the process died before recording
it: Gupshup's API has no idempotency key, so the redelivery sends again). Those are counted and
each must belong to a job whose notifier invocation was killed; any other duplicate fails.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from devstack.aws import moto_client
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI, text_message, tool_call_message
from devstack.gupshup_events import customer_message, post_callback
from devstack.stack import LocalConfig, LocalStack
from receptionist import disclosure
from receptionist.conversation_key import ConversationKey

APP = "ClinicaSonrisa"
CONVERSATIONS = 30
MESSAGES = 4
BOOKERS = 10  # the first ten customers book a cleaning with Dra. Gómez, each at their own time
SLOTS = [f"{9 + i // 2:02d}:{30 * (i % 2):02d}" for i in range(BOOKERS)]  # 09:00 .. 13:30
MAX_KILLS = {"ProcessorFunction": 12, "NotifierFunction": 12}
DISCLOSURE = disclosure.default_text("Sofía", "Clínica Dental Sonrisa", "es")  # the clinic's first reply opens with it


def _booking_day() -> date:
    """A Monday at least a week ahead (inside the booking horizon, past the lead time)."""
    today = datetime.now(ZoneInfo("Europe/Madrid")).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7)


def chaos_model(day: date) -> Any:
    """Answers every turn with "Respuesta a: <the turn's text>"; a turn asking "reserva HH:MM"
    first resolves the contact and books that slot (the real tools, the real CRM)."""

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages", [])
        users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
        last = messages[-1] if messages else {}
        if not body.get("tools"):
            return text_message("Resumen de la conversación.")
        asked = re.search(r"reserva (\d\d:\d\d)", users[-1] if users else "")
        if last.get("role") == "user" and asked:
            return tool_call_message(
                ("resolve_contact", {"name": "Cliente Caos"}),
                ("book_appointment", {"service": "limpieza", "start": f"{day} {asked.group(1)}", "member": "Gómez"}),
            )
        return text_message("Respuesta a: " + (users[-1] if users else ""))

    return respond


@dataclass
class Kill:
    at: float
    function: str
    bodies: list[str]


@dataclass
class Chaos:
    stack: LocalStack
    rng: random.Random
    kills: list[Kill] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @staticmethod
    def _killable(event: dict[str, Any]) -> bool:
        # Each ticket or job is killed at most twice, so its last attempt runs (the sweep and the
        # fallback are tested on their own); the moment within the invocation is random.
        records = event.get("Records") or []
        return bool(records) and all(
            int(r.get("attributes", {}).get("ApproximateReceiveCount", "1")) <= 2 for r in records
        )

    def count(self, function: str) -> int:
        return sum(k.function == function for k in self.kills)

    def run(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.rng.uniform(0.2, 0.8))
            function = self.rng.choice(list(MAX_KILLS))
            if self.count(function) >= MAX_KILLS[function]:
                continue
            # The next moment that function is inside an invocation (notifier jobs take
            # milliseconds, so look often), up to a second.
            until = time.monotonic() + 1.0
            while not self._stop.is_set() and time.monotonic() < until:
                event = self.stack.pool(function).kill_busy(self.rng, self._killable)
                if event is not None:
                    self.kills.append(Kill(time.time(), function, [r["body"] for r in event["Records"]]))
                    break
                time.sleep(self.rng.uniform(0.001, 0.01))

    def stop(self) -> None:
        self._stop.set()


@pytest.fixture(scope="module")
def chaos_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, FakeGupshup, date]]:
    day = _booking_day()
    with (
        FakeGupshup(api_key="local-gupshup-key") as gupshup,
        FakeOpenAI(responder=chaos_model(day)) as model,
    ):
        config = LocalConfig.ephemeral(
            tmp_path_factory.mktemp("chaos"),
            debounce_seconds=1,
            gupshup_api_url=gupshup.url,
            openai_base_url=f"{model.url}/v1",
            concurrency=3,
            retry_after_seconds=1,
            schedule_seconds=1,
            # Shorter Lambda timeouts than the template's: a killed invocation's records come back
            # once it would have timed out (as in AWS), and the tests need not wait 60 s for that.
            function_timeouts={"ProcessorFunction": 20, "NotifierFunction": 8},
            extra_env={"SWEEP_MARGIN_SECONDS": "3", "RESWEEP_SECONDS": "30"},
        )
        with LocalStack(config) as stack:
            yield stack, gupshup, day


def _texts(customer_index: int) -> list[str]:
    texts = [f"c{customer_index:02d} mensaje {i}" for i in range(MESSAGES)]
    if customer_index < BOOKERS:
        texts[2] = f"c{customer_index:02d} reserva {SLOTS[customer_index]}"
    return texts


def _answered(gupshup: FakeGupshup, customer: str) -> list[str]:
    """The message texts this customer's replies answer (each distinct reply once; the first
    reply's opening paragraph is the AI disclosure, the code's and not the model's)."""
    out: list[str] = []
    for reply in dict.fromkeys(m.text for m in gupshup.sent_to(customer)):
        out.extend(reply.removeprefix(DISCLOSURE + "\n\n").removeprefix("Respuesta a: ").split("\n"))
    return out


def _open_items(stack: LocalStack, customers: list[str]) -> list[str]:
    info = stack.info
    ddb = moto_client("dynamodb", info["aws_endpoint_url"], info["region"])
    left = []
    for customer in customers:
        items = ddb.query(
            TableName=info["tables"]["ConversationsTable"],
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues={":pk": {"S": ConversationKey(APP, customer).partition}, ":msg": {"S": "MSG#"}},
            ConsistentRead=True,
        )["Items"]
        left += [f"{customer}:{i['status']['S']}" for i in items if i["status"]["S"] != "done"]
    return left


def _booked_once_each(stack: LocalStack, customers: list[str], seed: int) -> list[Any]:
    """No appointment booked twice: one per booking customer, booked once."""
    with psycopg.connect(stack.info["database_url"]) as conn:
        rows = conn.execute(
            "select c.phone, count(distinct a.id), count(h.id) from appointments a"
            " join contacts c on c.id = a.contact_id"
            " join appointment_history h on h.appointment_id = a.id and h.action = 'booked'"
            " where c.phone = any(%s) group by c.phone",
            (customers,),
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(customers[:BOOKERS]), seed
    assert all(r[1] == 1 and r[2] == 1 for r in rows), rows
    return rows


def _duplicates_only_where_a_notifier_died(
    stack: LocalStack, gupshup: FakeGupshup, chaos: Chaos, customers: list[str], seed: int
) -> list[tuple[str, str, int]]:
    """No reply sent twice, except a notifier killed between Gupshup's answer and its record."""
    killed_jobs = {
        json.loads(body)["job_id"] for k in chaos.kills if k.function == "NotifierFunction" for body in k.bodies
    }
    texts_of_job = {}
    for inv in stack.invocations_of("NotifierFunction"):
        for body in inv.bodies:
            job = json.loads(body)
            if job.get("kind") in ("reply", "fallback"):
                texts_of_job[job["job_id"]] = (ConversationKey.parse(job["conversation"]).number, job["text"])
    duplicates = []
    for customer in customers:
        for text, count in Counter(m.text for m in gupshup.sent_to(customer)).items():
            if count > 1:
                duplicates.append((customer, text, count))
    for customer, text, count in duplicates:
        jobs = [j for j, (c, t) in texts_of_job.items() if c == customer and t == text]
        assert count == 2 and any(j in killed_jobs for j in jobs), (seed, customer, text, count)
    return duplicates


def test_thirty_conversations_survive_workers_killed_at_random(
    chaos_stack: tuple[LocalStack, FakeGupshup, date],
) -> None:
    stack, gupshup, _ = chaos_stack
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    run = uuid.uuid4().int % 10**6
    customers = [f"3461{run:06d}{i:02d}" for i in range(CONVERSATIONS)]
    chaos = Chaos(stack, random.Random(seed + 1))
    killer = threading.Thread(target=chaos.run, daemon=True)
    started = time.monotonic()
    killer.start()

    def converse(index: int) -> None:
        for text in _texts(index):
            time.sleep(rng.uniform(0, 2.5))  # some messages are bursts, some separate turns
            body = customer_message(APP, customers[index], text=text)
            assert post_callback(stack.info["webhook_url"], stack.config.webhook_secret, body) == 200

    posters = [threading.Thread(target=converse, args=(i,)) for i in range(CONVERSATIONS)]
    for t in posters:
        t.start()
    for t in posters:
        t.join()
    posted = time.monotonic() - started
    enough = lambda: all(chaos.count(f) >= 5 for f in MAX_KILLS)  # noqa: E731
    stack.wait_for(lambda: enough() or time.monotonic() - started > posted + 30, timeout=60)
    chaos.stop()
    killer.join()

    def settled() -> bool:
        answered = all(sorted(set(_answered(gupshup, c))) == sorted(_texts(i)) for i, c in enumerate(customers))
        return answered and not _open_items(stack, customers)

    stack.wait_for(settled, timeout=240, interval=1.0)
    elapsed = time.monotonic() - started

    # Every message answered, each in exactly one (distinct) reply.
    for i, customer in enumerate(customers):
        assert Counter(_answered(gupshup, customer)) == Counter(_texts(i)), (seed, customer)
    assert _open_items(stack, customers) == []  # nothing pending, nothing claimed

    rows = _booked_once_each(stack, customers, seed)
    duplicates = _duplicates_only_where_a_notifier_died(stack, gupshup, chaos, customers, seed)

    kills = Counter(k.function for k in chaos.kills)
    replies = sum(len(set(m.text for m in gupshup.sent_to(c))) for c in customers)
    print(
        f"\nchaos (seed {seed}): {CONVERSATIONS * MESSAGES} messages posted in {posted:.1f} s, all answered in"
        f" {elapsed:.1f} s; {replies} replies; workers killed: processor {kills['ProcessorFunction']},"
        f" notifier {kills['NotifierFunction']}; crashed invocations seen:"
        f" processor {stack.pool('ProcessorFunction').crashes}, notifier {stack.pool('NotifierFunction').crashes};"
        f" {len(rows)} appointments, none twice; replies sent twice: {len(duplicates)}"
        " (each a notifier killed inside Gupshup's send window); nothing left claimed"
    )
