"""The booking's re-check in a member's own calendar (receptionist/calendar/slot_guard.py) on the
CRM: the member's connection read from calendar_connections, and a revoked grant marking it
broken there. Shared by the processor's and the console's wiring (each with its own database
role), so both book through the same guard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from receptionist.adapters.calendar_tokens import SsmRefreshTokens
from receptionist.adapters.google_calendar import SCOPES, GoogleCalendar, google_client
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.provider import CalendarProvider
from receptionist.calendar.slot_guard import ProviderSlotGuard
from receptionist.calendar.tokens import AccessTokens, RefreshTokens
from receptionist.config import GoogleClientSettings
from receptionist.crm import calendar_connections
from receptionist.crm.connection import Database


def crm_slot_guard(
    db: Database, provider: CalendarProvider, refresh_tokens: RefreshTokens, clock: Callable[[], datetime]
) -> ProviderSlotGuard:
    """A grant found revoked at the check marks the connection broken ("invalid_grant"): the member
    is then offered no slots until someone connects the calendar again (crm/availability.py); the
    console shows it at once."""

    def revoked(connection: CalendarConnection) -> None:
        calendar_connections.mark_broken(db, connection.organization_id, connection.id, "invalid_grant", clock())

    return ProviderSlotGuard(
        lambda organization_id, member_id: calendar_connections.for_member(db, organization_id, member_id),
        AccessTokens(provider, refresh_tokens, clock=clock),
        provider,
        on_revoked=revoked,
    )


def google_calendar(
    settings: GoogleClientSettings,
    secret: Callable[[str], str],
    ssm: Callable[[], Any],
    scopes: tuple[str, ...] = SCOPES,
) -> tuple[GoogleCalendar, SsmRefreshTokens] | None:
    """Google Calendar and the refresh tokens' store as the settings name them, or None when they
    name no OAuth client. The client secret is read on the first token refresh, not here; the SSM
    client is made (`ssm()`) only when a client is named."""
    if not settings.google_configured:
        return None
    google = google_client(settings, secret, scopes)
    return google, SsmRefreshTokens(ssm())
