"""Every failure window of a turn, each stopped exactly there, then what the next ticket does:
answered once, nothing stuck, nothing lost (TurnService on in-memory adapters)."""

from __future__ import annotations

import pytest
from processor_kit import CONVERSATION, Crash, Harness, crash_after

from receptionist.deadline import Deadline, DeadlineExceeded
from receptionist.i18n.catalogues import message
from receptionist.processor.service import ESCALATION_ON_FAILURE


def test_a_burst_is_one_turn_answered_once(h: Harness) -> None:
    tickets = [h.text(t) for t in ("Hola", "quería pedir cita", "para una limpieza")]
    outcomes = [h.handle(t).outcome for t in tickets]
    assert outcomes == ["skipped_debounce", "skipped_debounce", "answered"]
    assert h.replies() == ["Respuesta a: Hola\nquería pedir cita\npara una limpieza"]
    assert h.ledger.statuses() == ["done"] * 3
    assert not h.ledger.is_open(CONVERSATION)  # off the sweep's list


@pytest.mark.parametrize("step", ["claim", "record_inbound", "agent", "record_turn", "send", "finish"])
def test_a_crash_between_any_two_steps_is_answered_once_by_the_retry(h: Harness, step: str) -> None:
    if step == "claim":
        crash_after(h.ledger, "claim")
    elif step == "record_inbound":
        crash_after(h.crm, "record_inbound")
    elif step == "agent":
        h.agent.failures.append(Crash("the model answered, the process died"))
    elif step == "record_turn":
        crash_after(h.ledger, "record_turn")
    elif step == "send":
        crash_after(h.outbound, "send")
    else:
        crash_after(h.ledger, "finish")
    ticket = h.text("¿Abrís el sábado?")
    with pytest.raises(Crash):
        h.handle(ticket)
    h.outbound.forget()  # the retry comes after SQS's deduplication window
    report = h.handle(ticket)
    assert report.outcome in ("answered", "replayed")
    assert h.replies() == ["Respuesta a: ¿Abrís el sábado?"]
    assert h.ledger.statuses() == ["done"] and not h.ledger.is_open(CONVERSATION)


def test_a_failed_turn_overtaken_by_a_new_message_is_rerun_then_the_new_one_answered(h: Harness) -> None:
    t1 = h.text("Quiero cambiar mi cita")
    h.agent.failures.append(RuntimeError("model down"))
    with pytest.raises(RuntimeError):
        h.handle(t1)
    t2 = h.text("¿me oyes?")  # the customer writes before T1's retry
    assert h.handle(t1).outcome == "skipped_debounce"  # the newest message's ticket takes over
    report = h.handle(t2)
    # T1 runs again under its own id (its bookings, escalations are keyed by it): not done twice.
    assert (report.outcome, report.turn_id, report.taken_over, report.carried) == ("answered", t1.message_id, 1, 1)
    assert h.agent.requests[-1].turn_id == t1.message_id
    h.drain_inbound()  # the carried message's own turn
    assert h.replies() == ["Respuesta a: Quiero cambiar mi cita", "Respuesta a: ¿me oyes?"]
    assert h.ledger.statuses() == ["done", "done"] and not h.ledger.is_open(CONVERSATION)


def test_a_recorded_reply_not_yet_sent_goes_out_before_the_next_turn(h: Harness) -> None:
    t1 = h.text("Sí, resérvame el martes a las 10")
    crash_after(h.ledger, "record_turn")  # the booking confirmation is recorded, never sent
    with pytest.raises(Crash):
        h.handle(t1)
    t2 = h.text("gracias")
    assert h.handle(t1).outcome == "replayed"  # T1's own record: sent, only m1 finished
    assert h.ledger.statuses() == ["done", "pending"]
    assert h.handle(t2).outcome == "answered"
    assert h.replies() == ["Respuesta a: Sí, resérvame el martes a las 10", "Respuesta a: gracias"]
    assert len(h.agent.requests) == 2  # the model was not asked again for T1


def test_a_recorded_turn_whose_ticket_is_gone_is_settled_by_the_next_turn(h: Harness) -> None:
    t1 = h.text("Sí, resérvame el martes a las 10")
    crash_after(h.outbound, "send")
    with pytest.raises(Crash):
        h.handle(t1)
    h.outbound.take()  # whatever went out before the crash
    h.outbound.forget()
    # T1's ticket never comes back (say it reached the DLQ); the customer writes again.
    report = h.handle(h.text("¿sigues ahí?"))
    assert report.outcome == "answered" and report.settled == 1 and report.taken_over == 0
    assert h.replies() == ["Respuesta a: Sí, resérvame el martes a las 10", "Respuesta a: ¿sigues ahí?"]
    assert h.agent.texts == ["Sí, resérvame el martes a las 10", "¿sigues ahí?"]
    assert h.ledger.statuses() == ["done", "done"]


def test_a_replayed_turn_finishes_only_its_own_messages(h: Harness) -> None:
    t1 = h.text("Hola")
    assert h.handle(t1).outcome == "answered"
    h.text("otra cosa")  # pending, its ticket still in the queue
    assert h.handle(t1).outcome == "replayed"  # a redelivery of T1's ticket
    assert h.ledger.statuses() == ["done", "pending"]
    assert h.replies() == ["Respuesta a: Hola"]


def test_the_last_attempt_falls_back_and_leaves_nothing_claimed(h: Harness) -> None:
    ticket = h.text("Hola")
    for _ in range(2):  # attempts 1 and 2 raise (SQS retries)
        h.agent.failures.append(RuntimeError("model down"))
        with pytest.raises(RuntimeError):
            h.handle(ticket)
    h.agent.failures.append(RuntimeError("model down"))
    report = h.handle(ticket, final=True)
    assert report.outcome == "gave_up" and report.error == "RuntimeError"
    jobs = h.outbound.bodies
    assert [(j["kind"], j.get("text") or j.get("reason")) for j in jobs] == [
        ("fallback", message("es", "fallback_reply")),
        ("escalation", ESCALATION_ON_FAILURE),
    ]
    assert h.crm.escalations == {ticket.message_id: ESCALATION_ON_FAILURE}
    assert h.nothing_claimed() and not h.ledger.is_open(CONVERSATION)
    assert h.crm.inbound[ticket.message_id][0] == "Hola"  # the message is in the CRM for staff
    assert h.handle(ticket).outcome == "replayed" and len(h.outbound.bodies) == 2  # a stray redelivery


def test_running_out_of_time_on_the_last_attempt_falls_back(h: Harness) -> None:
    ticket = h.text("Hola")
    report = h.handle(ticket, final=True, deadline=Deadline.after(0.1))
    assert report.outcome == "gave_up" and report.error == "DeadlineExceeded"
    assert h.replies() == [message("es", "fallback_reply")] and h.nothing_claimed()


def test_running_out_of_time_before_the_last_attempt_is_retried(h: Harness) -> None:
    ticket = h.text("Hola")
    with pytest.raises(DeadlineExceeded):
        h.handle(ticket, deadline=Deadline.after(0.1))
    assert h.replies() == []
    assert h.handle(ticket).outcome == "answered"
    assert h.replies() == ["Respuesta a: Hola"]


def test_an_answer_recorded_before_the_last_failure_goes_out_instead_of_the_fallback(h: Harness) -> None:
    ticket = h.text("Sí, resérvalo")
    crash_after(h.outbound, "send")
    with pytest.raises(Crash):
        h.handle(ticket)
    h.outbound.take()
    h.outbound.forget()
    report = h.handle(ticket, final=True)
    assert report.outcome == "replayed"
    assert h.replies() == ["Respuesta a: Sí, resérvalo"] and h.crm.escalations == {}


def test_a_voice_note_is_transcribed_once_across_retries(h: Harness) -> None:
    h.ports.files["https://media/n.ogg"] = (b"OggS...", "audio/ogg")
    h.ports.transcripts[b"OggS..."] = "Quiero cambiar mi cita del jueves"
    ticket = h.receive({"url": "https://media/n.ogg"}, kind="audio")  # no contentType, as some callbacks come
    h.agent.failures.append(RuntimeError("model down"))
    with pytest.raises(RuntimeError):
        h.handle(ticket)
    assert h.handle(ticket).outcome == "answered"
    assert h.ports.gemini_calls == 1
    assert h.agent.texts[-1] == "[Nota de voz] Quiero cambiar mi cita del jueves"


def test_media_never_eats_the_models_share_of_the_turn(h: Harness) -> None:
    h.ports.files["https://media/n.ogg"] = (b"OggS...", "audio/ogg")
    h.ports.transcripts[b"OggS..."] = "hola"
    ticket = h.receive({"url": "https://media/n.ogg"}, kind="audio")
    report = h.handle(ticket, deadline=Deadline.after(14.0))  # less than the model's reserve
    assert report.outcome == "media_failed" and h.ports.gemini_calls == 0
    assert h.ports.timeouts == []  # the download was not even started


def test_unknown_app_human_owned_and_opted_out_store_and_finish(h: Harness) -> None:
    foreign = h.text("hola", app="NoSuchApp")
    assert h.handle(foreign).outcome == "unknown_app"
    assert h.ledger.statuses(foreign.conversation) == ["done"]
    h.crm.set_bot(False)
    report = h.handle(h.text("¿hay alguien?"))
    assert report.outcome == "human_owned" and h.replies() == []
    assert h.nothing_claimed() and "¿hay alguien?" in [t for t, _ in h.crm.inbound.values()]


def test_opt_out_applies_with_the_events_own_time(h: Harness) -> None:
    from receptionist.messages import InboundTicket, UserEvent

    h.handle(h.text("Hola"))
    event = InboundTicket(
        kind="user_event",
        conversation=CONVERSATION,
        message_id="opted-out:1795420900000",
        event=UserEvent(type="opted-out", occurred_at=1_795_420_900_000),
    )
    assert h.handle(event).outcome == "opted_out"
    assert h.crm.opt_events[-1][0] is True and h.crm.opt_events[-1][1].timestamp() == 1_795_420_900
    assert [h.crm.granted(p) for p in ("service", "reminders", "marketing")] == [False, False, False]
    # A message written before the event (its time is older) does not undo it.
    assert h.handle(h.text("¿sigues?")).outcome == "opted_out" and len(h.replies()) == 1
    h._clock = 1_795_421_000_000  # after the event
    # Gupshup's event is confirmed by Gupshup, not here; an acknowledgement asks for nothing.
    assert h.handle(h.text("Gracias 👍")).outcome == "opted_out" and len(h.replies()) == 1
    # Writing again to ask for something: back in for service replies only, and answered.
    assert h.handle(h.text("¿sigues?")).outcome == "answered" and len(h.replies()) == 2
    assert [h.crm.granted(p) for p in ("service", "reminders", "marketing")] == [True, False, False]
    assert h.crm.consent[-1][3] == "whatsapp"


def test_past_the_conversations_hourly_budget_the_model_is_not_called() -> None:
    from processor_kit import Harness as Fresh

    from receptionist.processor.service import OVER_BUDGET_NOTICE

    h = Fresh()
    h.crm.max_turns_per_hour = 2
    for text in ("uno", "dos"):
        assert h.handle(h.text(text)).outcome == "answered"
    third = h.handle(h.text("tres"))
    fourth = h.handle(h.text("cuatro"))
    assert (third.outcome, fourth.outcome) == ("over_budget", "over_budget")
    assert h.agent.texts == ["uno", "dos"]  # no model call past the budget
    assert h.replies()[-2:] == [message("es", "over_budget_reply")] * 2
    notices = [j["reason"] for j in h.outbound.bodies if j["kind"] == "escalation"]
    assert notices == [OVER_BUDGET_NOTICE["turns"]]  # staff are told once per window
    assert {t for t, _ in h.crm.inbound.values()} >= {"tres", "cuatro"}  # nothing lost: stored for a person
    assert h.nothing_claimed()


def test_past_the_business_daily_tokens_every_conversation_gets_the_sentence() -> None:
    from processor_kit import Harness as Fresh

    from receptionist.processor.service import OVER_BUDGET_NOTICE

    h = Fresh()
    h.crm.max_tokens_per_day = 1500  # each answer costs 1,000 tokens here
    assert h.handle(h.text("hola")).outcome == "answered"
    assert h.handle(h.text("otra")).outcome == "answered"
    assert h.handle(h.text("ya no", customer="34600999888")).outcome == "over_budget"
    assert [j["reason"] for j in h.outbound.bodies if j["kind"] == "escalation"] == [OVER_BUDGET_NOTICE["tokens"]]
