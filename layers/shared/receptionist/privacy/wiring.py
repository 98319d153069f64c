"""Build the ForgetService on real stores, from the names a deployment gives them: the console
(ConsoleSettings, from its template environment) and ops (`receptionist.ops.forget`: the local
stack's stack.json, or the stage's deployed functions) share it; retention
(receptionist/retention/wiring.py) builds its own on the same stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from receptionist.adapters.langfuse_api import LangfuseTraces
from receptionist.adapters.privacy_stores import CheckpointItems, ConversationItems, IdempotencyRecords, S3MediaFiles
from receptionist.crm.connection import Database
from receptionist.crm.privacy import CrmPrivacyLedger
from receptionist.privacy.forget import ForgetService, Stores


@dataclass(frozen=True)
class StoreNames:
    """Where the stores are: what the functions' environments name them."""

    conversations_table: str
    checkpoints_table: str
    idempotency_table: str
    media_bucket: str
    # The SecureString keying the customer's pseudonym: the traces' user key (trace-user-key).
    customer_key_param: str
    langfuse_host: str = ""  # empty: tracing is off, there are no traces to delete
    langfuse_public_key_param: str = ""
    langfuse_secret_key_param: str = ""


def build_stores(
    names: StoreNames, *, secret: Callable[[str], str], dynamodb: Any | None = None, s3: Any | None = None
) -> Stores:
    """Every store outside the CRM, as the data map names them (Langfuse only with tracing on)."""
    langfuse = None
    if names.langfuse_host:
        public, private = names.langfuse_public_key_param, names.langfuse_secret_key_param
        langfuse = LangfuseTraces(names.langfuse_host, lambda: (secret(public), secret(private)))
    return Stores(
        idempotency=IdempotencyRecords(names.idempotency_table, dynamodb),
        checkpoints=CheckpointItems(names.checkpoints_table, names.media_bucket, dynamodb, s3),
        conversations=ConversationItems(names.conversations_table, dynamodb),
        media=S3MediaFiles(names.media_bucket, s3),
        langfuse=langfuse,
    )


def build_forget(
    db: Database,
    names: StoreNames,
    *,
    secret: Callable[[str], str],
    dynamodb: Any | None = None,
    s3: Any | None = None,
) -> ForgetService:
    """`db` as the tables' owner (ops) or as the console's role; `secret` reads an SSM SecureString."""
    stores = build_stores(names, secret=secret, dynamodb=dynamodb, s3=s3)
    return ForgetService(CrmPrivacyLedger(db), stores, lambda: secret(names.customer_key_param))
