"""The notifier's Idempotency port (notifier/ports.py) on Powertools idempotency (DynamoDB table
IDEMPOTENCY_TABLE, key `id`).

One `idempotent_function` per scope ("job": key job_id; "send": key job_id#part or
job_id#staff#number), each with its own persistence layer: Powertools keeps the key prefix on
the layer, so a layer shared by nested idempotent calls would save the outer record under the
inner prefix. Records expire after OUTBOUND_RETENTION_SECONDS (the outbound queue keeps a message
4 days, so any redelivery finds its record). A record left "in progress" by a crashed invocation
expires when that invocation's time is up (register_lambda_context), so SQS's redelivery can run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

OUTBOUND_RETENTION_SECONDS = 4 * 24 * 3600
SCOPES = ("job", "send")
StoredReport = dict[str, Any]  # what a job's or a send's record keeps (notifier/ports.py StoredReport)


def _run(*, request: dict[str, str], work: Callable[[], StoredReport]) -> StoredReport:
    return work()


class PowertoolsIdempotency:
    def __init__(
        self,
        table_name: str,
        *,
        prefix: str = "notifier",
        client: Any = None,
        expires_after_seconds: int = OUTBOUND_RETENTION_SECONDS,
    ) -> None:
        self.client = client or boto3.client("dynamodb")
        self.calls = 0  # DynamoDB requests (benchmarks report them per job)
        self.client.meta.events.register("before-call.dynamodb", self._count)
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
        )
        self._runners: dict[str, Callable[..., StoredReport]] = {}
        for scope in SCOPES:
            store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=self.client)
            self._runners[scope] = idempotent_function(
                _run,
                data_keyword_argument="request",
                persistence_store=store,
                config=self.config,
                key_prefix=f"{prefix}.{scope}",
            )

    def _count(self, **_: Any) -> None:
        self.calls += 1

    def register_lambda_context(self, context: LambdaContext) -> None:
        """Call once per invocation: in-progress records then expire with the invocation."""
        self.config.register_lambda_context(context)

    def once(self, scope: str, key: str, work: Callable[[], StoredReport]) -> tuple[StoredReport, bool]:
        ran = False

        def tracked() -> StoredReport:
            nonlocal ran
            ran = True
            return work()

        result = self._runners[scope](request={"key": key}, work=tracked)
        return dict(result or {}), ran  # Powertools gives an empty result back as None
