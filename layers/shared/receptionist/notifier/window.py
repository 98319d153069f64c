"""WhatsApp's customer service window: a business may send free-form (session) messages only
within 24 hours of the customer's last message; outside it, only approved templates."""

from __future__ import annotations

from datetime import datetime, timedelta

SESSION_WINDOW = timedelta(hours=24)


def within_session_window(last_inbound_at: datetime | None, now: datetime, window: timedelta = SESSION_WINDOW) -> bool:
    """Whether a free-form message may go out at `now`. Never written: no. A last message
    slightly in the future (clock skew between Gupshup and us) counts as just now."""
    if last_inbound_at is None:
        return False
    return now - last_inbound_at < window
