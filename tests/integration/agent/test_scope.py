"""A business's assistant, not a general one (issue 25): the scope rules and the business's own
emergency number, read from its agent_settings, are in what the model receives on every call."""

from __future__ import annotations

from typing import Any

from receptionist.agent.prompts import static_prompt
from receptionist.agent.runner import persona_of
from receptionist.crm.organizations import resolve_by_app


def test_each_business_gives_its_own_emergency_number(db: Any) -> None:
    for app, number in (("ClinicaSonrisa", "112"), ("SalonLima", "106")):
        org = resolve_by_app(db, app)
        assert org is not None and org.settings.emergency_number == number
        prompt = static_prompt(persona_of(org))
        assert f"di que llame ya al {number} y usa escalate_to_human." in prompt, app


def test_the_model_receives_the_rules_in_the_cached_part_of_every_call(receptionist: Any) -> None:
    r = receptionist()
    r.model.call("escalate_to_human", reason="Posible urgencia: sangra mucho tras un accidente")
    r.model.say("Si es una urgencia, llama ahora al 112. Te paso con una persona del equipo.")
    result = r.say("He tenido un accidente y sangro mucho por la boca")
    assert result.escalations == ["Posible urgencia: sangra mucho tras un accidente"]
    for request in r.model.completions()[-2:]:  # before and after the tool's result
        system = request.json()["messages"][0]["content"]
        assert system.startswith("Eres Sofía") and "Ahora es" not in system  # the static, cached part
        assert "Solo atiendes servicios, citas e información del negocio." in system
        assert "Nunca des consejo médico" in system
        assert "di que llame ya al 112 y usa escalate_to_human." in system
