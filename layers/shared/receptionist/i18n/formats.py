"""Dates, times and prices in a customer's message, formatted by Babel (CLDR) in the customer's locale.

One place for the CLDR calls every customer-facing module makes (instead of a weekday table per
module), and for WhatsApp's length limits on what a tap shows: a list row's title holds at most
LIST_ROW_TITLE_CHARS characters and a reply button's title BUTTON_TITLE_CHARS, in every locale, so
the short slot label is built to leave room for a name in a row and to fit a button on its own
(tests/unit/i18n/test_formats.py checks both across the locales).

Babel is in the database layer (processor, notifier, reminders...); the webhook never imports this.
Babel is imported by the functions, not the module: the processor reads a tapped choice
(agent/choices.py) on its cold path without formatting anything.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale

# WhatsApp's limits on an interactive message's titles (Gupshup's list and quick_reply messages).
LIST_ROW_TITLE_CHARS: Final = 24
BUTTON_TITLE_CHARS: Final = 20


def weekday(dt: datetime, locale: Locale) -> str:
    """The day's full name: "martes", "Tuesday", "terça-feira", "dimarts"."""
    from babel.dates import format_date

    return format_date(dt, "EEEE", locale=locale)


def day(dt: datetime, locale: Locale) -> str:
    """Weekday, day and month: "martes 3 de marzo", "Tuesday, March 3", "terça-feira, 3 de março"."""
    from babel.dates import format_skeleton

    day_month = format_skeleton("MMMMd", dt, locale=locale)
    return message(locale, "format_day", weekday=weekday(dt, locale), day_month=day_month)


def time(dt: datetime, locale: Locale) -> str:
    """The wall-clock time as the locale writes it: "10:30", "10:30 AM", "10:30 a. m." (Peru)."""
    from babel.dates import format_time

    return format_time(dt, "short", locale=locale)


def day_and_time(dt: datetime, locale: Locale) -> str:
    """A start inside a sentence: "el martes 3 de marzo a las 10:30", "Tuesday, March 3 at 10:30 AM"."""
    clock = time(dt, locale)
    # "a la 1:30" / "a les 13:30": Spanish and Catalan make one o'clock singular (as the handoff does)
    which = "format_day_and_time_one" if clock.startswith("1:") else "format_day_and_time"
    return message(locale, which, day=day(dt, locale), time=clock)


def short_slot(dt: datetime, locale: Locale) -> str:
    """A list row's or button's label for a start: "mar, 3/3 10:30", "Tue, 3/3 10:30 AM". At most
    BUTTON_TITLE_CHARS characters in every locale: a weekday abbreviation, the numeric day and month
    and the short time; where a 12-hour time makes it longer ("mié, 31/12 10:30 a. m.", Peru) the
    time is written on the 24-hour clock instead, which every reader understands."""
    from babel.dates import format_skeleton

    day_month = format_skeleton("MEd", dt, locale=locale)
    label = f"{day_month} {time(dt, locale)}"
    if len(label) > BUTTON_TITLE_CHARS:
        label = f"{day_month} {format_skeleton('Hm', dt, locale=locale)}"
    return label


def price(cents: int | None, currency: str, locale: Locale) -> str:
    """A service's price: "45,00 €", "S/ 45.00", "R$ 45,00"; free and on request in words."""
    if cents is None:
        return message(locale, "price_on_request")
    if cents == 0:
        return message(locale, "price_free")
    return amount(Decimal(cents) / 100, currency, locale)


def amount(value: Decimal, currency: str, locale: Locale) -> str:
    """An amount of money in its currency: "150,00 US$" (es), "$150.00" (en)."""
    from babel.numbers import format_currency

    return format_currency(value, currency, locale=locale)


def month(on: date, locale: Locale) -> str:
    """A month of a year: "diciembre de 2026" (es), "December 2026" (en)."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", on, locale=locale)
