"""The console's one formatter (console/times.py): Babel's CLDR formats in the business's time zone and
the staff member's locale, and the pages' filters that use it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from receptionist.console.times import LocalTimes
from receptionist.console.web import PAGES
from receptionist.console.words import Words

MADRID = ZoneInfo("Europe/Madrid")
WINTER = datetime(2026, 12, 7, 7, 21, tzinfo=UTC)  # a Monday; Madrid is UTC+1
SUMMER = datetime(2026, 7, 6, 7, 21, tzinfo=UTC)  # Madrid is UTC+2


def test_a_madrid_business_reads_its_own_clock_in_winter_and_summer() -> None:
    es = LocalTimes("es", MADRID)
    assert es.moment(WINTER) == "7 dic 2026, 8:21"
    assert es.time(SUMMER) == "9:21"
    assert es.day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 ene 2027"  # already the next day in Madrid


def test_each_console_locale_writes_it_its_own_way() -> None:
    assert LocalTimes("en", MADRID).moment(WINTER) == "Dec 7, 2026, 8:21\u202fAM"
    assert LocalTimes("pt_BR", MADRID).moment(WINTER) == "7 de dez. de 2026 08:21"
    assert LocalTimes("ca", MADRID).moment(WINTER) == "7 de des. del 2026, 8:21"
    assert LocalTimes("pt_BR", ZoneInfo("America/Sao_Paulo")).time(WINTER) == "04:21"
    assert LocalTimes("es_PE", ZoneInfo("America/Lima")).time(WINTER) == "2:21\u202fa.\u202fm."


def test_days_and_weekdays_come_from_cldr() -> None:
    monday = date(2026, 12, 7)
    assert LocalTimes("es").weekday(monday) == "lunes, 7 de diciembre de 2026"
    assert LocalTimes("en").weekday(monday) == "Monday, December 7, 2026"
    assert LocalTimes("pt_BR").short_weekday(monday) == "seg., 7 de dez."
    assert LocalTimes("ca").short_day(monday) == "7 de des."
    assert [LocalTimes("es").weekday_name(n) for n in (1, 7)] == ["Lunes", "Domingo"]
    assert LocalTimes("pt_BR").weekday_name(3) == "Quarta-feira" and LocalTimes("en").weekday_name(6) == "Saturday"


def test_a_wall_clock_time_is_not_moved_and_nothing_shows_as_empty() -> None:
    local = datetime(2026, 12, 7, 8, 21)  # naive: already the business's time (an appointment's)
    assert LocalTimes("es", MADRID).time(local) == "8:21"
    assert LocalTimes("es").moment(None) == "" and LocalTimes("es").day(None) == ""


def test_prices_and_numbers_in_their_currency_and_locale() -> None:
    assert LocalTimes("es").price(4550, "EUR") == "45,50\u00a0€"
    assert LocalTimes("en").price(4550, "EUR") == "€45.50"
    assert LocalTimes("pt_BR").price(12000, "BRL") == "R$\u00a0120,00"
    assert LocalTimes("es_PE").price(8000, "PEN") == "S/\u00a080.00"
    assert LocalTimes("es").price(None, "EUR") == ""
    assert (LocalTimes("es").number(4096), LocalTimes("en").number(4096)) == ("4.096", "4,096")
    assert (LocalTimes("es").percent(0.75), LocalTimes("pt_BR").percent(2 / 3)) == ("75\u00a0%", "67%")


def test_the_zone_is_read_only_when_a_time_is_shown() -> None:
    reads: list[str] = []

    def zone() -> ZoneInfo:
        reads.append("Europe/Madrid")
        return MADRID

    when = LocalTimes("es", zone)
    assert when.day(date(2026, 12, 7)) == "7 dic 2026" and reads == []
    assert when.time(WINTER) == when.time(WINTER) == "8:21" and reads == ["Europe/Madrid"]


def test_pages_format_through_the_filters() -> None:
    page = PAGES.env.from_string("{{ at | moment }}|{{ at | time }}|{{ on | weekday }}|{{ cents | price('EUR') }}")
    rendered = page.render(at=WINTER, on=date(2026, 12, 7), cents=4550, when=LocalTimes("en", MADRID), t=Words("en"))
    assert rendered == "Dec 7, 2026, 8:21\u202fAM|8:21\u202fAM|Monday, December 7, 2026|€45.50"


def test_a_wait_reads_in_the_unit_that_fits_it() -> None:
    es, en = LocalTimes("es"), LocalTimes("en")
    assert [es.duration(s) for s in (1.5, 45, 720, 9_000)] == ["1,5 s", "45 s", "12 min", "2,5 h"]
    assert [en.duration(s) for s in (0.5, 90, 3_600)] == ["0.5 sec", "1.5 min", "1 hr"]
    assert LocalTimes("pt_BR").duration(30) == "30 s" and LocalTimes("ca").duration(5_400) == "1,5 h"
