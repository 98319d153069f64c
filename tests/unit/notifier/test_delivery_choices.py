"""A reply with choices: reply buttons for up to three short options, a list message otherwise,
plain text when the business turned it off, the reply is too long for an interactive body or
Gupshup refuses the interactive shape; its row and idempotency as for any reply."""

from __future__ import annotations

from dataclasses import replace

import pytest
from delivery_kit import APP, CUSTOMER, Harness, permanent, transient

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.messages import Choice
from receptionist.notifier.interactive import INTERACTIVE_BODY_CHARS, interactive_form, interactive_message

SLOTS = [
    Choice(id=f"slot|svc|mem|2031-03-04 1{i}:00", title=f"mar 04/03 1{i}:00 Ruiz", description="Limpieza dental")
    for i in range(6)
]
BODY = "El martes 4 tengo hueco a las 10:00, 11:00 y 12:00. ¿Cuál prefieres?"


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    message = interactive_message("turn-1#reply", BODY, SLOTS[:3])
    assert message == {
        "type": "quick_reply",
        "msgid": "turn-1#reply",
        "content": {"type": "text", "text": BODY},
        "options": [{"type": "text", "title": c.title, "postbackText": c.id} for c in SLOTS[:3]],
    }


def test_more_choices_or_a_long_title_make_a_list() -> None:
    message = interactive_message("x" * 300, BODY, SLOTS)
    assert message is not None and message["type"] == "list"
    assert (message["body"], message["title"], len(message["msgid"])) == (BODY, "", 128)
    assert message["globalButtons"] == [{"type": "text", "title": "Ver opciones"}]
    (section,) = message["items"]
    assert section["title"] == "Opciones"
    assert section["options"][0] == {
        "type": "text",
        "title": "mar 04/03 10:00 Ruiz",
        "description": "Limpieza dental",
        "postbackText": "slot|svc|mem|2031-03-04 10:00",
    }
    assert len(section["options"]) == 6
    long_title = [Choice(id="service|a", title="Blanqueamiento dental 2x")]  # 24 > 20: no button
    assert interactive_form(BODY, long_title) == "list"
    twins = [Choice(id="service|a", title="Limpieza"), Choice(id="service|b", title="Limpieza")]
    assert interactive_form(BODY, twins) == "list"  # WhatsApp refuses repeated button titles


def test_the_lists_button_and_section_are_in_the_customers_language() -> None:
    for locale, button, section in (("pt_BR", "Ver opções", "Opções"), ("en", "See options", "Options")):
        message = interactive_message("j", BODY, SLOTS, locale)
        assert message is not None and message["globalButtons"] == [{"type": "text", "title": button}]
        assert message["items"][0]["title"] == section


def test_a_customers_language_reaches_the_list(h: Harness) -> None:
    h.customer(language="pt_BR")  # a Brazilian customer of a Spanish business
    assert h.service.deliver(h.reply(BODY, choices=SLOTS)).outcome == "sent"
    (sent,) = h.sender.sent
    assert sent.message["globalButtons"] == [{"type": "text", "title": "Ver opções"}]
    assert sent.message["items"][0]["title"] == "Opções"


def test_no_choices_or_a_body_over_the_limit_is_plain_text() -> None:
    assert interactive_message("j", BODY, []) is None
    assert interactive_message("j", "x" * (INTERACTIVE_BODY_CHARS + 1), SLOTS) is None
    assert interactive_form("x" * INTERACTIVE_BODY_CHARS, SLOTS) == "list"


def test_a_reply_with_choices_goes_out_as_one_interactive_message_recorded_as_its_text(h: Harness) -> None:
    h.customer()
    job = h.reply(BODY, choices=SLOTS)

    report = h.service.deliver(job)

    assert (report.outcome, report.sent, report.form, report.http_calls) == ("sent", 1, "list", 1)
    (sent,) = h.sender.sent
    assert (sent.kind, sent.destination) == ("interactive", CUSTOMER)
    assert sent.message == interactive_message(job.job_id, BODY, SLOTS)
    (row,) = h.store.parts_of("turn-1")
    assert (row.text, row.status, row.provider_message_id) == (BODY, "sent", "gs-1")
    # Delivered again (SQS redelivery): nothing is sent twice.
    assert h.service.deliver(job).outcome == "duplicate"
    assert len(h.sender.sent) == 1


def test_a_transient_failure_is_retried_as_the_same_interactive_message(h: Harness) -> None:
    h.customer()
    h.sender.fail_next(transient(503))
    report = h.service.deliver(h.reply(BODY, choices=SLOTS[:2]))
    assert (report.outcome, report.form, report.http_calls) == ("sent", "buttons", 2)
    assert [s.kind for s in h.sender.sent] == ["interactive"]


def test_a_business_that_turned_interactive_replies_off_gets_plain_text(h: Harness) -> None:
    org = h.store.orgs[APP]
    h.store.orgs[APP] = replace(org, settings=replace(org.settings, interactive_replies=False))
    h.customer()

    report = h.service.deliver(h.reply(BODY, choices=SLOTS))

    assert (report.outcome, report.form) == ("sent", "text")
    (sent,) = h.sender.sent
    assert (sent.kind, sent.text, sent.message) == ("text", BODY, None)


def test_an_english_speaking_business_s_list_opens_with_english_labels(h: Harness) -> None:
    org = h.store.orgs[APP]
    h.store.orgs[APP] = replace(org, settings=replace(org.settings, language="en"))
    h.customer()

    h.service.deliver(h.reply("On Tuesday I have 10:00, 11:00 and more. Which one?", choices=SLOTS))

    (sent,) = h.sender.sent
    assert sent.message is not None and sent.message["globalButtons"] == [{"type": "text", "title": "See options"}]
    assert sent.message["items"][0]["title"] == "Options"


def test_a_reply_too_long_for_an_interactive_body_goes_out_as_text(h: Harness) -> None:
    h.customer()
    long = "Tenemos estos huecos. " * 60
    report = h.service.deliver(h.reply(long, choices=SLOTS))
    assert (report.outcome, report.form) == ("sent", "text")
    assert [s.kind for s in h.sender.sent] == ["text"]


def test_an_interactive_message_refused_for_good_is_sent_as_text_once(h: Harness) -> None:
    h.customer()
    h.sender.fail_next(permanent("Invalid list message"))
    job = h.reply(BODY, choices=SLOTS)

    report = h.service.deliver(job)

    assert (report.outcome, report.form, report.sent, report.rejected) == ("sent", "text", 1, 0)
    (sent,) = h.sender.sent
    assert (sent.kind, sent.text) == ("text", BODY)
    (row,) = h.store.parts_of("turn-1")
    assert row.status == "sent"


def test_a_reply_without_choices_is_plain_text_as_before(h: Harness) -> None:
    h.customer()
    report = h.service.deliver(h.reply(BODY))
    assert (report.outcome, report.form, h.sender.sent[0].kind) == ("sent", None, "text")


@pytest.mark.parametrize("error", [transient(500), GupshupError("down", transient=True)])
def test_transient_failures_that_last_fail_the_job_for_a_retry(h: Harness, error: GupshupError) -> None:
    h.customer()
    h.sender.fail_next(*([error] * 4))
    with pytest.raises(GupshupError):
        h.service.deliver(h.reply(BODY, choices=SLOTS))
    assert h.sender.sent == []
