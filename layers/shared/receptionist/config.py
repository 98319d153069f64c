"""Each function's environment, validated once at cold start (a bad deploy fails loudly)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: str = Field(alias="STAGE")
    secrets_path: str = Field(alias="SECRETS_PATH")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))


class WebhookSettings(_Settings):
    conversations_table: str = Field(alias="CONVERSATIONS_TABLE")
    inbound_queue_url: str = Field(alias="INBOUND_QUEUE_URL")
    outbound_queue_url: str = Field(alias="OUTBOUND_QUEUE_URL")
    webhook_secret_param: str = Field(alias="WEBHOOK_SECRET_PARAM")


class ProcessorSettings(_Settings):
    conversations_table: str = Field(alias="CONVERSATIONS_TABLE")
    checkpoints_table: str = Field(alias="CHECKPOINTS_TABLE")
    media_bucket: str = Field(alias="MEDIA_BUCKET")
    outbound_queue_url: str = Field(alias="OUTBOUND_QUEUE_URL")
    openai_base_url: str = Field(alias="OPENAI_BASE_URL")
    openai_model: str = Field(alias="OPENAI_MODEL")
    gemini_model: str = Field(alias="GEMINI_MODEL", default="gemini-2.5-flash")
    gemini_base_url: str | None = Field(alias="GEMINI_BASE_URL", default=None)
    database_url_param: str = Field(alias="DATABASE_URL_PARAM")
    openai_api_key_param: str = Field(alias="OPENAI_API_KEY_PARAM")
    gemini_api_key_param: str = Field(alias="GEMINI_API_KEY_PARAM")
    max_receive_count: int = Field(alias="MAX_RECEIVE_COUNT", default=3, ge=1)


class NotifierSettings(_Settings):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    gupshup_api_url: str = Field(alias="GUPSHUP_API_URL")
    database_url_param: str = Field(alias="DATABASE_URL_PARAM")
