"""Build the reminder pass from its settings: the CRM as the functions' role (row level security;
the URL from its SSM SecureString, read when first needed, never at import) and the outbound
FIFO queue. Shared by the Lambda handler and the tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.queues import FifoQueue
from receptionist.config import RemindersSettings
from receptionist.crm.connection import Database
from receptionist.reminders.service import ReminderPass
from receptionist.secrets import get_secret


def build_pass(
    settings: RemindersSettings, *, sqs: Any | None = None, secret: Callable[[str], str] = get_secret
) -> ReminderPass:
    db = Database(lambda: secret(settings.database_url_param), application_name="receptionist-reminders")
    outbound = FifoQueue(settings.outbound_queue_url, sqs or boto3.client("sqs", config=bounded_client_config()))
    return ReminderPass(db, outbound)
