"""Concurrent deliveries: the DynamoDB transaction lets exactly one through.

Each delivery has its own service and boto3 clients (like separate Lambda containers) and all
are released at once. The moto server serializes requests (devstack.moto_server) the way DynamoDB
serializes conflicting transactions; stock moto's transactions are not atomic across threads.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from webhook_aws_kit import Aws, Wired, drain, items, wire
from webhook_kit import APP, CONTENT, CUSTOMER, message

from receptionist.conversation_key import ConversationKey
from receptionist.messages import InboundTicket

CONVERSATION = str(ConversationKey(APP, CUSTOMER))


def _deliver_concurrently(deliveries: list[tuple[Wired, Any]]) -> list[int | BaseException]:
    barrier = threading.Barrier(len(deliveries))
    results: list[int | BaseException] = [0] * len(deliveries)

    def run(i: int) -> None:
        wired, body = deliveries[i]
        barrier.wait()
        try:
            results[i] = wired.harness.post(body).status
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(deliveries))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_fifty_concurrent_deliveries_of_one_message_buffer_once_and_send_one_ticket(aws: Aws) -> None:
    message_id = f"wamid.concurrent-{time.time_ns()}"
    body = message("image", CONTENT["image"], id=message_id)
    deliveries = [(wire(aws), body) for _ in range(50)]  # clients are created before the threads start

    results = _deliver_concurrently(deliveries)

    assert results == [200] * 50
    outcomes = Counter(w.harness.telemetry.last.outcome for w, _ in deliveries)
    assert outcomes == {"accepted": 1, "duplicate": 49}
    calls = Counter[str]()
    for wired, _ in deliveries:
        calls.update(wired.counter.count())
    # The 49 duplicates find the message still pending and send its ticket again, all with the
    # same deduplication id: the queue keeps one.
    assert calls["SQS.SendMessage"] == 50
    assert calls["DynamoDB.TransactWriteItems"] >= 50

    stored = items(aws, CONVERSATION)
    assert len([k for k in stored if k.startswith("MSG#") and k.endswith(message_id)]) == 1
    (sk,) = [k for k in stored if k.startswith("MSG#") and k.endswith(message_id)]
    assert stored[f"DEDUP#{message_id}"]["buffer_sk"]["S"] == sk
    tickets = [InboundTicket.model_validate_json(m["Body"]) for m in drain(aws, aws.inbound_url)]
    assert [t.message_id for t in tickets] == [message_id]


def test_a_concurrent_burst_of_different_messages_loses_none(aws: Aws) -> None:
    conversation_number = f"3460{time.time_ns() % 10**8:08d}"
    ids = [f"wamid.burst-{i}-{time.time_ns()}" for i in range(20)]
    deliveries = [
        (wire(aws), message("text", {"text": f"parte {i}"}, id=mid, source=conversation_number))
        for i, mid in enumerate(ids)
    ]

    assert _deliver_concurrently(deliveries) == [200] * 20

    stored = items(aws, str(ConversationKey(APP, conversation_number)))
    buffered = {v["message_id"]["S"] for k, v in stored.items() if k.startswith("MSG#")}
    assert buffered == set(ids)
    assert all(stored[f"DEDUP#{mid}"]["buffer_sk"]["S"].endswith(mid) for mid in ids)
    assert stored["META"]["last_message_id"]["S"] in ids
    tickets = [InboundTicket.model_validate_json(m["Body"]) for m in drain(aws, aws.inbound_url)]
    assert sorted(t.message_id for t in tickets) == sorted(ids)
    assert {t.message_id for t in tickets} == {v["message_id"]["S"] for k, v in stored.items() if k.startswith("MSG#")}
