"""An appointment as the event written to its member's calendar, or none (deleted)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from busy_kit import MADRID

from receptionist.calendar.appointment_event import SEPARATOR, AppointmentFacts, appointment_event, summary
from receptionist.calendar.provider import event_id_for

BOOKED = AppointmentFacts(
    id="3b1e6a52-8d1f-4c43-9a57-0d5c7f1e2a10",
    service_name="Limpieza dental",
    customer_name="Lucía Pérez",
    member_id="00000000-0000-4000-8000-00000000000a",
    starts_at=datetime(2026, 12, 9, 10, tzinfo=MADRID),
    ends_at=datetime(2026, 12, 9, 10, 45, tzinfo=MADRID),
    status="pending",
    zone="Europe/Madrid",
)


def test_a_pending_appointment_is_a_tentative_event_named_after_service_and_customer() -> None:
    event = appointment_event(BOOKED)

    assert event is not None
    assert event.event_id == event_id_for(BOOKED.id) == "rc3b1e6a528d1f4c439a570d5c7f1e2a10"
    assert event.appointment_id == BOOKED.id
    assert event.summary == "Limpieza dental · Lucía Pérez"
    assert (event.start, event.end, event.zone) == (BOOKED.starts_at, BOOKED.ends_at, "Europe/Madrid")
    assert event.tentative is True
    assert "asistente de WhatsApp" in event.description and "consola" in event.description


def test_a_confirmed_appointment_is_a_firm_event() -> None:
    event = appointment_event(replace(BOOKED, status="confirmed"))

    assert event is not None and event.tentative is False


@pytest.mark.parametrize("status", ["completed", "no_show"])
def test_a_finished_appointment_keeps_its_event(status: str) -> None:
    event = appointment_event(replace(BOOKED, status=status))

    assert event is not None and event.tentative is False and event.summary == "Limpieza dental · Lucía Pérez"


def test_a_cancelled_or_vanished_appointment_has_no_event() -> None:
    assert appointment_event(replace(BOOKED, status="cancelled")) is None
    assert appointment_event(None) is None


@pytest.mark.parametrize("name", [None, "", "  \n "])
def test_a_customer_without_a_name_leaves_the_service_alone_in_the_title(name: str | None) -> None:
    event = appointment_event(replace(BOOKED, customer_name=name))

    assert event is not None and event.summary == "Limpieza dental"


def test_a_name_is_one_line_and_a_long_one_is_cut() -> None:
    assert summary(" Limpieza\tdental ", "Lucía\nPérez\x00 ") == "Limpieza dental · Lucía Pérez"
    long = summary("Revisión", "Ana " * 40)
    assert long.startswith("Revisión" + SEPARATOR + "Ana Ana") and long.endswith("…")
    assert len(long) == len("Revisión" + SEPARATOR) + 80


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        appointment_event(replace(BOOKED, starts_at=datetime(2026, 12, 9, 10)))
