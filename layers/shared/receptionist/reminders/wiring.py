"""Build the reminder pass's parts from its settings: the CRM as the functions' role (row level
security; the URL from its SSM SecureString, read when first needed, never at import), the
outbound FIFO queue, the waitlist's offer pass (receptionist.reminders.waitlist, on its own
schedule), the daily template sync that runs after each pass (receptionist.reminders.template_sync:
Gupshup's template API, each app's key from SSM under the keys prefix), and the recall pass that
runs last (receptionist.reminders.recalls), the hourly daily roll-up (receptionist.stats.rollup, its
own schedule) and the hourly budget pass (receptionist.reminders.budgets: the outbound queue for the
owner's notice, SNS for ops'; none without ALARM_TOPIC_ARN). Shared by the Lambda handler, the tests
and the bench."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.gupshup_templates import GupshupTemplates
from receptionist.adapters.ops_alerts import SnsOpsAlerts
from receptionist.adapters.queues import FifoQueue
from receptionist.config import RemindersSettings
from receptionist.crm.connection import Database
from receptionist.reminders import (
    budgets_telemetry,
    handoff_telemetry,
    recalls_telemetry,
    stats_telemetry,
    telemetry,
    template_sync_telemetry,
    waitlist_telemetry,
)
from receptionist.reminders.budgets import BudgetPass, BudgetReport
from receptionist.reminders.handoff import HandoffPass, HandoffReport
from receptionist.reminders.recalls import RecallPass, RecallReport
from receptionist.reminders.service import PassReport, ReminderPass
from receptionist.reminders.template_sync import SyncReport, TemplateSync
from receptionist.reminders.waitlist import OfferPass, OfferReport
from receptionist.secrets import get_secret
from receptionist.stats.rollup import RollupPass, RollupReport
from receptionist.telemetry import Counters, Describe


@dataclass(frozen=True)
class RemindersParts:
    """What the reminders' handler needs: the reminder pass and the handoff follow-up pass (same
    schedule, same database connection), what their reports mean, what is counted per run (the
    database's round trips), and the template sync (None: not configured) with what its report means."""

    service: ReminderPass
    describe: Describe[PassReport]
    counters: Counters
    handoff: HandoffPass
    describe_handoff: Describe[HandoffReport]
    templates: TemplateSync | None = None
    describe_templates: Describe[SyncReport] = template_sync_telemetry.describe
    # The recall pass (docs/recalls.md): after the template sync, with the time left.
    recalls: RecallPass | None = None
    describe_recalls: Describe[RecallReport] = recalls_telemetry.describe
    # The waitlist's offer pass: every minute (the handler's event {"pass": "waitlist"}).
    waitlist: OfferPass | None = None
    describe_waitlist: Describe[OfferReport] = waitlist_telemetry.describe
    # The budget pass: every hour (the handler's event {"pass": "budgets"}).
    budgets: BudgetPass | None = None
    describe_budgets: Describe[BudgetReport] = budgets_telemetry.describe
    # The daily roll-up (docs/stats.md): every hour (the handler's event {"pass": "stats"}).
    stats: RollupPass | None = None
    describe_stats: Describe[RollupReport] = stats_telemetry.describe


def build(
    settings: RemindersSettings,
    *,
    sqs: Any | None = None,
    sns: Any | None = None,
    secret: Callable[[str], str] = get_secret,
) -> RemindersParts:
    db = Database(lambda: secret(settings.database_url_param), application_name="receptionist-reminders")
    outbound = FifoQueue(settings.outbound_queue_url, sqs or boto3.client("sqs", config=bounded_client_config()))
    templates = None
    if settings.gupshup_api_url and settings.gupshup_keys_path:
        prefix = f"{settings.gupshup_keys_path.rstrip('/')}/"
        templates = TemplateSync(db, GupshupTemplates(settings.gupshup_api_url), secret, prefix)
    budgets = None
    if settings.alarm_topic_arn:
        ops = SnsOpsAlerts(settings.alarm_topic_arn, sns or boto3.client("sns", config=bounded_client_config()))
        budgets = BudgetPass(db, outbound, ops)
    return RemindersParts(
        ReminderPass(db, outbound),
        telemetry.describe,
        Counters({"db_round_trips": lambda: db.round_trips}),
        HandoffPass(db, outbound),
        handoff_telemetry.describe,
        templates,
        recalls=RecallPass(db, outbound),
        waitlist=OfferPass(db, outbound),
        budgets=budgets,
        stats=RollupPass(db, settings.openai_model),
    )
