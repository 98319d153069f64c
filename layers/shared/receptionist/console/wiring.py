"""Build the console's parts from its settings (`build(settings) -> ConsoleParts`, what
app.create_app needs): Cognito, the database (as the console's own role, `receptionist_console`,
under row level security: DATABASE_URL_PARAM names the SSM parameter console-database-url), the
outbound queue, the CSRF key, the media bucket (customers' exports), the stores an owner's
block or erasure of a customer reaches (privacy/wiring.py), Gupshup's template API, and members'
Google Calendars (the provider and the refresh tokens' SSM store). Shared by
the Lambda handler and the tests. Secrets are read when first needed, never at import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from receptionist.adapters.app_secrets import SsmWebhookSecretStore
from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.calendar_guard import crm_slot_guard, google_calendar
from receptionist.adapters.cognito import CognitoSignIn, StaffPool, TokenVerifier
from receptionist.adapters.export_media import MediaCopies
from receptionist.adapters.export_store import ExportStore
from receptionist.adapters.google_calendar import SCOPES
from receptionist.adapters.gupshup_templates import GupshupTemplates
from receptionist.adapters.queues import FifoQueue
from receptionist.calendar.provider import CalendarProvider
from receptionist.calendar.slot_guard import ProviderSlotGuard
from receptionist.calendar.tokens import RefreshTokens
from receptionist.config import ConsoleSettings
from receptionist.console.dependencies import ConsoleParts
from receptionist.console.services.calendar import CalendarAccess
from receptionist.console.services.exports import ConsoleExports
from receptionist.crm.connection import Database
from receptionist.privacy.wiring import StoreNames, build_forget
from receptionist.secrets import get_secret

__all__ = ["ConsoleParts", "build"]


def build(
    settings: ConsoleSettings,
    *,
    cognito: Any | None = None,
    sqs: Any | None = None,
    ssm: Any | None = None,
    s3: Any | None = None,
    secret: Callable[[str], str] = get_secret,
    dynamodb: Any | None = None,
    calendar: Callable[[], tuple[CalendarProvider, RefreshTokens] | None] | None = None,
) -> ConsoleParts:
    """`calendar`: the calendar provider and the refresh tokens' store, for the booking's re-check
    in a member's connected calendar (None: no re-check)."""
    db = Database(lambda: secret(settings.database_url_param), application_name="receptionist-console")
    ssm = ssm or boto3.client("ssm", config=bounded_client_config())
    outbound = FifoQueue(settings.outbound_queue_url, sqs or boto3.client("sqs", config=bounded_client_config()))
    verifier = TokenVerifier(
        issuer=TokenVerifier.issuer_for(settings.region, settings.user_pool_id),
        audience=settings.user_pool_client_id,
        jwks_url=settings.jwks_url or None,
    )
    # SigV4: what the exports' presigned links are signed with.
    s3 = s3 or boto3.client("s3", config=bounded_client_config().merge(Config(signature_version="s3v4")))
    access = calendar_access(settings, ssm, secret)
    exports = ConsoleExports(MediaCopies(settings.media_bucket, s3), ExportStore(settings.media_bucket, s3))
    return ConsoleParts(
        db=db,
        outbound=outbound,
        cognito=CognitoSignIn(settings.user_pool_client_id, cognito),
        verify=verifier.verify,
        csrf_secret=lambda: secret(settings.console_secret_param),
        secure_cookies=settings.secure_cookies,
        keys_prefix=settings.gupshup_keys_prefix,
        accounts=StaffPool(settings.user_pool_id, cognito),
        webhook_secrets=SsmWebhookSecretStore(settings.webhook_secrets_path, ssm),
        exports=exports,
        forget=build_forget(db, _store_names(settings), secret=secret, dynamodb=dynamodb, s3=s3),
        # The templates page reads and submits through Gupshup's template API with the app's key.
        template_api=GupshupTemplates(settings.gupshup_api_url) if settings.gupshup_api_url else None,
        app_key=secret,
        idle=timedelta(minutes=settings.idle_minutes),
        slot_guard=_slot_guard(db, calendar or _section_calendar(access)),
        calendar=access,
    )


# The account's e-mail comes back with the grant (an id_token), shown as the connection's account:
# "openid email" asks for that and nothing more of the profile.
CONSOLE_SCOPES = (*SCOPES, "openid", "email")


def calendar_access(settings: ConsoleSettings, ssm: Any, secret: Callable[[str], str]) -> CalendarAccess | None:
    """Google Calendar for the calendar section; None when the stage has no OAuth client."""
    google = google_calendar(settings, secret, lambda: ssm, CONSOLE_SCOPES) if settings.calendar_configured else None
    if google is None:
        return None
    provider, tokens = google
    return CalendarAccess(
        provider=lambda: provider,
        tokens=tokens,
        tokens_path=settings.calendar_tokens_path,
        redirect_uri=settings.calendar_redirect_uri,
    )


def _section_calendar(
    access: CalendarAccess | None,
) -> Callable[[], tuple[CalendarProvider, RefreshTokens] | None] | None:
    """The booking's re-check uses the calendar section's Google client, when there is one."""
    return (lambda: (access.provider(), access.tokens)) if access is not None else None


def _slot_guard(
    db: Database, calendar: Callable[[], tuple[CalendarProvider, RefreshTokens] | None] | None
) -> ProviderSlotGuard | None:
    access = calendar() if calendar is not None else None
    return crm_slot_guard(db, *access, lambda: datetime.now(UTC)) if access is not None else None


def _store_names(settings: ConsoleSettings) -> StoreNames:
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
