"""A reminder tap in a conversation a person owns is never silent (issue 24, point 11): the tap is
applied (it is the customer's own instruction), the customer gets the tap's fixed sentence (it
reaches the transcript as the business's message), staff get one notice, and the model is not
called; written words in the same turn stay the person's to answer. Every failure window after
the tap was applied ends with one answer and one notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from processor_kit import Crash, Harness, crash_after, pending_reminder

from receptionist.processor.service import TurnReport

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "f" * 32
STARTS = (NOW + timedelta(days=1)).astimezone(ZoneInfo("Europe/Madrid"))


@pytest.fixture
def owned(h: Harness) -> Harness:
    """A customer with a reminded appointment, whose conversation a person has taken over."""
    h.service.now = lambda: NOW
    h.crm.add_reminder(
        TOKEN,
        pending_reminder(STARTS),
    )
    h.crm.set_bot(False)
    return h


def _notices(h: Harness) -> list[str]:
    """Staff notices as the notifier sends them: once per job id."""
    seen: dict[str, str] = {}
    for job in h.outbound.bodies:
        if job["kind"] == "escalation":
            seen.setdefault(job["job_id"], job["reason"])
    return list(seen.values())


def _burst(h: Harness, action: str, label: str, written: str) -> list[TurnReport]:
    """A tap and a written line, buffered before the turn runs (one burst)."""
    tap = h.tap(label, f"reminder:{TOKEN}:{action}")
    line = h.text(written)
    return [h.handle(tap), h.handle(line)]


def test_a_cancel_tap_with_a_written_line_is_confirmed_to_the_customer_and_staff_are_told(owned: Harness) -> None:
    skipped, report = _burst(owned, "cancel", "Cancelar", "y decidle a la doctora que lo siento")

    assert skipped.outcome == "skipped_debounce"
    assert report.outcome == "reminder_answer" and report.model_calls == 0
    assert owned.agent.requests == []
    assert owned.crm.appointment_changes == [("appt-1", "cancelled")]
    (reply,) = owned.replies()
    assert reply.startswith("Hecho: hemos cancelado tu cita de Limpieza dental")
    (notice,) = _notices(owned)
    assert "recordatorio" in notice and "hemos cancelado tu cita de Limpieza dental" in notice
    assert "\n" not in notice and len(notice) <= 300
    # Both messages are in the transcript; the written one is the person's to answer.
    assert [text for text, _ in owned.crm.inbound.values()] == ["Cancelar", "y decidle a la doctora que lo siento"]
    assert owned.nothing_claimed()


def test_a_tap_alone_is_answered_and_staff_are_told(owned: Harness) -> None:
    report = owned.handle(owned.tap("Confirmar", f"reminder:{TOKEN}:confirm"))

    assert report.outcome == "reminder_answer" and owned.agent.requests == []
    assert owned.crm.appointment_changes == [("appt-1", "confirmed")]
    (reply,) = owned.replies()
    assert "queda confirmada" in reply
    (notice,) = _notices(owned)
    assert "queda confirmada" in notice


def test_cambiar_tells_the_customer_a_person_will_write_and_tells_staff(owned: Harness) -> None:
    report = owned.handle(owned.tap("Cambiar", f"reminder:{TOKEN}:change"))

    assert report.outcome == "reminder_answer" and owned.agent.requests == []
    assert owned.crm.appointment_changes == [] and owned.crm.answers["rem-1"][0] == "change"
    (reply,) = owned.replies()
    assert "persona del equipo" in reply and "cambiar tu cita" in reply
    (notice,) = _notices(owned)
    assert "cambiar" in notice


def test_written_words_alone_stay_silent_for_the_person_to_answer(owned: Harness) -> None:
    assert owned.handle(owned.text("hola, ¿me atendéis?")).outcome == "human_owned"
    assert owned.replies() == [] and _notices(owned) == [] and owned.agent.requests == []


@pytest.mark.parametrize("step", ["answer_reminder", "record_turn", "send", "finish"])
def test_a_crash_after_the_tap_was_applied_ends_with_one_answer_and_one_notice(owned: Harness, step: str) -> None:
    target = {"answer_reminder": owned.crm, "record_turn": owned.ledger, "send": owned.outbound}.get(step, owned.ledger)
    crash_after(target, step)
    tap = owned.tap("Cancelar", f"reminder:{TOKEN}:cancel")
    line = owned.text("lo siento")
    assert owned.handle(tap).outcome == "skipped_debounce"
    with pytest.raises(Crash):
        owned.handle(line)
    owned.outbound.forget()  # the retry comes after SQS's deduplication window

    assert owned.handle(line).outcome in ("reminder_answer", "replayed")

    assert owned.crm.appointment_changes == [("appt-1", "cancelled")]
    (reply,) = owned.replies()
    assert reply.startswith("Hecho: hemos cancelado")
    assert len(_notices(owned)) == 1
    assert owned.agent.requests == [] and owned.nothing_claimed()
