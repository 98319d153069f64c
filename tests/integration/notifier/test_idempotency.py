"""The Powertools idempotency adapter on a DynamoDB table in moto (key `id`, as the template's)."""

from __future__ import annotations

import time
import uuid

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from notifier_kit import Context

from devstack.aws import moto_client
from receptionist.adapters.idempotency import PowertoolsIdempotency


@pytest.fixture
def idem(moto_endpoint: str) -> PowertoolsIdempotency:
    table = f"idem-{uuid.uuid4().hex[:8]}"
    client = moto_client("dynamodb", moto_endpoint, "us-east-1")
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    adapter = PowertoolsIdempotency(table, client=client)
    adapter.register_lambda_context(Context(30))
    return adapter


def test_work_runs_once_per_key_and_the_result_is_kept(idem: PowertoolsIdempotency) -> None:
    runs: list[int] = []

    def work() -> dict[str, object]:
        runs.append(1)
        return {"provider_message_id": "gs-1"}

    assert idem.once("send", "job-1#0", work) == ({"provider_message_id": "gs-1"}, True)
    assert idem.once("send", "job-1#0", work) == ({"provider_message_id": "gs-1"}, False)
    assert idem.once("send", "job-1#1", work)[1] is True
    assert idem.once("job", "job-1#0", work)[1] is True  # scopes do not share keys
    assert len(runs) == 3


def test_failed_work_leaves_nothing_behind(idem: PowertoolsIdempotency) -> None:
    def fails() -> dict[str, object]:
        raise RuntimeError("Gupshup down")

    with pytest.raises(RuntimeError):
        idem.once("send", "job-2#0", fails)
    assert idem.once("send", "job-2#0", lambda: {"ok": True}) == ({"ok": True}, True)


def test_nested_scopes_keep_their_own_records(idem: PowertoolsIdempotency) -> None:
    def job() -> dict[str, object]:
        idem.once("send", "job-3#0", lambda: {"provider_message_id": "a"})
        idem.once("send", "job-3#1", lambda: {"provider_message_id": "b"})
        return {"outcome": "sent"}

    assert idem.once("job", "job-3", job) == ({"outcome": "sent"}, True)
    assert idem.once("job", "job-3", job) == ({"outcome": "sent"}, False)
    assert idem.once("send", "job-3#1", lambda: {"provider_message_id": "again"}) == (
        {"provider_message_id": "b"},
        False,
    )


def test_a_crashed_invocation_blocks_only_until_its_time_is_up(idem: PowertoolsIdempotency) -> None:
    idem.register_lambda_context(Context(1.0))  # an invocation with one second left

    def killed() -> dict[str, object]:
        raise SystemExit("the Lambda runtime killed the invocation")  # not an Exception: no clean-up

    with pytest.raises(SystemExit):
        idem.once("send", "job-4#0", killed)
    idem.register_lambda_context(Context(30))
    with pytest.raises(IdempotencyAlreadyInProgressError):  # a concurrent copy must not send
        idem.once("send", "job-4#0", lambda: {"provider_message_id": "x"})
    # Once the crashed invocation's time is up (one second), the send may run.
    deadline = time.monotonic() + 10
    while True:
        try:
            result = idem.once("send", "job-4#0", lambda: {"provider_message_id": "x"})
            break
        except IdempotencyAlreadyInProgressError:
            assert time.monotonic() < deadline, "the in-progress record never expired"
            time.sleep(0.1)
    assert result == ({"provider_message_id": "x"}, True)


def test_dynamodb_calls_are_counted(idem: PowertoolsIdempotency) -> None:
    before = idem.calls
    idem.once("job", "job-5", lambda: {})
    assert idem.calls - before == 2  # put "in progress", update "completed"
    idem.once("job", "job-5", lambda: {})
    assert idem.calls - before == 3  # the conditional put returns the completed record
