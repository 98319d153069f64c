"""Kind "offer" (the waitlist's offer pass; recalls): a template with quick replies (also outside
the window) or, inside the window, a session message with reply buttons; the offer's row marked
sent or failed, also from a delivery status "failed" Gupshup reports later."""

from __future__ import annotations

from datetime import timedelta

from delivery_kit import APP, Harness, permanent, transient

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.messages import Choice, DeliveryStatus, OutboundJob

REF = "waitlist:7d0c1c52-52a4-4a0e-9d0f-0b8a4f0c0002"
POSTBACKS = ["waitlist:tok:accept", "waitlist:tok:decline"]
TEXT = "¡Hola Lucía! Se ha liberado un hueco: Limpieza con Ana el 04/12/2026 a las 10:30. ¿Lo quieres?"


def _session(number: str, text: str = TEXT) -> OutboundJob:
    choices = [Choice(id=POSTBACKS[0], title="Lo quiero"), Choice(id=POSTBACKS[1], title="No, gracias")]
    return OutboundJob.for_offer(str(ConversationKey(APP, number)), REF, text=text, choices=choices)


def _template(number: str) -> OutboundJob:
    return OutboundJob.for_offer(
        str(ConversationKey(APP, number)),
        REF,
        text="Hola Lucía, hay un hueco de Limpieza el 04/12/2026 a las 10:30.",
        template_id="hueco_libre",
        params=["Lucía", "Limpieza", "04/12/2026 a las 10:30"],
        postbacks=POSTBACKS,
    )


def test_inside_the_window_an_offer_goes_out_as_reply_buttons(h: Harness) -> None:
    number = "34600400001"
    h.customer(number, last_inbound=timedelta(hours=2))

    report = h.service.deliver(_session(number))

    assert (report.kind, report.outcome, report.form, report.sent) == ("offer", "sent", "buttons", 1)
    (sent,) = h.sender.sent
    assert sent.kind == "interactive" and sent.message is not None and sent.message["type"] == "quick_reply"
    assert [o["postbackText"] for o in sent.message["options"]] == POSTBACKS
    (row,) = h.store.parts_of(f"offer#{REF}")
    assert (row.status, row.text, row.sent_by) == ("sent", TEXT, None)
    assert h.store.offers == {REF: ("sent", None)}
    # Delivered once: the job again (a redelivery, a re-sent claim) sends nothing.
    assert h.service.deliver(_session(number)).outcome == "duplicate" and h.sender.calls == 1


def test_an_offer_template_goes_out_with_its_quick_replies_outside_the_window(h: Harness) -> None:
    number = "34600400002"
    h.customer(number, last_inbound=timedelta(days=4))

    report = h.service.deliver(_template(number))

    assert (report.outcome, report.sent) == ("sent", 1)
    (sent,) = h.sender.sent
    assert (sent.kind, sent.template_id, sent.postback_texts) == ("template", "hueco_libre", POSTBACKS)
    (row,) = h.store.parts_of(f"offer#{REF}")
    assert row.kind == "template" and row.status == "sent"
    assert h.store.offers == {REF: ("sent", None)}


def test_a_session_offer_is_never_sent_outside_the_window_nor_to_an_opted_out_customer(h: Harness) -> None:
    late, gone = "34600400003", "34600400004"
    h.customer(late, last_inbound=timedelta(hours=25))
    h.customer(gone, opted_out=True)
    assert h.service.deliver(_session(late)).reason == "outside_window"
    assert h.store.offers == {REF: ("failed", "notifier: outside_window")}
    h.store.offers.clear()
    h.idempotency.done.clear()
    assert h.service.deliver(_session(gone)).reason == "opted_out"
    assert h.store.offers == {REF: ("failed", "notifier: opted_out")}
    assert h.sender.calls == 0


def test_an_offer_too_long_for_buttons_is_not_sent_as_plain_text(h: Harness) -> None:
    number = "34600400005"
    h.customer(number)
    report = h.service.deliver(_session(number, text="x" * 1100))
    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "no_buttons", 0)
    assert h.store.offers[REF][0] == "failed"


def test_an_offer_refused_for_good_fails_and_a_transient_error_is_retried(h: Harness) -> None:
    number = "34600400006"
    h.customer(number)
    h.sender.fail_next(transient(503), permanent())
    report = h.service.deliver(_session(number))
    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "rejected", 2)
    assert h.store.offers == {REF: ("failed", "notifier: rejected")}


def test_a_transient_failure_to_the_end_leaves_the_offer_unmarked_for_sqs_to_retry(h: Harness) -> None:
    number = "34600400007"
    h.customer(number)
    h.sender.fail_next(*(transient() for _ in range(4)))
    try:
        h.service.deliver(_session(number))
    except GupshupError:
        pass
    else:  # pragma: no cover - the test's point
        raise AssertionError("a transient failure must raise so the record is retried")
    assert h.store.offers == {}


def test_a_delivery_failure_reported_later_marks_the_offer_failed(h: Harness) -> None:
    number = "34600400008"
    h.customer(number)
    h.service.deliver(_session(number))
    (row,) = h.store.parts_of(f"offer#{REF}")
    assert row.provider_message_id is not None
    failed = DeliveryStatus(
        provider_message_id=row.provider_message_id,
        state="failed",
        destination=number,
        occurred_at=1_795_420_801_000,
        error_code="1002",
        error_reason="Number does not exist on WhatsApp",
    )
    h.service.deliver(OutboundJob.for_status(str(ConversationKey(APP, number)), failed))
    assert h.store.offers == {REF: ("failed", "delivery: 1002")}
