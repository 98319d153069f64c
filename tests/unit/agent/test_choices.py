"""The choices a reply offers (agent/choices.py): within WhatsApp's limits whatever the names,
short human titles, and ids that read back as the item they were made from."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from receptionist.agent.choices import (
    Picked,
    appointment_choice,
    bounded,
    parse_choice,
    service_choice,
    slot_choice,
)
from receptionist.crm.models import Appointment, Service, Slot
from receptionist.i18n.locales import LOCALES, Locale
from receptionist.messages import CHOICE_DESCRIPTION_CHARS, CHOICE_ID_CHARS, CHOICE_TITLE_CHARS, Choice

MADRID = ZoneInfo("Europe/Madrid")
SERVICE_ID = "00000000-0000-4000-8001-000000000001"
MEMBER_ID = "00000000-0000-4000-8002-000000000002"
APPOINTMENT_ID = "7d0c1c52-52a4-4a0e-9d0f-0b8a4f0c0001"
START = datetime(2031, 3, 4, 10, 0, tzinfo=MADRID)  # a Tuesday


def _service(name: str = "Limpieza dental", price_cents: int | None = 4500) -> Service:
    return Service(SERVICE_ID, name, "", 30, price_cents, "EUR", True)


def _slot(member: str = "Dr. Andrés Ruiz", start: datetime = START) -> Slot:
    return Slot(MEMBER_ID, member, start, start + timedelta(minutes=30))


def test_a_slot_is_a_short_title_a_description_and_an_id_that_reads_back() -> None:
    choice = slot_choice(_service(), _slot(), "es")
    assert choice.title == "mar, 4/3 10:00 Ruiz"  # the surname when the whole name does not fit
    assert choice.description == "Limpieza dental con Dr. Andrés Ruiz, 45,00 €"
    assert choice.id == f"slot|{SERVICE_ID}|{MEMBER_ID}|2031-03-04 10:00"
    assert parse_choice(choice.id) == Picked(
        "slot", service_id=SERVICE_ID, member_id=MEMBER_ID, start="2031-03-04 10:00"
    )


def test_a_short_member_name_is_kept_whole() -> None:
    assert slot_choice(_service(), _slot("Ana"), "es").title == "mar, 4/3 10:00 Ana"


def test_a_slot_is_labelled_in_the_customers_language() -> None:
    english = slot_choice(_service(), _slot("Ana"), "en")
    assert english.title == "Tue, 3/4 10:00\u202fAM Ana"  # CLDR's month/day and 12-hour clock
    assert english.description == "Limpieza dental with Ana, €45.00"
    brazilian = slot_choice(_service(), _slot("Ana"), "pt_BR")
    assert brazilian.title == "ter., 04/03 10:00 Ana"
    assert brazilian.description == "Limpieza dental com Ana, € 45,00"
    assert service_choice(_service("", 0), "pt_BR").title == "Serviço"
    assert service_choice(_service(), "en").description == "30 min, €45.00"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("length", [0, 1, 8, 9, 23, 24, 25, 72, 73, 200])
def test_limits_hold_whatever_the_names(length: int, locale: Locale) -> None:
    long = ("Nombre" + "x" * length)[: max(length, 1)]
    spaced = " ".join(["palabra"] * (length // 8 + 1))
    for name in (long, spaced, f"Dra. {long}"):
        choices = [
            slot_choice(_service(name), _slot(name), locale),
            service_choice(_service(name, None), locale),
            appointment_choice(
                Appointment(
                    APPOINTMENT_ID, "c", SERVICE_ID, name, MEMBER_ID, name, START, START + timedelta(hours=1), "pending"
                ),
                locale,
            ),
        ]
        for c in choices:
            assert 1 <= len(c.title) <= CHOICE_TITLE_CHARS
            assert c.description is not None and len(c.description) <= CHOICE_DESCRIPTION_CHARS
            assert len(c.id) <= CHOICE_ID_CHARS
            assert "\n" not in c.title + c.description
            assert parse_choice(c.id) is not None


def test_appointments_and_services_read_back() -> None:
    a = Appointment(APPOINTMENT_ID, "c", SERVICE_ID, "Limpieza dental", MEMBER_ID, "Ana", START, START, "confirmed")
    appointment = appointment_choice(a, "es")
    assert appointment.title == "mar, 4/3 10:00 Limpieza"
    assert appointment.description == "Limpieza dental con Ana (confirmed)"
    assert parse_choice(appointment.id) == Picked("appt", appointment_id=APPOINTMENT_ID)
    service = service_choice(_service(), "es")
    assert (service.title, service.description) == ("Limpieza dental", "30 min, 45,00 €")
    assert parse_choice(service.id) == Picked("service", service_id=SERVICE_ID)


@pytest.mark.parametrize(
    "postback",
    [
        "reminder:0123abcd:confirm",  # a reminder's button: another part of the processor reads it
        "book:service-7",
        "",
        "slot|a|b",
        f"slot|{SERVICE_ID}|{MEMBER_ID}|2031-13-40 10:00",  # not a date
        f"slot|{SERVICE_ID}|{MEMBER_ID}|2031-03-04 10:00|more",
        f"slot|{SERVICE_ID}|{MEMBER_ID} ; drop table|2031-03-04 10:00",
        "appt|",
        "service|" + "x" * 65,
    ],
)
def test_other_postbacks_are_not_choices(postback: str) -> None:
    assert parse_choice(postback) is None


def test_at_most_ten_choices_each_id_once() -> None:
    many = [Choice(id=f"service|s{i % 12}", title=f"S{i}") for i in range(30)]
    kept = bounded(many)
    assert [c.id for c in kept] == [f"service|s{i}" for i in range(10)]
    assert [c.title for c in kept] == [f"S{i}" for i in range(10)]  # the first of a repeated id
