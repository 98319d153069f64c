"""Staff writing from the console, end to end: human_reply and human_template jobs through the
real handler reach the local Gupshup server and are recorded with who wrote them (sent_by)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from notifier_kit import APP, ORG, Notifier, sqs_record

from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats
from receptionist.messages import OutboundJob

AUTHOR = "ana@clinica.example"


def test_a_human_reply_and_a_human_template_reach_gupshup_and_are_recorded(notifier: Notifier) -> None:
    in_window = notifier.customer()
    lapsed = notifier.customer(last_inbound=timedelta(days=3))  # only a template may reach them
    # A person took the first conversation over (the processor's escalation turned the bot off).
    chats.open_escalation(notifier.db, ORG, in_window.id, "Quiere hablar con una persona", f"t-{uuid.uuid4().hex}")
    reply = OutboundJob.for_human_reply(
        str(ConversationKey(APP, in_window.customer_number)), "Hola Lucía, soy Ana, de recepción.", AUTHOR
    )
    template = OutboundJob.for_human_template(
        str(ConversationKey(APP, lapsed.customer_number)),
        "retomar_conversacion",
        ["Lucía"],
        "Hola Lucía, te escribimos de Clínica Dental Sonrisa para retomar tu consulta. ¿Seguimos por aquí?",
        AUTHOR,
    )

    assert notifier.deliver(reply, template) == []

    (text,) = notifier.gupshup.sent_to(in_window.customer_number)
    assert (text.kind, text.app, text.source, text.text) == ("session", APP, "34910000001", reply.text)
    (sent_template,) = notifier.gupshup.sent_to(lapsed.customer_number)
    assert (sent_template.kind, sent_template.app, sent_template.source) == ("template", APP, "34910000001")
    assert sent_template.payload == {"id": "retomar_conversacion", "params": ["Lucía"]}

    (reply_row,) = notifier.rows(reply.job_id)  # keyed by the job's id
    assert (reply_row["status"], reply_row["provider_message_id"], reply_row["kind"], reply_row["sent_by"]) == (
        "sent",
        text.provider_id,
        "text",
        f"staff:{AUTHOR}",
    )
    (template_row,) = notifier.rows(template.job_id)
    assert (template_row["status"], template_row["provider_message_id"], template_row["kind"]) == (
        "sent",
        sent_template.provider_id,
        "template",
    )
    assert (template_row["processed_text"], template_row["sent_by"]) == (template.text, f"staff:{AUTHOR}")

    # Neither kind turns the bot on or off (the console does).
    assert notifier.identity(ORG, in_window.customer_number).bot_enabled is False
    assert notifier.identity(ORG, lapsed.customer_number).bot_enabled is True

    # Redelivered by SQS: nothing is sent twice.
    assert notifier.invoke(sqs_record(reply, receive_count=2), sqs_record(template, receive_count=2)) == []
    assert len(notifier.gupshup.sent_to(in_window.customer_number)) == 1
    assert len(notifier.gupshup.sent_to(lapsed.customer_number)) == 1


def test_staff_messages_keep_whatsapps_rules(notifier: Notifier) -> None:
    lapsed = notifier.customer(last_inbound=timedelta(days=2))
    opted_out = notifier.customer(opted_out=True)
    late_reply = OutboundJob.for_human_reply(str(ConversationKey(APP, lapsed.customer_number)), "¿Sigue ahí?", AUTHOR)
    refused_template = OutboundJob.for_human_template(
        str(ConversationKey(APP, opted_out.customer_number)), "retomar_conversacion", ["Lucía"], "Hola Lucía…", AUTHOR
    )

    assert notifier.deliver(late_reply, refused_template) == []

    # Nothing reached Gupshup for either (requests_to covers /msg and /template/msg).
    assert notifier.gupshup.requests_to(lapsed.customer_number) == []
    assert notifier.gupshup.requests_to(opted_out.customer_number) == []
    (late_row,) = notifier.rows(late_reply.job_id)
    assert (late_row["status"], late_row["sent_by"]) == ("undeliverable", f"staff:{AUTHOR}")
    assert "24-hour" in late_row["error"]
    (refused_row,) = notifier.rows(refused_template.job_id)
    assert (refused_row["status"], refused_row["kind"], refused_row["sent_by"]) == (
        "undeliverable",
        "template",
        f"staff:{AUTHOR}",
    )
    assert "opted out" in refused_row["error"]
