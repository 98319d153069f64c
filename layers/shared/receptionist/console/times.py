"""How the console shows a moment, a day, a price: ONE formatter, Babel's (CLDR), in the business's
time zone (agent_settings.timezone) and the staff member's console locale.

The database keeps moments in UTC; a clinic in Madrid reads "7 dic 2026, 8:21", never "2026-12-07
07:21 UTC", and its English-speaking staff "Dec 7, 2026, 8:21 AM". Pages use it through Jinja filters
(`{{ m.created_at | moment }}`, `| day`, `| month`, `| time`, `| weekday`, `| short_day`, `| price(currency)`,
`| percent`, `| duration`: web.py registers them) that read `when`, the request's `LocalTimes`, from the page's
context; Python code calls the same object. A naive datetime is taken as already local (an appointment's wall-clock
time, a form's value); a date has no zone.

The business's zone is read only when a page shows a time (`zone` may be a function), so a page
without one costs no query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cached_property

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format, get_day_names
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

from receptionist.i18n.locales import Locale


class LocalTimes:
    def __init__(self, locale: Locale, zone: tzinfo | Callable[[], tzinfo] = UTC) -> None:
        self.locale: Locale = locale
        self._zone = zone

    @cached_property
    def zone(self) -> tzinfo:
        return self._zone() if callable(self._zone) else self._zone

    def local(self, at: datetime) -> datetime:
        """`at` on the business's clock (a naive datetime already is)."""
        return at.astimezone(self.zone) if at.tzinfo is not None else at

    def moment(self, at: datetime | None) -> str:
        """Day and time: "7 dic 2026, 8:21" (es), "Dec 7, 2026, 8:21 AM" (en), "7 de dez. de 2026 08:21" (pt_BR)."""
        if at is None:
            return ""
        local = self.local(at)
        pattern = str(get_datetime_format("medium", locale=self.locale))  # how the locale joins a date and a time
        return pattern.replace("'", "").replace("{0}", self.time(local)).replace("{1}", self.day(local))

    def day(self, on: date | datetime | None) -> str:
        """A day with its year: "7 dic 2026", "Dec 7, 2026"."""
        if on is None:
            return ""
        return format_skeleton("yMMMd", self._day(on), locale=self.locale)

    def month(self, on: date) -> str:
        """A month of a year, for a month's heading: "diciembre de 2026", "December 2026"."""
        return format_skeleton("yMMMM", on, locale=self.locale)

    def short_day(self, on: date | datetime) -> str:
        """A day of this year's calendar: "7 dic", "Dec 7"."""
        return format_skeleton("MMMd", self._day(on), locale=self.locale)

    def weekday(self, on: date | datetime) -> str:
        """A day with its weekday, for a day's heading: "lunes, 7 de diciembre de 2026"."""
        return format_date(self._day(on), "full", locale=self.locale)

    def short_weekday(self, on: date | datetime) -> str:
        """A weekday and day, for a week's columns: "lun, 7 dic", "Mon, Dec 7"."""
        return format_skeleton("MMMEd", self._day(on), locale=self.locale)

    def weekday_name(self, isoweekday: int) -> str:
        """The name of a weekday (1 = Monday), as a label starts: "Lunes", "Monday", "Segunda-feira"."""
        name = str(get_day_names("wide", context="stand-alone", locale=self.locale)[isoweekday - 1])
        return name[:1].upper() + name[1:]

    def time(self, at: datetime) -> str:
        """A time of day: "8:21", "8:21 AM", "08:21"."""
        return format_time(self.local(at), "short", locale=self.locale)

    def price(self, cents: int | None, currency: str) -> str:
        """A price in its currency: "45,50 €", "€45.50", "R$ 45,50" ("" when there is none)."""
        if cents is None:
            return ""
        return format_currency(Decimal(cents) / 100, currency, locale=self.locale)

    def percent(self, ratio: float | Decimal) -> str:
        """A ratio as a percentage, whole: "75 %" (es, ca), "75%" (en, pt_BR)."""
        return format_percent(ratio, locale=self.locale)

    def number(self, value: int | float | Decimal) -> str:
        """A number as the locale writes it: "4.096" (es), "4,096" (en)."""
        return format_decimal(value, locale=self.locale)

    def duration(self, seconds: float) -> str:
        """A wait in the unit it reads best in: "1,5 s" / "1.5 sec", "12 min", "2,5 h" / "2.5 hr"."""
        for limit, divisor, unit in ((60, 1, "duration-second"), (3600, 60, "duration-minute")):
            if seconds < limit:
                return format_unit(seconds / divisor, unit, length="short", format="#,##0.#", locale=self.locale)
        return format_unit(seconds / 3600, "duration-hour", length="short", format="#,##0.#", locale=self.locale)

    def _day(self, on: date | datetime) -> date:
        return self.local(on).date() if isinstance(on, datetime) else on
