"""What staff write to a customer from the console: human_reply (a text, as a reply) and
human_template (an approved template, also outside the 24-hour window). Rows carry sent_by."""

from __future__ import annotations

from datetime import timedelta

import pytest
from delivery_kit import APP, BUSINESS, Harness, permanent, transient

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.messages import OutboundJob
from receptionist.notifier.splitting import WHATSAPP_TEXT_LIMIT

AUTHOR = "ana@clinica.example"


def _long_text() -> str:
    """Ten paragraphs over 10,000 characters: three parts."""
    return "\n\n".join(
        " ".join(f"Párrafo {p}, frase {i}: le escribe recepción sobre su tratamiento." for i in range(16))
        for p in range(10)
    )


def _reply(number: str, text: str, job_id: str | None = None) -> OutboundJob:
    return OutboundJob.for_human_reply(str(ConversationKey(APP, number)), text, AUTHOR, job_id=job_id)


def _template(number: str, params: list[str], job_id: str | None = None) -> OutboundJob:
    return OutboundJob.for_human_template(
        str(ConversationKey(APP, number)),
        "retomar_conversacion",
        params,
        f"Hola {params[0] if params else ''}, retomamos su consulta.",
        AUTHOR,
        job_id=job_id,
    )


# -- human_reply -----------------------------------------------------------------------------------
def test_a_human_reply_goes_out_in_parts_each_row_saying_who_wrote_it(h: Harness) -> None:
    number = "34600200001"
    h.customer(number, bot_enabled=False)  # a person took the conversation over
    text = _long_text()
    job = _reply(number, text)

    report = h.service.deliver(job)

    assert (report.kind, report.outcome, report.parts, report.sent) == ("human_reply", "sent", 3, 3)
    sent = h.sender.sent
    assert [(s.kind, s.destination) for s in sent] == [("text", number)] * 3
    assert all(len(s.text or "") <= WHATSAPP_TEXT_LIMIT for s in sent)
    assert "\n\n".join(s.text or "" for s in sent) == text  # in order, nothing lost
    assert sent[0].app.app_name == APP and sent[0].app.source_number == BUSINESS
    rows = h.store.parts_of(job.job_id)  # keyed by the job's id: a staff text has no turn
    assert [r.part_index for r in rows] == [0, 1, 2]
    assert [r.text for r in rows] == [s.text for s in sent]
    assert {(r.status, r.kind, r.sent_by) for r in rows} == {("sent", "text", f"staff:{AUTHOR}")}
    assert [r.provider_message_id for r in rows] == ["gs-1", "gs-2", "gs-3"]


def test_a_human_reply_never_lands_on_a_bot_turns_rows(h: Harness) -> None:
    number = "34600200002"
    h.customer(number)
    bot = h.reply("Respuesta del asistente", turn_id="turn-7", job_id="turn-7#reply")
    assert (
        h.service.deliver(bot.model_copy(update={"conversation": str(ConversationKey(APP, number))})).outcome == "sent"
    )
    human = OutboundJob(
        job_id="human#abc",
        kind="human_reply",
        conversation=str(ConversationKey(APP, number)),
        text="Respuesta de Ana",
        author=AUTHOR,
        turn_id="turn-7",  # even when a producer sets a turn, the rows are the job's own
    )

    assert h.service.deliver(human).outcome == "sent"

    (bot_row,) = h.store.parts_of("turn-7")
    (human_row,) = h.store.parts_of("human#abc")
    assert (bot_row.text, bot_row.sent_by) == ("Respuesta del asistente", None)
    assert (human_row.text, human_row.sent_by, human_row.status) == ("Respuesta de Ana", f"staff:{AUTHOR}", "sent")
    assert [s.text for s in h.sender.sent] == ["Respuesta del asistente", "Respuesta de Ana"]


@pytest.mark.parametrize("last_inbound", [timedelta(hours=24), timedelta(days=5)])
def test_a_human_reply_outside_the_window_is_kept_as_undeliverable(h: Harness, last_inbound: timedelta) -> None:
    number = "34600200003"
    h.customer(number, last_inbound=last_inbound)
    job = _reply(number, "¿Sigue interesado en la cita?")

    report = h.service.deliver(job)

    assert (report.outcome, report.reason, report.http_calls) == ("undeliverable", "outside_window", 0)
    assert h.sender.sent == [] and h.keys_read == []
    (row,) = h.store.parts_of(job.job_id)
    assert (row.status, row.text, row.sent_by) == ("undeliverable", "¿Sigue interesado en la cita?", f"staff:{AUTHOR}")
    assert "24-hour" in (row.error or "")


def test_a_human_reply_to_a_customer_who_never_wrote_sends_nothing(h: Harness) -> None:
    report = h.service.deliver(_reply("34600200004", "Hola"))
    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "outside_window", 0)
    assert h.store.rows == {}


def test_a_human_reply_to_a_customer_who_opted_out_is_refused(h: Harness) -> None:
    number = "34600200005"
    h.customer(number, opted_out=True)
    job = _reply(number, "Le esperamos mañana.")

    report = h.service.deliver(job)

    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "opted_out", 0)
    (row,) = h.store.parts_of(job.job_id)
    assert (row.status, row.sent_by) == ("undeliverable", f"staff:{AUTHOR}")
    assert "opted out" in (row.error or "")


def test_a_redelivered_human_reply_sends_nothing_twice(h: Harness) -> None:
    number = "34600200006"
    h.customer(number)
    job = _reply(number, _long_text())
    original = h.sender._answer
    calls = {"n": 0}

    def part_two_down(message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if 2 <= calls["n"] <= 5:  # every attempt at part 2 in this invocation fails
            h.sender.calls += 1
            raise transient(503)
        return original(message)

    h.sender._answer = part_two_down  # type: ignore[method-assign]
    with pytest.raises(GupshupError):
        h.service.deliver(job)
    assert len(h.sender.sent) == 1

    again = h.service.deliver(job)  # SQS delivers it again: parts 2 and 3 only
    assert (again.outcome, again.skipped, again.sent) == ("sent", 1, 2)
    last = h.service.deliver(job)  # and once more, after it completed: nothing
    assert (last.outcome, last.http_calls) == ("duplicate", 0)
    assert [s.text for s in h.sender.sent] == [r.text for r in h.store.parts_of(job.job_id)]
    assert len(h.store.parts_of(job.job_id)) == 3


# -- human_template --------------------------------------------------------------------------------
@pytest.mark.parametrize("last_inbound", [timedelta(days=3), None])
def test_a_human_template_goes_out_with_its_params_outside_the_window(
    h: Harness, last_inbound: timedelta | None
) -> None:
    number = "34600200007"
    h.customer(number, last_inbound=last_inbound, bot_enabled=False)
    job = _template(number, ["Lucía"])

    report = h.service.deliver(job)

    assert (report.kind, report.outcome, report.parts, report.sent, report.http_calls) == (
        "human_template",
        "sent",
        1,
        1,
        1,
    )
    (sent,) = h.sender.sent
    assert (sent.kind, sent.destination, sent.template_id, sent.params) == (
        "template",
        number,  # the customer, not staff
        "retomar_conversacion",
        ["Lucía"],
    )
    assert (sent.app.app_name, sent.app.source_number, sent.app.api_key) == (APP, BUSINESS, "k-123")
    (row,) = h.store.parts_of(job.job_id)
    assert (row.kind, row.text, row.sent_by, row.status, row.provider_message_id) == (
        "template",
        "Hola Lucía, retomamos su consulta.",
        f"staff:{AUTHOR}",
        "sent",
        "gs-1",
    )
    assert row.template_id == "retomar_conversacion"  # its category prices it (docs/stats.md)


def test_template_params_are_flattened_as_whatsapp_requires(h: Harness) -> None:
    number = "34600200008"
    h.customer(number)
    job = _template(number, ["Lucía\nGarcía", "  martes\t10:00  ", ""])

    assert h.service.deliver(job).outcome == "sent"

    assert h.sender.sent[0].params == ["Lucía García", "martes 10:00", "-"]


def test_a_human_template_to_a_customer_who_opted_out_is_refused(h: Harness) -> None:
    number = "34600200009"
    h.customer(number, opted_out=True, last_inbound=timedelta(days=2))
    job = _template(number, ["Lucía"])

    report = h.service.deliver(job)

    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "opted_out", 0)
    assert h.keys_read == []
    (row,) = h.store.parts_of(job.job_id)
    assert (row.kind, row.status, row.sent_by) == ("template", "undeliverable", f"staff:{AUTHOR}")


def test_a_human_template_without_a_conversation_is_not_sent(h: Harness) -> None:
    report = h.service.deliver(_template("34600200010", ["Lucía"]))
    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "unknown_customer", 0)
    assert h.store.rows == {}


def test_a_redelivered_human_template_is_sent_once(h: Harness) -> None:
    number = "34600200011"
    h.customer(number)
    job = _template(number, ["Lucía"])
    h.sender.fail_next(*[transient()] * 4)  # this invocation's attempts all fail

    with pytest.raises(GupshupError):
        h.service.deliver(job)
    assert h.store.parts_of(job.job_id)[0].status == "queued" and h.sender.sent == []

    assert h.service.deliver(job).outcome == "sent"  # the redelivery
    again = h.service.deliver(job)
    assert (again.outcome, again.http_calls) == ("duplicate", 0)
    assert len(h.sender.sent) == 1 and len(h.store.parts_of(job.job_id)) == 1


def test_a_template_refused_for_good_is_recorded_and_not_retried(h: Harness) -> None:
    number = "34600200012"
    h.customer(number)
    h.sender.fail_next(permanent("Template Not Found"))
    job = _template(number, ["Lucía"])

    report = h.service.deliver(job)

    assert (report.outcome, report.reason, report.rejected, report.http_calls) == ("undeliverable", "rejected", 1, 1)
    (row,) = h.store.parts_of(job.job_id)
    assert row.status == "undeliverable" and "Template Not Found" in (row.error or "")
    assert h.service.deliver(job).outcome == "duplicate"


def test_staff_jobs_are_delivered_inside_their_organization(h: Harness) -> None:
    """The fake CRM fails any call outside acting_for (row level security): both kinds keep to it."""
    number = "34600200013"
    h.customer(number)
    assert h.service.deliver(_reply(number, "Hola")).outcome == "sent"
    assert h.service.deliver(_template(number, ["Lucía"])).outcome == "sent"
    assert h.store.acting == []
