"""A business's waitlist settings (waitlist_settings, migration 20261210010000_waitlist.sql; no row:
the defaults): whether freed slots are offered, how long an offer lasts, how many waiting
customers are offered a freed slot at once, and the approved UTILITY template (with its values
in order) used outside WhatsApp's 24-hour window. The console's settings page reads and writes it
through here; the offer pass reads it with each offer's content (crm.waitlist_offers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.settings.errors import InvalidSetting

OFFER_MINUTES = (5, 1440)
BATCH_SIZE = (1, 10)
# The values an offer template can be filled with (crm.waitlist_offers.OfferContent.values()).
WAITLIST_PARAM_NAMES = ("customer_name", "service", "member", "date", "time", "when", "business", "minutes")
DEFAULT_WAITLIST_PARAMS = ("customer_name", "service", "when")


@dataclass(frozen=True)
class WaitlistSettings:
    enabled: bool = True
    offer_minutes: int = 30
    batch_size: int = 3
    template_id: str | None = None  # Gupshup's id of an approved UTILITY template; None: session offers only
    template_params: list[str] = field(default_factory=lambda: list(DEFAULT_WAITLIST_PARAMS))


def waitlist_settings(db: Database, organization_id: str) -> WaitlistSettings:
    """The business's waitlist settings (the defaults when it never saved any). One round trip."""
    row = db.fetch_one(
        "select enabled, offer_minutes, batch_size, template_id, template_params"
        " from waitlist_settings where organization_id = %s",
        (organization_id,),
    )
    if row is None:
        return WaitlistSettings()
    return WaitlistSettings(
        row["enabled"], row["offer_minutes"], row["batch_size"], row["template_id"], list(row["template_params"])
    )


def save_waitlist_settings(db: Database, organization_id: str, settings: WaitlistSettings) -> None:
    """Store them (one statement); a value the table refuses is InvalidSetting("waitlist")."""
    try:
        db.execute(
            "insert into waitlist_settings (organization_id, enabled, offer_minutes, batch_size, template_id,"
            " template_params) values (%s, %s, %s, %s, %s, %s)"
            " on conflict (organization_id) do update set enabled = excluded.enabled,"
            " offer_minutes = excluded.offer_minutes, batch_size = excluded.batch_size,"
            " template_id = excluded.template_id, template_params = excluded.template_params, updated_at = now()",
            (
                organization_id,
                settings.enabled,
                settings.offer_minutes,
                settings.batch_size,
                settings.template_id,
                list(settings.template_params),
            ),
        )
    except errors.CheckViolation as exc:
        raise InvalidSetting("waitlist") from exc
