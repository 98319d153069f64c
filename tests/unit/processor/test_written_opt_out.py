"""A written opt-out works like Gupshup's opt-out event (issue 25, point 3): "BAJA" (or the
assistant's opt_out tool for a paraphrase) opts the customer out of everything, withdraws every
purpose in the consent register and is confirmed once with a fixed sentence; "ALTA", or writing
again to ask for something, opts back in for service replies only. Every crash window says it once
(TurnService on in-memory adapters)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from processor_kit import APP, CUSTOMER, ORG, Crash, Harness, crash_after

from receptionist.i18n.catalogues import message
from receptionist.turns import AgentAnswer, AgentRequest

OUT, IN = message("es", "opt_out_confirmation"), message("es", "opt_in_confirmation")


def _states(h: Harness) -> list[bool | None]:
    return [h.crm.granted(p) for p in ("service", "reminders", "marketing")]


def _opted_out(h: Harness) -> bool:
    return h.crm.identities[(ORG, CUSTOMER)].opted_out


def test_baja_opts_out_and_is_confirmed_once(h: Harness) -> None:
    h.handle(h.text("Hola"))
    assert _states(h) == [True, True, None]  # the first message: service and reminders (source whatsapp)
    report = h.handle(h.text("BAJA"))
    assert report.outcome == "opt_out" and _opted_out(h)
    assert h.replies() == ["Respuesta a: Hola", OUT]
    assert [j["kind"] for j in h.outbound.bodies][-1] == "opt_out"  # the notifier sends it despite the opt-out
    assert _states(h) == [False, False, False]
    assert {c[3] for c in h.crm.consent if c[2] == "withdrawn"} == {"written"}
    assert len(h.agent.requests) == 1  # BAJA never reached the model
    # Confirmed once: a second BAJA, an acknowledgement, change nothing and get nothing.
    assert h.handle(h.text("stop")).outcome == "opted_out"
    assert h.handle(h.text("ok gracias")).outcome == "opted_out"
    assert h.replies() == ["Respuesta a: Hola", OUT] and len(h.agent.requests) == 1


def test_alta_opts_back_in_for_service_only(h: Harness) -> None:
    h.handle(h.text("BAJA"))
    report = h.handle(h.text("ALTA"))
    assert report.outcome == "opt_in" and not _opted_out(h)
    assert h.replies() == [OUT, IN]
    assert _states(h) == [True, False, False]  # reminders and marketing need their own consent
    assert h.crm.consent[-1][2:4] == ("granted", "written")
    assert h.agent.requests == []


def test_writing_again_to_ask_for_something_opts_back_in_for_service_and_is_answered(h: Harness) -> None:
    h.handle(h.text("No me escribáis más"))
    report = h.handle(h.text("¿Tenéis hueco el lunes?"))
    assert report.outcome == "answered" and not _opted_out(h)
    assert h.replies() == [OUT, "Respuesta a: ¿Tenéis hueco el lunes?"]
    assert _states(h) == [True, False, False] and h.crm.consent[-1][3] == "whatsapp"


def test_alta_from_a_customer_who_never_left_is_an_ordinary_message(h: Harness) -> None:
    assert h.handle(h.text("alta")).outcome == "answered"
    assert h.replies() == ["Respuesta a: alta"]


def test_a_burst_with_baja_is_an_opt_out(h: Harness) -> None:
    tickets = [h.text("¿Cuánto cuesta una limpieza?"), h.text("BAJA, por favor")]
    assert [h.handle(t).outcome for t in tickets] == ["skipped_debounce", "opt_out"]
    assert h.replies() == [OUT] and h.agent.requests == []


def test_applied_while_a_person_owns_the_conversation(h: Harness) -> None:
    h.crm.set_bot(False)
    assert h.handle(h.text("STOP")).outcome == "opt_out" and _opted_out(h)
    assert h.replies() == [OUT]
    # Writing again: back in for service, and the person (not the assistant) answers.
    assert h.handle(h.text("Perdón, ¿sigue en pie mi cita?")).outcome == "human_owned" and not _opted_out(h)


def test_an_english_business_confirms_in_english() -> None:
    h = Harness()
    org = h.crm.orgs[APP]
    h.crm.orgs[APP] = replace(org, settings=replace(org.settings, language="en"))
    h.handle(h.text("Unsubscribe"))
    h.handle(h.text("START"))
    assert h.replies() == [message("en", "opt_out_confirmation"), message("en", "opt_in_confirmation")]


@pytest.mark.parametrize("step", ["opt_out", "record_turn", "send", "finish"])
def test_a_crash_after_any_step_of_an_opt_out_confirms_it_once(h: Harness, step: str) -> None:
    target = h.crm if step == "opt_out" else h.outbound if step == "send" else h.ledger
    crash_after(target, step)
    ticket = h.text("Baja")
    with pytest.raises(Crash):
        h.handle(ticket)
    h.outbound.forget()  # the retry comes after SQS's deduplication window
    assert h.handle(ticket).outcome in ("opt_out", "replayed")
    assert h.replies() == [OUT] and _opted_out(h)
    assert [c[1] for c in h.crm.consent if c[2] == "withdrawn"] == ["service", "reminders", "marketing"]


def test_a_crash_after_an_opt_in_confirms_it_once(h: Harness) -> None:
    h.handle(h.text("Baja"))
    crash_after(h.crm, "opt_in")
    ticket = h.text("Alta")
    with pytest.raises(Crash):
        h.handle(ticket)
    assert h.handle(ticket).outcome == "opt_in"
    assert h.replies() == [OUT, IN] and not _opted_out(h)


class OptingOutAgent:
    """The model reads a paraphrase and calls opt_out (the tool writes the opt-out, keyed by the
    turn, and the answer says so); its own words are not what the customer gets."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.calls = 0

    def __call__(self, request: AgentRequest) -> AgentAnswer:
        self.calls += 1
        at = datetime(2026, 12, 1, tzinfo=UTC)
        self.h.crm.opt_out(ORG, request.identity.id, at, "whatsapp", f"{request.turn_id}#out")
        return AgentAnswer("¡Claro! Ya no te escribiremos más. 😊", [], model_calls=2, opted_out=True)


def test_the_model_s_opt_out_tool_gets_the_fixed_confirmation(h: Harness) -> None:
    agent = OptingOutAgent(h)
    h.service.agent = agent
    report = h.handle(h.text("Ya no vivo en Madrid, así que no hace falta que me mandéis nada"))
    assert report.outcome == "opt_out" and _opted_out(h)
    assert h.replies() == [OUT]
    assert h.outbound.bodies[-1]["kind"] == "opt_out"
    assert _states(h) == [False, False, False] and h.crm.consent[-1][3] == "whatsapp"


def test_a_crash_after_the_model_s_opt_out_confirms_without_asking_the_model_again(h: Harness) -> None:
    agent = OptingOutAgent(h)
    h.service.agent = agent
    crash_after(h.crm, "record_usage")  # the tool wrote the opt-out, then the process died
    ticket = h.text("Ya no vivo en Madrid, así que no hace falta que me mandéis nada")
    with pytest.raises(Crash):
        h.handle(ticket)
    assert h.handle(ticket).outcome == "opt_out"  # not "writing again": its own opt-out
    assert h.replies() == [OUT] and agent.calls == 1 and _opted_out(h)
