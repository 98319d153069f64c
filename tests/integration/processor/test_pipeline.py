"""Turns through the whole local stack: HTTP webhook -> inbound FIFO (debounce) -> processor ->
outbound FIFO, with the model, Gemini and Gupshup played by local protocol servers."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import customer_message, post_callback
from devstack.stack import LocalConfig, LocalStack
from receptionist import disclosure
from receptionist.conversation_key import ConversationKey

# A new customer's first reply starts with the AI disclosure (receptionist/disclosure.py), in the
# demo clinic's words: its assistant's name and the business's.
TOLD = disclosure.default_text("Sofía", "Clínica Dental Sonrisa", "es")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with FakeOpenAI() as openai, FakeGemini() as gemini, FakeGupshup() as gupshup:
        openai.responder = lambda body: {
            "role": "assistant",
            "content": "Respuesta a: " + [m for m in body["messages"] if m["role"] == "user"][-1]["content"],
        }
        cfg = LocalConfig.ephemeral(
            tmp_path_factory.mktemp("pipeline"),
            debounce_seconds=2,
            openai_base_url=f"{openai.url}/v1",
            gemini_base_url=gemini.url,
            gupshup_api_url=gupshup.url,
            concurrency=4,
        )
        with LocalStack(cfg) as stack:
            yield {"stack": stack, "openai": openai, "gemini": gemini, "gupshup": gupshup}


def _post(stack: LocalStack, customer: str, text: str, mid: str | None = None) -> str:
    mid = mid or f"wamid.{uuid.uuid4().hex}"
    body = customer_message("ClinicaSonrisa", customer, text=text, message_id=mid)
    assert post_callback(stack.info["webhook_url"], stack.config.webhook_secret, body) == 200
    return mid


def _bound(stack: LocalStack) -> float:
    return stack.bound("WebhookFunction", "ProcessorFunction", "NotifierFunction", retries=1)


def _replies(stack: LocalStack, customer: str) -> list[str]:
    """Reply jobs the notifier received for this customer, in delivery order (no repeats)."""
    seen: dict[str, str] = {}
    for inv in stack.invocations_of("NotifierFunction"):
        for body in inv.bodies:
            job = json.loads(body)
            if job.get("kind") == "reply" and ConversationKey.parse(job["conversation"]).number == customer:
                seen.setdefault(job["job_id"], job["text"])
    return list(seen.values())


def test_three_messages_within_the_window_are_one_turn(pipeline: dict[str, Any]) -> None:
    stack, customer = pipeline["stack"], f"346{uuid.uuid4().int % 10**8:08d}"
    for text in ("Hola", "quería cita", "para mañana"):
        _post(stack, customer, text)
    stack.wait_for(lambda: _replies(stack, customer), timeout=_bound(stack))
    stack.wait_idle(timeout=_bound(stack))  # every ticket of the burst handled, every job delivered
    assert _replies(stack, customer) == [disclosure.disclosed(TOLD, "Respuesta a: Hola\nquería cita\npara mañana")]


def test_two_messages_apart_are_two_turns(pipeline: dict[str, Any]) -> None:
    stack, customer = pipeline["stack"], f"346{uuid.uuid4().int % 10**8:08d}"
    _post(stack, customer, "Primera pregunta")
    stack.wait_for(lambda: _replies(stack, customer), timeout=_bound(stack))
    _post(stack, customer, "Segunda pregunta")
    stack.wait_for(lambda: len(_replies(stack, customer)) == 2, timeout=_bound(stack))
    assert _replies(stack, customer) == [
        disclosure.disclosed(TOLD, "Respuesta a: Primera pregunta"),
        "Respuesta a: Segunda pregunta",
    ]


def test_twenty_conversations_of_five_messages_in_parallel(pipeline: dict[str, Any]) -> None:
    stack = pipeline["stack"]
    customers = [f"346{uuid.uuid4().int % 10**8:08d}" for _ in range(20)]

    def converse(customer: str) -> None:
        for i in range(5):
            _post(stack, customer, f"{customer} mensaje {i}")

    threads = [threading.Thread(target=converse, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 100 messages through 4 workers: twice the bound of one message is ample.
    stack.wait_for(lambda: all(_replies(stack, c) for c in customers), timeout=_bound(stack) * 2)
    import psycopg

    with psycopg.connect(stack.info["database_url"]) as conn:
        for customer in customers:
            rows = conn.execute(
                "select m.processed_text from chat_messages m join chat_identities i on i.id = m.chat_identity_id"
                " where i.customer_number = %s and m.direction = 'inbound' order by m.created_at",
                (customer,),
            ).fetchall()
            # Every message recorded once, in the order it was sent.
            assert [r[0] for r in rows] == [f"{customer} mensaje {i}" for i in range(5)]
            replies = _replies(stack, customer)
            # Answered (5 messages posted back to back: usually one turn), nothing lost or repeated.
            assert replies[0].startswith(TOLD + "\n\n")  # the first reply, once
            combined = "\n".join(r.removeprefix(TOLD + "\n\n").removeprefix("Respuesta a: ") for r in replies)
            assert combined == "\n".join(f"{customer} mensaje {i}" for i in range(5))
