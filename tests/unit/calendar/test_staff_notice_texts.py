"""The calendar's staff notices (calendar/notices.py): what they say, in the business's language and
zone, without the customer or the event's title; one job per cause."""

from __future__ import annotations

from datetime import UTC, datetime

from receptionist.calendar import notices

ORG = "00000000-0000-4000-8000-00000000abcd"


GRANTED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_broken_connection_notice_names_the_member_and_the_console() -> None:
    es = notices.connection_broken(ORG, "c1", GRANTED, "Dra. Ruiz", "es")
    en = notices.connection_broken(ORG, "c1", GRANTED, "Dra. Ruiz", "en")
    unknown = notices.connection_broken(ORG, "c1", GRANTED, "Dra. Ruiz", "fr")

    assert es.text == (
        "El Google Calendar de Dra. Ruiz se ha desconectado: vuelve a conectarlo en la consola (Calendario)."
    )
    assert en.text == "Dra. Ruiz's Google Calendar got disconnected: reconnect it in the console (Calendar)."
    assert unknown.text == es.text  # Spanish, as every staff notice, when the language is not known
    assert es.kind == "staff_notice" and es.organization_id == ORG
    assert es.job_id == en.job_id == f"staff_notice#calendar_broken#c1#{int(GRANTED.timestamp())}"
    other_grant = notices.connection_broken(ORG, "c1", GRANTED.replace(day=9), "Dra. Ruiz", "es")
    assert other_grant.job_id != es.job_id  # a later grant that breaks is told again


def test_a_conflict_notice_says_when_in_the_business_zone_and_nothing_else() -> None:
    starts = datetime(2026, 3, 29, 9, 30, tzinfo=UTC)  # Madrid has just moved to summer time: 11:30
    job = notices.conflict(ORG, "k1", "Dr. Soto", starts, "Europe/Madrid", "es")

    assert job.text == (
        "Un evento externo en el calendario de Dr. Soto coincide con una cita el domingo 29 de marzo a las 11:30."
        " Revísalo en la consola (Calendario)."
    )
    assert job.job_id == "staff_notice#calendar_conflict#k1"
    lima = notices.conflict(ORG, "k1", "Dr. Soto", starts, "America/Lima", "en")
    assert lima.text is not None and "on Sunday, March 29 at 4:30\u202fAM" in lima.text
