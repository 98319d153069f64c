"""Customer texts (reply, fallback): rows written here, window, opt-out, splitting, retries, idempotency."""

from __future__ import annotations

from datetime import timedelta
from random import Random

import pytest
from delivery_kit import APP, BUSINESS, CUSTOMER, KEY_REF, Harness, permanent, transient

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.messages import OutboundJob
from receptionist.notifier.retry import RetryPolicy
from receptionist.notifier.service import MIN_ATTEMPT_SECONDS, RESERVE_SECONDS, OutOfTimeError
from receptionist.notifier.splitting import WHATSAPP_TEXT_LIMIT


def _long_text() -> str:
    """Ten paragraphs, 10,128 characters: three parts of whole paragraphs (4,050 + 4,050 + 2,024)."""
    paragraphs = [
        " ".join(f"Párrafo {p}, frase {i}: en la clínica cuidamos de tu sonrisa y de tu salud." for i in range(14))
        for p in range(10)
    ]
    text = "\n\n".join(paragraphs)
    assert len(text) > 10_000
    return text


@pytest.mark.parametrize("kind", ["reply", "fallback"])
def test_a_text_inside_the_window_is_sent_and_its_row_marked_sent(h: Harness, kind: str) -> None:
    h.customer(last_inbound=timedelta(hours=23, minutes=59))
    job = h.reply("¡Hola Lucía! Una limpieza dental cuesta 45 €.", kind=kind)

    report = h.service.deliver(job)

    assert (report.outcome, report.sent, report.http_calls) == ("sent", 1, 1)
    (sent,) = h.sender.sent
    assert (sent.kind, sent.destination) == ("text", CUSTOMER)
    assert sent.text == "¡Hola Lucía! Una limpieza dental cuesta 45 €."
    assert (sent.app.app_name, sent.app.source_number, sent.app.api_key) == (APP, BUSINESS, "k-123")
    assert h.keys_read == [KEY_REF]
    (row,) = h.store.parts_of("turn-1")  # the notifier's own row, the only one
    assert (row.status, row.provider_message_id, row.part_index) == ("sent", "gs-1", 0)


@pytest.mark.parametrize("last_inbound", [timedelta(hours=24), timedelta(days=3), None])
def test_outside_the_24_hour_window_nothing_is_sent_and_the_row_is_undeliverable(
    h: Harness, last_inbound: timedelta | None
) -> None:
    h.customer(last_inbound=last_inbound)
    job = h.reply("¿Sigues ahí?")

    report = h.service.deliver(job)

    assert (report.outcome, report.reason, report.http_calls) == ("undeliverable", "outside_window", 0)
    assert h.sender.sent == [] and h.keys_read == []
    (row,) = h.store.parts_of("turn-1")
    assert row.status == "undeliverable" and "24-hour" in (row.error or "") and row.text == "¿Sigues ahí?"


def test_a_customer_who_never_wrote_is_outside_the_window(h: Harness) -> None:
    job = h.reply("Hola")  # no chat identity at all: no row either
    report = h.service.deliver(job)
    assert (report.outcome, report.reason) == ("undeliverable", "outside_window")
    assert h.sender.calls == 0


def test_nothing_goes_to_a_customer_who_opted_out(h: Harness) -> None:
    h.customer(opted_out=True)
    job = h.reply("Te recordamos tu cita de mañana.", kind="fallback")

    report = h.service.deliver(job)

    assert (report.outcome, report.reason) == ("undeliverable", "opted_out")
    assert h.sender.calls == 0
    assert [r.status for r in h.store.parts_of("turn-1")] == ["undeliverable"]


def test_an_opt_out_s_confirmation_is_the_one_text_an_opted_out_customer_gets(h: Harness) -> None:
    h.customer(opted_out=True)  # the processor recorded the written opt-out before queueing it
    job = h.reply("Hecho: te hemos dado de baja…", kind="opt_out", job_id="turn-1#reply")

    report = h.service.deliver(job)

    assert (report.outcome, report.sent) == ("sent", 1)
    assert [r.status for r in h.store.parts_of("turn-1")] == ["sent"]
    # Anything else to them afterwards is refused, as before.
    later = h.service.deliver(h.reply("¿Algo más?", job_id="turn-2#reply", turn_id="turn-2"))
    assert (later.outcome, later.reason) == ("undeliverable", "opted_out")


def test_an_empty_text_is_not_sent(h: Harness) -> None:
    h.customer()
    job = OutboundJob(job_id="ack-1", kind="reply", conversation=str(ConversationKey(APP, CUSTOMER)))
    report = h.service.deliver(job)
    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "no_text", 0)


def test_an_unknown_app_is_dropped(h: Harness) -> None:
    job = OutboundJob(job_id="j", kind="reply", conversation=str(ConversationKey("OtraApp", CUSTOMER)), text="hola")
    assert h.service.deliver(job).outcome == "unknown_app"
    assert h.sender.calls == 0


def test_a_long_text_goes_out_as_ordered_parts_each_with_its_row(h: Harness) -> None:
    h.customer()
    text = _long_text()
    job = h.reply(text, turn_id="turn-9", job_id="turn-9#reply")

    report = h.service.deliver(job)

    assert report.outcome == "sent" and report.parts == len(h.sender.sent) == 3
    texts = [s.text or "" for s in h.sender.sent]
    assert all(len(t) <= WHATSAPP_TEXT_LIMIT for t in texts)
    assert "\n\n".join(texts) == text  # cut at paragraph boundaries, nothing lost, in order
    rows = h.store.parts_of("turn-9")
    assert [r.part_index for r in rows] == [0, 1, 2]
    assert [r.text for r in rows] == texts  # one row per part, each with its own text
    assert [r.provider_message_id for r in rows] == ["gs-1", "gs-2", "gs-3"]
    assert {r.status for r in rows} == {"sent"}


def test_a_job_without_a_turn_keys_its_rows_by_its_own_id(h: Harness) -> None:
    h.customer()
    job = OutboundJob(
        job_id="ops-7", kind="fallback", conversation=str(ConversationKey(APP, CUSTOMER)), text=_long_text()
    )
    report = h.service.deliver(job)
    rows = h.store.parts_of("ops-7")  # the job id is the turn
    assert report.outcome == "sent" and len(rows) == 3
    assert [r.status for r in rows] == ["sent"] * 3


def test_transient_errors_are_retried_with_backoff(h: Harness) -> None:
    h.customer()
    h.sender.fail_next(transient(500), transient(429), GupshupError("rate limit", transient=True, status=200))

    report = h.service.deliver(h.reply("hola"))

    assert (report.outcome, report.sent, report.http_calls) == ("sent", 1, 4)
    assert len(report.delays) == 3 and report.delays == h.slept
    assert all(0 <= d <= cap for d, cap in zip(report.delays, [0.5, 1.0, 2.0], strict=True))


def test_when_retries_run_out_the_job_raises_and_nothing_is_recorded_as_done(h: Harness) -> None:
    h.customer()
    h.sender.fail_next(*[transient()] * 4)
    job = h.reply("hola")

    with pytest.raises(GupshupError):
        h.service.deliver(job)

    assert h.sender.calls == 4
    assert h.service.last_report is not None and h.service.last_report.outcome == "failed"
    assert [r.status for r in h.store.parts_of("turn-1")] == ["queued"]
    assert h.idempotency.done == {}  # a redelivery will try again
    report = h.service.deliver(job)  # SQS delivers it again
    assert report.outcome == "sent" and len(h.sender.sent) == 1


def test_a_permanent_error_is_recorded_and_not_retried(h: Harness) -> None:
    h.customer()
    h.sender.fail_next(permanent("Invalid Destination"))
    job = h.reply("hola")

    report = h.service.deliver(job)

    assert (report.outcome, report.reason, report.rejected, report.http_calls) == ("undeliverable", "rejected", 1, 1)
    assert report.delays == []
    (row,) = h.store.parts_of("turn-1")
    assert row.status == "undeliverable" and "Invalid Destination" in (row.error or "")
    assert h.service.deliver(job).outcome == "duplicate"  # done: a redelivery sends nothing


def test_a_part_refused_for_good_stops_the_parts_after_it(h: Harness) -> None:
    h.customer()
    job = h.reply(_long_text(), turn_id="turn-2", job_id="turn-2#reply")
    h.sender.fail_next()  # part 1 goes
    original = h.sender._answer
    calls = {"n": 0}

    def second_refused(message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            h.sender.calls += 1
            raise permanent("Message text too long")
        return original(message)

    h.sender._answer = second_refused  # type: ignore[method-assign]
    report = h.service.deliver(job)

    assert (report.outcome, report.sent, report.rejected) == ("partially_sent", 1, 1)
    assert [r.status for r in h.store.parts_of("turn-2")] == ["sent", "undeliverable", "undeliverable"]


def test_a_retry_after_part_1_of_3_does_not_resend_part_1(h: Harness) -> None:
    h.customer()
    job = h.reply(_long_text(), turn_id="turn-3", job_id="turn-3#reply")
    original = h.sender._answer
    calls = {"n": 0}

    def part_two_down(message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if 2 <= calls["n"] <= 5:  # part 2: every attempt of this invocation fails
            h.sender.calls += 1
            raise transient(503)
        return original(message)

    h.sender._answer = part_two_down  # type: ignore[method-assign]
    with pytest.raises(GupshupError):
        h.service.deliver(job)
    assert len(h.sender.sent) == 1

    report = h.service.deliver(job)  # SQS redelivers the job

    assert (report.outcome, report.skipped, report.sent) == ("sent", 1, 2)
    assert [s.text for s in h.sender.sent] == [r.text for r in h.store.parts_of("turn-3")]
    assert len(h.sender.sent) == 3  # part 1 once, then parts 2 and 3


def test_a_job_delivered_twice_sends_once(h: Harness) -> None:
    h.customer()
    job = h.reply("hola")
    assert h.service.deliver(job).outcome == "sent"
    again = h.service.deliver(job)
    assert (again.outcome, again.http_calls) == ("duplicate", 0)
    assert len(h.sender.sent) == 1


def test_no_attempt_starts_without_time_for_it(h: Harness) -> None:
    h.customer()
    with pytest.raises(OutOfTimeError):
        h.service.deliver(h.reply("hola"), remaining=lambda: RESERVE_SECONDS + MIN_ATTEMPT_SECONDS - 0.1)
    assert h.sender.calls == 0


def test_each_attempt_gets_at_most_the_time_left(h: Harness) -> None:
    h.customer()
    h.service.deliver(h.reply("hola"), remaining=lambda: 5.0)
    assert h.sender.sent[0].timeout == pytest.approx(5.0 - RESERVE_SECONDS)
    h.service.deliver(h.reply("otra", job_id="turn-2#reply", turn_id="turn-2"), remaining=lambda: 60.0)
    assert h.sender.sent[1].timeout == h.sender.timeout


def test_no_backoff_wait_runs_past_the_invocation(h: Harness) -> None:
    h.customer()
    slept: list[float] = []
    h.service.retry = RetryPolicy(attempts=6, base_seconds=2.0, cap_seconds=4.0, sleep=slept.append, rng=Random(3))
    unbounded = RetryPolicy(attempts=6, base_seconds=2.0, cap_seconds=4.0, rng=Random(3))
    assert sum(unbounded.backoff(a) for a in range(5)) > 5.0  # the waits alone would outlast the budget
    h.sender.fail_next(*[transient()] * 6)
    budget = 5.0

    with pytest.raises(GupshupError):
        h.service.deliver(h.reply("hola"), remaining=lambda: budget - sum(slept))  # the clock moves as we wait

    assert slept  # it did retry...
    assert budget - sum(slept) >= RESERVE_SECONDS + MIN_ATTEMPT_SECONDS  # ...but never waited into the reserve
