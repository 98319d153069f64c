"""Build the retention run from its settings: the CRM as the retention role
(`receptionist_retention`: it may call the retention functions and nothing else; the URL from its
SSM SecureString, read when first needed, never at import), and every store an erasure reaches,
through the same adapters (privacy/wiring.py), the conversations table with the guard that keeps an
active customer (adapters/privacy_stores.py RetainedConversationItems). Shared by the Lambda handler,
`python -m receptionist.retention`, the tests and the bench."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from receptionist.adapters.privacy_stores import RetainedConversationItems
from receptionist.config import RetentionSettings
from receptionist.crm.connection import Database
from receptionist.crm.retention import CrmRetention, RetentionPrivacyLedger
from receptionist.privacy.forget import ForgetService
from receptionist.privacy.wiring import StoreNames, build_stores
from receptionist.retention import telemetry
from receptionist.retention.service import RetentionReport, RetentionRun
from receptionist.secrets import get_secret
from receptionist.telemetry import Counters, Describe


@dataclass(frozen=True)
class RetentionParts:
    """What the retention's handler needs: the run, what its reports mean, and what is counted per
    run (the database's round trips)."""

    service: RetentionRun
    describe: Describe[RetentionReport]
    counters: Counters


def store_names(settings: RetentionSettings) -> StoreNames:
    return StoreNames(
        conversations_table=settings.conversations_table,
        checkpoints_table=settings.checkpoints_table,
        idempotency_table=settings.idempotency_table,
        media_bucket=settings.media_bucket,
        customer_key_param=settings.customer_key_param,
        langfuse_host=settings.langfuse_host,
        langfuse_public_key_param=settings.langfuse_public_key_param,
        langfuse_secret_key_param=settings.langfuse_secret_key_param,
    )


def build(
    settings: RetentionSettings,
    *,
    db: Database | None = None,
    secret: Callable[[str], str] = get_secret,
    dynamodb: Any | None = None,
    s3: Any | None = None,
) -> RetentionParts:
    """`db`: given by ops and tests (the tables' owner, or the retention role); else the URL in SSM."""
    if db is None:
        db = Database(
            lambda: secret(settings.database_url_param),
            statement_timeout_ms=int(settings.statement_timeout_seconds * 1000),
            application_name="receptionist-retention",
        )
    names = store_names(settings)
    stores = build_stores(names, secret=secret, dynamodb=dynamodb, s3=s3)
    conversations = RetainedConversationItems(names.conversations_table, dynamodb)
    stores.conversations = conversations
    forget = ForgetService(RetentionPrivacyLedger(db), stores, lambda: secret(names.customer_key_param))
    run = RetentionRun(CrmRetention(db), forget, stores.media, waiting=conversations.waiting)
    return RetentionParts(run, telemetry.describe, Counters({"db_round_trips": lambda: db.round_trips}))
