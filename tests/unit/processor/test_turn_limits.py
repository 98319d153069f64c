"""Bounded turns: a 200-message burst or a 256 KB text never becomes one huge prompt, and
nothing is dropped: what does not fit is carried to the next turn."""

from __future__ import annotations

from processor_kit import CONVERSATION, Harness

from receptionist.processor.turn_limits import TurnLimits, plan_turn
from receptionist.turns import BufferedMessage


def _message(i: int, text: str = "hola", kind: str = "text") -> BufferedMessage:
    payload = {"text": text} if kind == "text" else {"url": f"https://m/{i}"}
    return BufferedMessage(f"MSG#{i:015d}#m{i}", f"m{i}", kind, {"id": f"m{i}", "type": kind, "payload": payload}, i)


def test_the_plan_takes_the_oldest_that_fit_and_carries_the_rest() -> None:
    limits = TurnLimits(max_messages=3, max_chars=10, max_media=1)
    taken, carried = plan_turn([_message(i) for i in range(5)], limits)
    assert [m.message_id for m in taken] == ["m0", "m1"]  # 4 + 4 chars; a third would make 12
    assert [m.message_id for m in carried] == ["m2", "m3", "m4"]
    taken, _ = plan_turn([_message(0, kind="audio"), _message(1, kind="image"), _message(2)], limits)
    assert [m.message_id for m in taken] == ["m0"]  # one media item per turn here
    taken, carried = plan_turn([_message(0, "x" * 50), _message(1)], limits)
    assert [m.message_id for m in taken] == ["m0"] and len(carried) == 1  # never stuck on a long one


def test_a_burst_of_200_messages_is_answered_in_bounded_turns_and_nothing_is_dropped() -> None:
    h = Harness(TurnLimits(max_messages=20, max_chars=4000, max_media=3))
    tickets = [h.text(f"mensaje {i}") for i in range(200)]
    reports = [h.handle(t) for t in tickets]
    assert [r.outcome for r in reports].count("answered") == 1 and reports[-1].carried == 180
    assert h.ledger.is_open(CONVERSATION)  # still on the sweep's list until all are answered
    reports += h.drain_inbound()  # the carried messages come back as tickets of their own
    answered = [r for r in reports if r.outcome == "answered"]
    assert len(answered) == 10 and all(r.messages == 20 for r in answered)
    assert [r.carried for r in answered] == list(range(180, -1, -20))
    prompts = h.agent.texts
    assert max(len(p) for p in prompts) <= 4000
    assert "\n".join(prompts) == "\n".join(f"mensaje {i}" for i in range(200))  # each once, in order
    assert len(h.replies()) == 10
    assert h.ledger.statuses() == ["done"] * 200 and not h.ledger.is_open(CONVERSATION)
    assert len(h.crm.inbound) == 200


def test_a_256_kb_text_is_stored_whole_and_reaches_the_model_cut_down() -> None:
    h = Harness()
    huge = "á" * (256 * 1024)
    report = h.handle(h.text(huge))
    assert report.outcome == "answered"
    assert len(h.agent.texts[0]) <= 4000 + 5 and h.agent.texts[0].endswith(" […]")
    stored_text, _ = next(iter(h.crm.inbound.values()))
    assert stored_text == huge


def test_a_lost_carry_on_ticket_leaves_the_conversation_for_the_sweep() -> None:
    h = Harness(TurnLimits(max_messages=2))
    tickets = [h.text(f"m{i}") for i in range(3)]
    for t in tickets:
        h.handle(t)
    h.inbound.take()  # the carry-on ticket is lost
    assert h.ledger.is_open(CONVERSATION) and h.ledger.statuses() == ["done", "done", "pending"]
    # What the sweep sends: a new ticket for the newest message.
    assert h.handle(tickets[-1]).outcome == "answered"
    assert h.ledger.statuses() == ["done"] * 3 and not h.ledger.is_open(CONVERSATION)
