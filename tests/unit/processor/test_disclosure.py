"""The AI disclosure in the processor (EU AI Act Art. 50): the first reply a customer gets from a
business starts with it, put there by the code; after a long silence it comes again; it is in the
turn record, so every retry sends it exactly once (TurnService on in-memory adapters)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from processor_kit import APP, CUSTOMER, ORG, Crash, Harness, crash_after

from receptionist import disclosure
from receptionist.conversation_key import ConversationKey
from receptionist.i18n.catalogues import message

SOFIA = disclosure.default_text("Sofía", "Clínica Sonrisa", "es")


@pytest.fixture
def h() -> Harness:
    return Harness(untold=True)


def _days_later(h: Harness, days: float) -> None:
    h._clock += int(days * 86_400_000)


def test_the_first_reply_carries_it_and_the_second_does_not(h: Harness) -> None:
    h.handle(h.text("Hola"))
    h.handle(h.text("¿Abrís el sábado?"))
    assert h.replies() == [f"{SOFIA}\n\nRespuesta a: Hola", "Respuesta a: ¿Abrís el sábado?"]
    assert SOFIA.startswith("Te atiende Sofía, el asistente automático de Clínica Sonrisa")
    assert "inteligencia artificial" in SOFIA and "persona" in SOFIA
    # Recorded on the identity: which text, by which turn.
    assert h.crm.disclosures == [(f"id-{CUSTOMER}", "wamid.0001", disclosure.version_of(SOFIA))]
    # The model never saw it: it is the code's, not part of what the agent was asked or answered.
    assert all("asistente automático" not in text for text in h.agent.texts)


def test_the_same_number_at_another_business_is_told_again(h: Harness) -> None:
    other = "Salon"
    org = h.crm.orgs[APP]
    h.crm.orgs[other] = replace(
        org,
        id="00000000-0000-4000-8000-000000000002",
        name="Salón Bella",
        settings=replace(org.settings, assistant_name="Camila", language="en"),
    )
    h.handle(h.text("Hola"))
    h.handle(h.text("Hello", app=other))
    sent = {ConversationKey.parse(j["conversation"]).app: j["text"] for j in h.outbound.bodies if j["kind"] == "reply"}
    assert sent[APP].startswith(SOFIA)
    english = disclosure.default_text("Camila", "Salón Bella", "en")
    assert sent[other] == f"{english}\n\nRespuesta a: Hello"
    assert english.startswith("You are chatting with Camila, Salón Bella's automatic assistant")


def test_after_the_business_s_silence_it_is_said_again(h: Harness) -> None:
    h.handle(h.text("Hola"))
    _days_later(h, 179.9)  # under the default 180 days: not again
    h.handle(h.text("Vuelvo a escribir"))
    _days_later(h, 180)
    h.handle(h.text("Ha pasado medio año"))
    h.handle(h.text("¿Y el lunes?"))
    told = [r.startswith(SOFIA) for r in h.replies()]
    assert told == [True, False, True, False]
    # A business's own silence: 30 days.
    org = h.crm.orgs[APP]
    h.crm.orgs[APP] = replace(org, settings=replace(org.settings, disclosure_after_days=30))
    _days_later(h, 31)
    h.handle(h.text("Un mes después"))
    assert h.replies()[-1].startswith(SOFIA)


def test_a_business_s_own_sentence_is_the_one_sent(h: Harness) -> None:
    org = h.crm.orgs[APP]
    own = "Soy un asistente automático (IA). Escribe PERSONA para hablar con el equipo."
    h.crm.orgs[APP] = replace(org, settings=replace(org.settings, disclosure_text=f"  {own} "))
    h.handle(h.text("Hola"))
    assert h.replies() == [f"{own}\n\nRespuesta a: Hola"]
    assert h.crm.disclosures[0][2] == disclosure.version_of(own)


def test_every_kind_of_first_reply_carries_it() -> None:
    # The fallback of a turn that failed on its last attempt.
    h = Harness(untold=True)
    h.agent.failures.append(RuntimeError("model down"))
    assert h.handle(h.text("Hola"), final=True).outcome == "gave_up"
    assert h.replies() == [f"{SOFIA}\n\n{message('es', 'fallback_reply')}"]
    # Over budget.
    h = Harness(untold=True)
    h.crm.max_turns_per_hour = 0
    assert h.handle(h.text("Hola")).outcome == "over_budget"
    assert h.replies() == [f"{SOFIA}\n\n{message('es', 'over_budget_reply')}"]
    # A voice note that could not be read.
    h = Harness(untold=True)
    assert h.handle(h.receive({"url": "https://filemanager.gupshup.io/x.ogg"}, kind="audio")).outcome == "media_failed"
    assert h.replies() == [f"{SOFIA}\n\n{message('es', 'media_failed_reply')}"]


def test_a_turn_with_no_reply_leaves_it_due(h: Harness) -> None:
    h.crm.set_bot(False)  # a person owns the conversation: no reply from the assistant
    assert h.handle(h.text("Hola")).outcome == "human_owned"
    h.crm.set_bot(True)
    h.handle(h.text("¿Seguís ahí?"))
    assert h.replies() == [f"{SOFIA}\n\nRespuesta a: ¿Seguís ahí?"]


@pytest.mark.parametrize("step", ["mark_disclosed", "record_turn", "send"])
def test_a_crash_around_it_still_says_it_exactly_once(h: Harness, step: str) -> None:
    target = h.crm if step == "mark_disclosed" else h.ledger if step == "record_turn" else h.outbound
    crash_after(target, step)
    ticket = h.text("Hola")
    with pytest.raises(Crash):
        h.handle(ticket)
    h.outbound.forget()  # the retry comes after SQS's deduplication window
    assert h.handle(ticket).outcome in ("answered", "replayed")
    h.handle(h.text("Otra pregunta"))
    assert h.replies() == [f"{SOFIA}\n\nRespuesta a: Hola", "Respuesta a: Otra pregunta"]
    assert [d[1] for d in h.crm.disclosures] == ["wamid.0001"]


def test_the_fallback_after_a_marked_attempt_carries_it_once(h: Harness) -> None:
    crash_after(h.ledger, "record_turn")  # the first attempt recorded its answer, then died
    ticket = h.text("Hola")
    with pytest.raises(Crash):
        h.handle(ticket)
    h.agent.failures.append(RuntimeError("model down"))
    h.outbound.forget()
    assert h.handle(ticket, final=True).outcome == "replayed"  # the recorded answer goes out
    assert h.replies() == [f"{SOFIA}\n\nRespuesta a: Hola"]


def test_the_identity_is_touched_with_the_business_s_silence(h: Harness) -> None:
    calls: list[timedelta | None] = []
    real = h.crm.touch_identity

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args[4] if len(args) > 4 else kwargs.get("silence"))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    h.crm.touch_identity = spy  # type: ignore[method-assign]
    h.handle(h.text("Hola"))
    assert calls == [timedelta(days=180)]
    assert h.crm.identities[(ORG, CUSTOMER)].disclosure_turn == "wamid.0001"
