"""Each function's environment, validated once at cold start (a bad deploy fails loudly)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# A name, URL or path the function cannot work without: an empty value is a broken deploy.
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Settings(BaseModel):
    """Secrets are never settings: these hold the names of the SSM parameters that keep them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))


class GoogleClientSettings(_Settings):
    """Members' Google Calendars (docs/calendar.md), for every function that reaches them: the
    OAuth client (its secret by SSM parameter name), Google's endpoints (the local stack points them
    at its stand-in) and where the refresh tokens are kept (an SSM SecureString per connection).
    No client id: no calendar can be connected, and nothing reaches Google."""

    google_client_id: str = Field(alias="GOOGLE_CLIENT_ID", default="")
    google_client_secret_param: str = Field(alias="GOOGLE_CLIENT_SECRET_PARAM", default="")
    google_oauth_url: NonEmpty = Field(alias="GOOGLE_OAUTH_URL", default="https://accounts.google.com/o/oauth2/v2/auth")
    google_token_url: NonEmpty = Field(alias="GOOGLE_TOKEN_URL", default="https://oauth2.googleapis.com/token")
    google_calendar_api_url: NonEmpty = Field(
        alias="GOOGLE_CALENDAR_API_URL", default="https://www.googleapis.com/calendar/v3"
    )
    calendar_tokens_path: str = Field(alias="CALENDAR_TOKENS_PATH", default="")

    @property
    def google_configured(self) -> bool:
        return bool(self.google_client_id and self.google_client_secret_param and self.calendar_tokens_path)


class WebhookSettings(_Settings):
    conversations_table: NonEmpty = Field(alias="CONVERSATIONS_TABLE")
    inbound_queue_url: NonEmpty = Field(alias="INBOUND_QUEUE_URL")
    outbound_queue_url: NonEmpty = Field(alias="OUTBOUND_QUEUE_URL")
    # One SecureString per Gupshup app under this path: /receptionist/<Stage>/webhook-secrets/<app>.
    webhook_secrets_path: NonEmpty = Field(alias="WEBHOOK_SECRETS_PATH")


class ProcessorSettings(GoogleClientSettings):
    conversations_table: NonEmpty = Field(alias="CONVERSATIONS_TABLE")
    inbound_queue_url: NonEmpty = Field(alias="INBOUND_QUEUE_URL")
    checkpoints_table: NonEmpty = Field(alias="CHECKPOINTS_TABLE")
    media_bucket: NonEmpty = Field(alias="MEDIA_BUCKET")
    outbound_queue_url: NonEmpty = Field(alias="OUTBOUND_QUEUE_URL")
    openai_base_url: NonEmpty = Field(alias="OPENAI_BASE_URL")
    openai_model: NonEmpty = Field(alias="OPENAI_MODEL")
    # Same endpoint and key as the chat model; "" turns vector search off (text and trigrams only).
    embeddings_model: str = Field(alias="EMBEDDINGS_MODEL", default="text-embedding-3-small")
    catalogue_prompt_tokens: int = Field(alias="CATALOGUE_PROMPT_TOKENS", default=1500, ge=0)
    search_min_similarity: float = Field(alias="SEARCH_MIN_SIMILARITY", default=0.3, ge=0, le=1)
    gemini_model: NonEmpty = Field(alias="GEMINI_MODEL", default="gemini-2.5-flash")
    gemini_base_url: str | None = Field(alias="GEMINI_BASE_URL", default=None)
    database_url_param: NonEmpty = Field(alias="DATABASE_URL_PARAM")
    openai_api_key_param: NonEmpty = Field(alias="OPENAI_API_KEY_PARAM")
    gemini_api_key_param: NonEmpty = Field(alias="GEMINI_API_KEY_PARAM")
    max_receive_count: int = Field(alias="MAX_RECEIVE_COUNT", default=3, ge=1)
    # What one turn takes on; the rest waits for the next turn (processor/turn_limits.py).
    turn_max_messages: int = Field(alias="TURN_MAX_MESSAGES", default=20, ge=1, le=90)
    turn_max_chars: int = Field(alias="TURN_MAX_CHARS", default=4000, ge=100)
    turn_max_media: int = Field(alias="TURN_MAX_MEDIA", default=3, ge=1)
    # Estimated tokens of earlier turns a model request carries; older ones are in the summary
    # (agent/history.py; receptionist.agent.context.DEFAULT_HISTORY_TOKENS).
    turn_history_tokens: int = Field(alias="TURN_HISTORY_TOKENS", default=3000, ge=500, le=100_000)
    # Where customers' media may be downloaded from (comma-separated; "*.x.com" for subdomains).
    media_hosts: NonEmpty = Field(
        alias="MEDIA_HOSTS",
        default="filemanager.gupshup.io,*.gupshup.io,*.whatsapp.net,lookaside.fbsbx.com,*.fbcdn.net",
    )
    media_allow_http: bool = Field(alias="MEDIA_ALLOW_HTTP", default=False)  # local stand-ins only
    # Seconds of every invocation kept for the fallback and the staff notice.
    fallback_reserve_seconds: float = Field(alias="FALLBACK_RESERVE_SECONDS", default=8.0, ge=1)
    # Langfuse tracing (docs/tracing.md): off while the host is empty; its keys are SSM parameters.
    langfuse_host: str = Field(alias="LANGFUSE_HOST", default="", pattern=r"^(https?://\S+)?$")
    langfuse_public_key_param: str = Field(alias="LANGFUSE_PUBLIC_KEY_PARAM", default="")
    langfuse_secret_key_param: str = Field(alias="LANGFUSE_SECRET_KEY_PARAM", default="")
    # Blue ticks and "typing…" (docs/processor.md): Gupshup's Partner API, and the prefix each app's
    # token is read under (platform_connections.app_token_ref). Either empty: no read receipts.
    gupshup_partner_api_url: str = Field(alias="GUPSHUP_PARTNER_API_URL", default="")
    gupshup_keys_path: str = Field(alias="GUPSHUP_KEYS_PATH", default="")
    # The HMAC key of the traces' user id; unset or unreadable: traces without a user (docs/tracing.md).
    langfuse_user_key_param: str = Field(alias="LANGFUSE_USER_KEY_PARAM", default="")
    langfuse_capture_content: bool = Field(alias="LANGFUSE_CAPTURE_CONTENT", default=True)  # texts, or metadata only
    langfuse_environment: str = Field(alias="LANGFUSE_ENVIRONMENT", default="", pattern=r"^[a-z0-9_-]{0,40}$")
    # The most an invocation waits for Langfuse before returning (what is not sent is dropped).
    langfuse_flush_seconds: float = Field(alias="LANGFUSE_FLUSH_SECONDS", default=2.0, gt=0, le=10)

    @model_validator(mode="after")
    def _langfuse_keys(self) -> ProcessorSettings:
        if self.langfuse_host and not (self.langfuse_public_key_param and self.langfuse_secret_key_param):
            raise ValueError("LANGFUSE_HOST needs LANGFUSE_PUBLIC_KEY_PARAM and LANGFUSE_SECRET_KEY_PARAM")
        return self

    @property
    def tracing(self) -> bool:
        return bool(self.langfuse_host)


class NotifierSettings(_Settings):
    idempotency_table: NonEmpty = Field(alias="IDEMPOTENCY_TABLE")
    gupshup_api_url: NonEmpty = Field(alias="GUPSHUP_API_URL")
    database_url_param: NonEmpty = Field(alias="DATABASE_URL_PARAM")
    # Gupshup keys are read only under this prefix (platform_connections.api_key_ref).
    gupshup_keys_path: NonEmpty = Field(alias="GUPSHUP_KEYS_PATH")


class SweeperSettings(_Settings):
    conversations_table: NonEmpty = Field(alias="CONVERSATIONS_TABLE")
    open_index: NonEmpty = Field(alias="OPEN_INDEX", default="open-conversations")
    inbound_queue_url: NonEmpty = Field(alias="INBOUND_QUEUE_URL")
    debounce_seconds: float = Field(alias="DEBOUNCE_SECONDS", ge=0)
    # Added to the debounce before a message without a turn counts as stale.
    sweep_margin_seconds: float = Field(alias="SWEEP_MARGIN_SECONDS", default=10, ge=0)
    resweep_seconds: float = Field(alias="RESWEEP_SECONDS", default=360, ge=0)
    max_sweeps: int = Field(alias="MAX_SWEEPS", default=3, ge=1)


class RemindersSettings(_Settings):
    database_url_param: NonEmpty = Field(alias="DATABASE_URL_PARAM")
    outbound_queue_url: NonEmpty = Field(alias="OUTBOUND_QUEUE_URL")
    # A pass catches up reminders due this far back (a missed run), never beyond (docs/reminders.md).
    reminder_lookback_hours: float = Field(alias="REMINDER_LOOKBACK_HOURS", default=24, gt=0, le=168)
    # The daily template sync after each pass (receptionist.reminders.template_sync): Gupshup's API, and the
    # prefix each app's key is read under. Empty: no sync.
    gupshup_api_url: str = Field(alias="GUPSHUP_API_URL", default="")
    gupshup_keys_path: str = Field(alias="GUPSHUP_KEYS_PATH", default="")
    # The budget pass's ops channel (receptionist.reminders.budgets): the stack's AlarmTopic. Empty: no budget pass.
    alarm_topic_arn: str = Field(alias="ALARM_TOPIC_ARN", default="")
    # The daily roll-up prices a turn's tokens at this model when the turn recorded none (docs/stats.md).
    openai_model: str = Field(alias="OPENAI_MODEL", default="gpt-4.1-mini")


class RetentionSettings(_Settings):
    """The nightly retention run (receptionist.retention): its own database role
    (receptionist_retention), and every store an erasure reaches."""

    database_url_param: NonEmpty = Field(alias="DATABASE_URL_PARAM")
    conversations_table: NonEmpty = Field(alias="CONVERSATIONS_TABLE")
    checkpoints_table: NonEmpty = Field(alias="CHECKPOINTS_TABLE")
    idempotency_table: NonEmpty = Field(alias="IDEMPOTENCY_TABLE")
    media_bucket: NonEmpty = Field(alias="MEDIA_BUCKET")
    # The customer key (trace-user-key): a removal is a request named by the customer's pseudonym.
    customer_key_param: NonEmpty = Field(alias="CUSTOMER_KEY_PARAM")
    langfuse_host: str = Field(alias="LANGFUSE_HOST", default="", pattern=r"^(https?://\S+)?$")
    langfuse_public_key_param: str = Field(alias="LANGFUSE_PUBLIC_KEY_PARAM", default="")
    langfuse_secret_key_param: str = Field(alias="LANGFUSE_SECRET_KEY_PARAM", default="")
    # No new work is started this close to the function's timeout (what is left is the next run's).
    reserve_seconds: float = Field(alias="RETENTION_RESERVE_SECONDS", default=60, ge=5, le=600)
    # A statement's bound: the due list reads a business's whole activity (crm/connection.py's default is 5 s).
    statement_timeout_seconds: float = Field(alias="RETENTION_STATEMENT_SECONDS", default=60, ge=5, le=600)


class ConsoleSettings(GoogleClientSettings):
    database_url_param: NonEmpty = Field(alias="DATABASE_URL_PARAM")
    outbound_queue_url: NonEmpty = Field(alias="OUTBOUND_QUEUE_URL")
    user_pool_id: NonEmpty = Field(alias="USER_POOL_ID")
    user_pool_client_id: NonEmpty = Field(alias="USER_POOL_CLIENT_ID")
    region: NonEmpty = Field(alias="AWS_REGION", default="us-east-1")
    # Where the pool publishes its signing keys; empty: Cognito's own URL for the pool. The
    # local stack points it at moto.
    jwks_url: str = Field(alias="COGNITO_JWKS_URL", default="")
    # The key CSRF tokens are signed with (an SSM SecureString, as every secret).
    console_secret_param: NonEmpty = Field(alias="CONSOLE_SECRET_PARAM")
    # Each Gupshup app's webhook secrets (an owner rotates their own app's from the settings).
    webhook_secrets_path: NonEmpty = Field(alias="WEBHOOK_SECRETS_PATH")
    # Where the stage's Gupshup API keys live in SSM (the notifier reads keys only there): the one
    # parameter a connection's key may name (`<prefix><app name>`). Empty: next to the console's
    # own database URL parameter (gupshup_keys_prefix).
    gupshup_keys_path: str = Field(alias="GUPSHUP_KEYS_PATH", default="")
    # Gupshup's template API (the templates page: sync now, submit one for approval). Empty: the
    # page shows the templates stored and says the sync is not available.
    gupshup_api_url: str = Field(alias="GUPSHUP_API_URL", default="")
    # Off only for plain-http local use by tools that drop Secure cookies (browsers keep them
    # on localhost).
    secure_cookies: bool = Field(alias="CONSOLE_SECURE_COOKIES", default=True)
    # Blocking and erasing a customer (an owner's action, docs/privacy.md): every store's name, the
    # customer key (the traces' user key, trace-user-key) and, with tracing on, Langfuse's.
    conversations_table: NonEmpty = Field(alias="CONVERSATIONS_TABLE")
    checkpoints_table: NonEmpty = Field(alias="CHECKPOINTS_TABLE")
    idempotency_table: NonEmpty = Field(alias="IDEMPOTENCY_TABLE")
    # The media bucket: erasure removes a customer's media (media/) and exports (exports/); an export
    # reads their media copies and leaves the archive under exports/ (console/services/exports.py).
    media_bucket: NonEmpty = Field(alias="MEDIA_BUCKET")
    customer_key_param: NonEmpty = Field(alias="CUSTOMER_KEY_PARAM")
    langfuse_host: str = Field(alias="LANGFUSE_HOST", default="", pattern=r"^(https?://\S+)?$")
    langfuse_public_key_param: str = Field(alias="LANGFUSE_PUBLIC_KEY_PARAM", default="")
    langfuse_secret_key_param: str = Field(alias="LANGFUSE_SECRET_KEY_PARAM", default="")
    # A console session with no request for this long ends (the template's ConsoleIdleMinutes).
    idle_minutes: int = Field(alias="CONSOLE_IDLE_MINUTES", default=30, ge=1, le=720)
    # The callback Google redirects to after the consent: <console url>/console/calendar/callback.
    calendar_redirect_uri: str = Field(alias="CALENDAR_REDIRECT_URI", default="", pattern=r"^(https?://\S+)?$")

    @property
    def calendar_configured(self) -> bool:
        return self.google_configured and bool(self.calendar_redirect_uri)

    @property
    def gupshup_keys_prefix(self) -> str | None:
        return gupshup_keys_prefix(self.gupshup_keys_path, self.database_url_param)


def gupshup_keys_prefix(keys_path: str, database_url_param: str) -> str | None:
    """Where the stage's Gupshup API keys live in SSM (/receptionist/<stage>/gupshup/):
    GUPSHUP_KEYS_PATH when set, else next to the database URL parameter
    (/receptionist/<stage>/console-database-url); None when neither says."""
    explicit = keys_path.strip()
    if explicit:
        return explicit.rstrip("/") + "/"
    found = re.fullmatch(r"(/receptionist/[A-Za-z0-9_.-]+)/(?:console-)?database-url", database_url_param)
    return f"{found.group(1)}/gupshup/" if found else None


class CalendarSettings(GoogleClientSettings):
    """CalendarFunction (docs/calendar.md): the outbox relay, the queue's publish and sync jobs,
    channel renewal and the poll. Google's endpoints are settings so the local stack points them at
    its stand-in."""

    database_url_param: NonEmpty = Field(alias="DATABASE_URL_PARAM")
    calendar_queue_url: NonEmpty = Field(alias="CALENDAR_QUEUE_URL")
    # Staff notices (a broken connection, a conflict) go out through the notifier.
    outbound_queue_url: NonEmpty = Field(alias="OUTBOUND_QUEUE_URL")
    # Each connection's refresh token: an SSM SecureString under this path (calendar/tokens.py).
    calendar_tokens_path: NonEmpty = Field(alias="CALENDAR_TOKENS_PATH")
    # The HMAC key of push channel tokens (calendar/channels.py).
    channel_key_param: NonEmpty = Field(alias="CALENDAR_CHANNEL_KEY_PARAM")
    # Where Google sends push notifications: the HTTP API's /calendar/google/notifications (HTTPS).
    push_url: NonEmpty = Field(alias="CALENDAR_PUSH_URL")
    # Always named here (the client id may be empty until the stage has a Google OAuth client: then
    # nothing is connected and the minute's relay, renewal and poll find nothing to do).
    google_client_secret_param: NonEmpty = Field(alias="GOOGLE_CLIENT_SECRET_PARAM")


class CalendarPushSettings(_Settings):
    """CalendarPushFunction: no database; the channel key and the queue only."""

    calendar_queue_url: NonEmpty = Field(alias="CALENDAR_QUEUE_URL")
    channel_key_param: NonEmpty = Field(alias="CALENDAR_CHANNEL_KEY_PARAM")
