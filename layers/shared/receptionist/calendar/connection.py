"""A member's connected calendar, as the sync sees it (the CRM's `calendar_connections` row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from receptionist.calendar.provider import Channel

ConnectionStatus = Literal["connected", "broken"]


@dataclass(frozen=True)
class CalendarConnection:
    id: str
    organization_id: str
    member_id: str
    provider: str  # "google"
    calendar_id: str  # the provider's id of the calendar ("primary")
    token_ref: str  # the name of the SSM SecureString holding the refresh token (never the token)
    status: ConnectionStatus
    timezone: str  # the business's IANA zone (all-day events, recurring expansion fallback)
    sync_token: str | None = None
    channel: Channel | None = None
    synced_at: datetime | None = None
    broken_reason: str | None = None
    # When this grant was given (the row's created_at, or the last reconnection): a breakage's
    # staff notice is keyed by it, so it is sent once per grant, and again after a reconnection.
    connected_at: datetime | None = None
