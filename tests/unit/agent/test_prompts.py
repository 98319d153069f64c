from __future__ import annotations

from datetime import UTC, datetime

from receptionist.agent.prompts import (
    KNOWLEDGE_FROM_CATALOGUE,
    KNOWLEDGE_FROM_SEARCH,
    Persona,
    static_prompt,
    system_prompt,
    turn_context,
)


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


CATALOGUE = "Servicios (duración, precio):\n- Corte: 30 min, 15 EUR.\nInformación del negocio:\n- Pago: Solo tarjeta."


def test_the_static_part_is_the_same_bytes_for_every_turn_and_customer() -> None:
    persona = Persona(business_name="Peluquería", instructions="Trata de usted.")
    turns = [
        system_prompt(persona, datetime(2026, 1, 1, 9, 0, tzinfo=UTC), catalogue=CATALOGUE),
        system_prompt(persona, datetime(2026, 1, 1, 9, 7, tzinfo=UTC), "Se llama Ana.", catalogue=CATALOGUE),
        system_prompt(persona, datetime(2026, 3, 2, 18, 0, tzinfo=UTC), "", {"service_name": "corte"}, CATALOGUE),
    ]
    static = static_prompt(persona, CATALOGUE)
    assert all(t.startswith(static) for t in turns)
    assert all("Ahora es" not in static and "Ahora es" in t[len(static) :] for t in turns)  # the time comes after
    assert "Catálogo de Peluquería (completo):\n" + CATALOGUE in static and "Trata de usted." in static


def test_the_knowledge_rule_follows_where_the_catalogue_is() -> None:
    persona = Persona(business_name="X")
    assert KNOWLEDGE_FROM_CATALOGUE in static_prompt(persona, CATALOGUE)
    searching = static_prompt(persona, None)
    assert KNOWLEDGE_FROM_SEARCH in searching and "Catálogo de" not in searching


def test_the_assistant_keeps_to_the_business_and_gives_its_emergency_number() -> None:
    """Issue 25: the scope, no medical advice, and an emergency's number and escalation are rules
    of the static (cached) part, with the business's own number."""
    salon = static_prompt(Persona(business_name="Salón", timezone="America/Lima", emergency_number="106"), CATALOGUE)
    assert "Solo atiendes servicios, citas e información del negocio." in salon
    assert "(poemas, deberes, código, política,\n  cultura general...)" in salon
    assert "sin hacerlo ni pasar con una persona" in salon
    assert "Nunca des consejo médico ni de otro profesional, diagnósticos ni qué tomar" in salon
    assert "di que llame ya al 106 y usa escalate_to_human." in salon
    turn = system_prompt(
        Persona(business_name="Salón", timezone="America/Lima", emergency_number="106"),
        datetime(2026, 1, 1, tzinfo=UTC),
        catalogue=CATALOGUE,
    )
    assert turn.startswith(salon)
    clinic = static_prompt(Persona(business_name="Clínica", emergency_number="112"), CATALOGUE)
    assert "llame ya al 112 " in clinic and "106" not in clinic


def test_without_a_number_the_assistant_still_sends_the_customer_to_the_emergency_services() -> None:
    prompt = static_prompt(Persona(business_name="X", timezone="America/Bogota"))
    assert "di que llame ya al número de emergencias local y usa escalate_to_human." in prompt


def test_when_no_slot_fits_the_prompt_offers_the_waitlist_with_its_tools() -> None:
    from receptionist.agent.tools import CATALOGUE_TOOLS, RECEPTIONIST_TOOLS

    prompt = static_prompt(Persona(business_name="X"), CATALOGUE)
    rule = prompt[prompt.index("- Si ningún hueco le encaja") :].split("\n- ", 1)[0]
    assert "ofrécele la lista de espera" in " ".join(rule.split())
    assert "join_waitlist" in prompt and "leave_waitlist" in prompt
    for tools in (CATALOGUE_TOOLS, RECEPTIONIST_TOOLS):
        assert {"join_waitlist", "leave_waitlist"} <= set(tools.names)


def test_the_customer_s_language_is_told_in_the_turn_s_part_never_the_cached_prefix() -> None:
    persona = Persona(business_name="Clínica", language="es")
    now = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    told = turn_context(persona, now, customer_language="pt_BR")
    assert "El cliente habla portugués de Brasil: respóndele en portugués de Brasil" in told
    assert "El cliente habla" not in turn_context(persona, now)  # unknown: the prefix's default stands
    assert "El cliente habla" not in static_prompt(persona)
    assert turn_context(persona, now, customer_language="es_PE").count("español de Perú") == 2
