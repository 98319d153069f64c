"""What a waitlist offer says to the customer inside WhatsApp's 24-hour window (a session message
with two reply buttons), in the customer's locale (the "messages" catalogue's waitlist_offer,
waitlist_accept, waitlist_decline; the slot's day and time by Babel). Outside the window the
business's approved template says it (its own words; crm.settings.waitlist names the values it is
filled with)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from receptionist.crm.waitlist_offers import OfferContent
from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale


def offer_text(content: OfferContent, now: datetime) -> str:
    """The session offer's body: who, what, when (the business's local time) and how long it is held."""
    locale = content.locale
    values = content.values(now)
    when = formats.day_and_time(content.starts_at.astimezone(ZoneInfo(content.timezone)), locale)
    return message(
        locale,
        "waitlist_offer",
        customer_name=values["customer_name"],
        service=content.service,
        member=content.member,
        when=when,
        minutes=values["minutes"],
    )


def accept_title(locale: Locale) -> str:
    """The accepting button's title (at most 20 characters in every locale: tests/unit/i18n)."""
    return message(locale, "waitlist_accept")


def decline_title(locale: Locale) -> str:
    return message(locale, "waitlist_decline")
