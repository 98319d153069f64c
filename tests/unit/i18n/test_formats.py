"""Dates, times and prices in customer messages (receptionist/i18n/formats.py): CLDR's words in
each locale, and WhatsApp's title limits (a button's 20 characters, a list row's 24) held by the
short slot label and the catalogue's button and section titles in every locale."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import LOCALES, Locale
from receptionist.messages import CHOICE_TITLE_CHARS

MADRID = ZoneInfo("Europe/Madrid")
TUESDAY = datetime(2026, 3, 3, 10, 30, tzinfo=MADRID)


@pytest.mark.parametrize(
    ("locale", "weekday", "day", "clock"),
    [
        ("es", "martes", "martes 3 de marzo", "10:30"),
        ("es_PE", "martes", "martes 3 de marzo", "10:30\u202fa.\u202fm."),
        ("en", "Tuesday", "Tuesday, March 3", "10:30\u202fAM"),
        ("pt_BR", "terça-feira", "terça-feira, 3 de março", "10:30"),
        ("ca", "dimarts", "dimarts 3 de març", "10:30"),
    ],
)
def test_weekday_day_and_time_are_cldrs(locale: Locale, weekday: str, day: str, clock: str) -> None:
    assert formats.weekday(TUESDAY, locale) == weekday
    assert formats.day(TUESDAY, locale) == day
    assert formats.time(TUESDAY, locale) == clock


def test_a_start_inside_a_sentence() -> None:
    assert formats.day_and_time(TUESDAY, "es") == "el martes 3 de marzo a las 10:30"
    assert formats.day_and_time(TUESDAY, "en") == "Tuesday, March 3 at 10:30\u202fAM"
    assert formats.day_and_time(TUESDAY, "pt_BR") == "terça-feira, 3 de março, às 10:30"
    one = TUESDAY.replace(hour=13)
    assert formats.day_and_time(one, "es_PE") == "el martes 3 de marzo a la 1:30\u202fp.\u202fm."
    assert formats.day_and_time(one, "es") == "el martes 3 de marzo a las 13:30"
    assert formats.day_and_time(one.replace(hour=1), "es") == "el martes 3 de marzo a la 1:30"


@pytest.mark.parametrize(
    ("locale", "label"),
    [
        ("es", "mar, 3/3 10:30"),
        ("en", "Tue, 3/3 10:30\u202fAM"),
        ("pt_BR", "ter., 03/03 10:30"),
        ("ca", "dt. 3/3 10:30"),
        ("es_PE", "mar, 3/3 10:30\u202fa.\u202fm."),
    ],
)
def test_the_short_slot_label_has_a_babel_weekday(locale: Locale, label: str) -> None:
    assert formats.short_slot(TUESDAY, locale) == label


def test_a_label_too_long_on_the_12_hour_clock_takes_the_24_hour_one() -> None:
    late = datetime(2026, 12, 30, 22, 45, tzinfo=MADRID)  # a Wednesday: "mié, 30/12 10:45 p. m." is 22
    assert formats.short_slot(late, "es_PE") == "mié, 30/12 22:45"
    assert formats.short_slot(late, "en") == "Wed, 12/30 10:45\u202fPM"  # 19: fits as it is


@pytest.mark.parametrize("locale", LOCALES)
def test_every_short_label_of_a_year_fits_a_button(locale: Locale) -> None:
    """Every day of a year (every weekday and month name, one- and two-digit days and months) at the
    times that write longest: a button's 20 characters, so a list row's 24 leave room for a name."""
    longest = 0
    for offset in range(366):
        day = date(2027, 1, 1) + timedelta(days=offset)
        for clock in (time(10, 45), time(23, 59)):  # the longest in 12- and 24-hour writing
            label = formats.short_slot(datetime.combine(day, clock, MADRID), locale)
            longest = max(longest, len(label))
    assert longest <= formats.BUTTON_TITLE_CHARS <= formats.LIST_ROW_TITLE_CHARS == CHOICE_TITLE_CHARS


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogues_button_and_section_titles_fit_in_every_locale(locale: Locale) -> None:
    for button in ("list_button", "waitlist_accept", "waitlist_decline"):
        assert 0 < len(message(locale, button)) <= formats.BUTTON_TITLE_CHARS, button
    assert message(locale, "waitlist_accept") != message(locale, "waitlist_decline")  # buttons must differ
    assert 0 < len(message(locale, "list_section")) <= formats.LIST_ROW_TITLE_CHARS
    assert 0 < len(message(locale, "choice_service_title")) <= formats.LIST_ROW_TITLE_CHARS


@pytest.mark.parametrize(
    ("locale", "currency", "price"),
    [
        ("es", "EUR", "45,50\xa0€"),
        ("en", "EUR", "€45.50"),
        ("pt_BR", "EUR", "€\xa045,50"),
        ("es_PE", "PEN", "S/\xa045.50"),
        ("es", "PEN", "45,50\xa0PEN"),
        ("en", "PEN", "PEN45.50"),
        ("pt_BR", "BRL", "R$\xa045,50"),
        ("en", "BRL", "R$45.50"),
        ("es", "BRL", "45,50\xa0BRL"),
        ("ca", "EUR", "45,50\xa0€"),
    ],
)
def test_prices_carry_their_currency_as_the_locale_writes_it(locale: Locale, currency: str, price: str) -> None:
    assert formats.price(4550, currency, locale) == price


def test_thousands_free_and_on_request() -> None:
    assert formats.price(123456, "EUR", "es") == "1.234,56\xa0€"
    assert formats.price(123456, "BRL", "pt_BR") == "R$\xa01.234,56"
    assert formats.price(0, "EUR", "en") == "free"
    assert formats.price(None, "PEN", "es_PE") == "precio a consultar"
    assert formats.price(None, "BRL", "pt_BR") == "preço sob consulta"
