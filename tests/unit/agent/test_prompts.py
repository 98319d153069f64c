from __future__ import annotations

from datetime import UTC, datetime

from receptionist.agent.prompts import Persona, system_prompt


def test_prompt_has_persona_and_local_time() -> None:
    persona = Persona(business_name="Clínica Sonrisa", assistant_name="Sofía", timezone="Europe/Madrid")
    # 23:30 UTC on a Friday is already Saturday 00:30 in Madrid (winter, UTC+1).
    prompt = system_prompt(persona, datetime(2026, 11, 27, 23, 30, tzinfo=UTC))
    assert "Eres Sofía" in prompt and "Clínica Sonrisa" in prompt
    assert "sábado 2026-11-28 00:30 en Europe/Madrid" in prompt


def test_prompt_in_lima_has_no_dst() -> None:
    persona = Persona(business_name="Taller", timezone="America/Lima")
    prompt = system_prompt(persona, datetime(2026, 7, 1, 15, 0, tzinfo=UTC))
    assert "miércoles 2026-07-01 10:00 en America/Lima" in prompt


def test_prompt_carries_summary_booking_and_instructions() -> None:
    persona = Persona(business_name="X", instructions="No atendemos urgencias.")
    prompt = system_prompt(
        persona, datetime(2026, 1, 1, tzinfo=UTC), "El cliente se llama Ana.", {"service_name": "limpieza"}
    )
    assert "No atendemos urgencias." in prompt
    assert "El cliente se llama Ana." in prompt
    assert "service_name=limpieza" in prompt
    assert "|" not in prompt  # no markdown tables in what we ask for
