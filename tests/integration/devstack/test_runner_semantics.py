"""The local runner behaves like a Lambda SQS event source mapping on a FIFO queue."""

from __future__ import annotations

import json
import os
from pathlib import Path

from devstack.aws import moto_client
from devstack.cloudformation import SqsMapping
from devstack.runner import FunctionPool, Invocation, SqsPoller, base_worker_env

HERE = Path(__file__).parent


def _queue_pair(endpoint: str, name: str) -> tuple[str, str, str]:
    sqs = moto_client("sqs", endpoint, "us-east-1")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=f"{name}.fifo",
        Attributes={
            "FifoQueue": "true",
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def test_batch_item_failures_are_retried_then_dead_lettered(moto_endpoint: str, tmp_path: Path) -> None:
    url, arn, dlq = _queue_pair(moto_endpoint, "runner-semantics")
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    for i, body in enumerate(["ok-1", "fail-2", "ok-3"]):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=f"g{i}", MessageDeduplicationId=body)
    seen = tmp_path / "seen.jsonl"
    env = base_worker_env(moto_endpoint, "us-east-1") | {"SEEN_FILE": str(seen)}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    pool = FunctionPool("Flaky", HERE / "flaky_function", "app.handler", env, 1, log)
    invocations: list[Invocation] = []
    mapping = SqsMapping("Flaky", "Q", batch_size=10, report_batch_item_failures=True, maximum_concurrency=1)
    poller = SqsPoller(mapping, url, arn, pool, 1, moto_endpoint, "us-east-1", invocations.append)
    try:
        assert poller.poll_once() == 3
        assert invocations[0].failed_ids and len(invocations[0].failed_ids) == 1
        # The failed record comes back after the visibility timeout; the others were deleted.
        import time

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and poller.poll_once(wait_seconds=1) == 0:
            pass
        assert [inv.bodies for inv in invocations[1:]] == [["fail-2"]]
        # After maxReceiveCount receives, the queue moves it to the DLQ instead of delivering it.
        moved: list[dict[str, str]] = []
        deadline = time.monotonic() + 10
        while not moved and time.monotonic() < deadline:
            assert poller.poll_once(wait_seconds=1) == 0
            moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
        assert [m["Body"] for m in moved] == ["fail-2"]
    finally:
        pool.stop()
        log.close()
    lines = [json.loads(line)["body"] for line in seen.read_text().splitlines()]
    assert sorted(lines) == ["fail-2", "fail-2", "ok-1", "ok-3"]


def test_fifo_group_order_is_kept_across_batches(moto_endpoint: str, tmp_path: Path) -> None:
    url, arn, _ = _queue_pair(moto_endpoint, "runner-order")
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    bodies = [f"m{i:02d}" for i in range(25)]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="one-conversation", MessageDeduplicationId=body)
    seen = tmp_path / "seen.jsonl"
    env = base_worker_env(moto_endpoint, "us-east-1") | {"SEEN_FILE": str(seen)}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    pool = FunctionPool("Flaky", HERE / "flaky_function", "app.handler", env, 2, log)
    mapping = SqsMapping("Flaky", "Q", batch_size=10, report_batch_item_failures=True, maximum_concurrency=2)
    batches: list[Invocation] = []
    poller = SqsPoller(mapping, url, arn, pool, 2, moto_endpoint, "us-east-1", batches.append)
    poller.start()
    try:
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum(len(b.bodies) for b in batches) < len(bodies):
            time.sleep(0.1)
    finally:
        poller.stop()
        pool.stop()
        log.close()
    assert all(len(b.bodies) <= 10 for b in batches)
    seen_order = [json.loads(line)["body"] for line in seen.read_text().splitlines()]
    assert seen_order == bodies
    assert os.path.exists(seen)
