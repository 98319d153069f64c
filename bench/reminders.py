"""What one appointment reminder costs, on the local stack: AWS calls and database round trips.

A business of the stack (the demo clinic) gets `count` appointments of new customers, each with a
conversation, far in the future and booked long before. One reminder pass runs in process at their
reminder time (`receptionist.reminders.service.ReminderPass`, built by its wiring as the
RemindersFunction builds it), on the functions' database role and an SQS client whose calls are counted. The stack's own
notifier worker (functions/notifier/app.py, as deployed) then delivers the jobs to the local
Gupshup server, which records each request; its database round trips and DynamoDB (idempotency)
calls per job come from its "job done" log line.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.pass_cost import PassCost, measure_pass, table
from bench.pipeline import PipelineStack
from devstack.gupshup_events import new_customer

LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # the demo clinic's 30-minute service (seed)
GOMEZ = "00000000-0000-4000-8002-000000000001"
OFFSET = timedelta(minutes=1440)  # the clinic's reminder offset (seed)


RemindersReport = PassCost  # queued = reminders


def _setup(ps: PipelineStack, count: int, first: datetime) -> list[str]:
    """`count` customers, each with a conversation, reminder consent and an appointment 30 minutes after the last."""
    customers = []
    with psycopg.connect(ps.live.info["database_url"]) as conn:
        org = conn.execute(
            "select organization_id::text from platform_connections where app_name = 'ClinicaSonrisa'"
        ).fetchone()
        assert org
        for i in range(count):
            customer = new_customer("3469")
            starts = first + timedelta(minutes=30 * i)
            contact = conn.execute(
                "insert into contacts (organization_id, phone, name) values (%s, %s, %s) returning id::text",
                (org[0], customer, f"Cliente {i}"),
            ).fetchone()
            assert contact
            identity = conn.execute(
                "insert into chat_identities (organization_id, customer_number, display_name, contact_id)"
                " values (%s, %s, %s, %s) returning id::text",
                (org[0], customer, f"Cliente {i}", contact[0]),
            ).fetchone()
            assert identity
            # Reminders go only to customers who agreed (the consent register, docs/privacy.md).
            conn.execute(
                "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, actor,"
                " reference, at) values (%s, %s, 'reminders', 'granted', 'import', 'ops:bench', 'bench', %s)",
                (org[0], identity[0], starts - 2 * OFFSET),
            )
            conn.execute(
                "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
                " status, created_at) values (%s, %s, %s, %s, %s, %s, 'pending', %s)",
                (org[0], contact[0], LIMPIEZA, GOMEZ, starts, starts + timedelta(minutes=30), starts - 2 * OFFSET),
            )
            customers.append(customer)
    return customers


def measure(ps: PipelineStack, count: int = 20, timeout: float = 60) -> RemindersReport:
    # Far ahead, on a night (no one else's appointments there): every reminder due by `at`.
    first = datetime(2032, 3, 2, 0, 0, tzinfo=UTC) + timedelta(days=int(time.time()) % 300)
    customers = _setup(ps, count, first)
    at = first + timedelta(minutes=30 * (count - 1)) - OFFSET + timedelta(minutes=1)
    return measure_pass(
        ps,
        lambda parts: parts.service.run(at, OFFSET).queued,
        job_kind="reminder",
        customers=customers,
        expected=count,
        timeout=timeout,
    )


def lines(result: RemindersReport | str) -> list[str]:
    head = [
        "## Reminders: AWS calls and database round trips per reminder",
        "",
        "How measured: on the local stack (below), the demo clinic gets N appointments of new customers",
        "(each with a conversation), far ahead; one reminder pass runs in process at their reminder time",
        "(the RemindersFunction's code, on the functions' database role, its SQS client counted); the stack's",
        "notifier worker delivers the jobs to the local Gupshup server. Notifier round trips and DynamoDB",
        "(idempotency) calls are its own counters from its `job done` log line.",
        "",
    ]
    if isinstance(result, str):
        return [*head, result]
    return [*head, *table(result, "reminders", "reminder pass")]
