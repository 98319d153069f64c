"""The AI disclosure's rules (receptionist/disclosure.py): when a reply carries it, which sentence,
in which language, and how the text is versioned."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from receptionist import disclosure
from receptionist.crm.models import AgentSettings, ChatIdentity

SETTINGS = AgentSettings("Sofía", "cálido", "", "es", "Europe/Madrid", 60, 60, 15)
IDENTITY = ChatIdentity("i", "o", "34600111222", None, None, True, False, datetime(2026, 1, 1, tzinfo=UTC))


def test_due_for_a_customer_never_told_or_for_the_turn_that_carried_it() -> None:
    assert disclosure.due(replace(IDENTITY, disclosure_due=True), "t1")
    told = replace(IDENTITY, disclosure_due=False, disclosure_turn="t1")
    assert disclosure.due(told, "t1")  # a retry of the turn that carried it says it again
    assert not disclosure.due(told, "t2")


def test_the_silence_is_the_business_s_setting() -> None:
    assert disclosure.silence(SETTINGS) == timedelta(days=180) == timedelta(days=disclosure.DEFAULT_AFTER_DAYS)
    assert disclosure.silence(replace(SETTINGS, disclosure_after_days=30)) == timedelta(days=30)


def test_the_default_sentence_in_the_business_s_language_names_its_assistant() -> None:
    spanish = disclosure.text_for(SETTINGS, "Clínica Dental Sonrisa")
    assert spanish.startswith("Te atiende Sofía, el asistente automático de Clínica Dental Sonrisa")
    assert "inteligencia artificial" in spanish and "una persona" in spanish and "en cualquier momento" in spanish
    english = disclosure.text_for(replace(SETTINGS, language="en-GB", assistant_name=" Camila "), "Salón Bella")
    assert english.startswith("You are chatting with Camila, Salón Bella's automatic assistant")
    assert "artificial intelligence" in english and "at any time" in english
    assert disclosure.text_for(replace(SETTINGS, language="fr"), "X") == disclosure.default_text("Sofía", "X", "es")


def test_a_business_s_own_sentence_wins_and_blank_is_the_default() -> None:
    own = replace(SETTINGS, disclosure_text="  Soy un bot (IA). Escribe PERSONA para hablar con alguien. ")
    assert disclosure.text_for(own, "X") == "Soy un bot (IA). Escribe PERSONA para hablar con alguien."
    assert disclosure.text_for(replace(SETTINGS, disclosure_text="   "), "X") == disclosure.default_text(
        "Sofía", "X", "es"
    )


def test_the_version_is_the_text_s_and_the_reply_starts_with_it() -> None:
    a, b = disclosure.version_of("uno"), disclosure.version_of("dos")
    assert len(a) == 12 and set(a) <= set("0123456789abcdef") and a != b and a == disclosure.version_of("uno")
    assert disclosure.disclosed("Aviso.", "Respuesta.") == "Aviso.\n\nRespuesta."
