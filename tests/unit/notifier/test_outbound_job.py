"""OutboundJob's staff kinds (the console's jobs): what each needs, their ids, and older kinds unchanged."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError

from receptionist.messages import OutboundJob

CONVERSATION = "ClinicaSonrisa#34600300001"
AUTHOR = "ana@clinica.example"


def test_a_human_reply_gets_a_fresh_human_id_unless_given_one() -> None:
    first = OutboundJob.for_human_reply(CONVERSATION, "Hola, soy Ana.", AUTHOR)
    second = OutboundJob.for_human_reply(CONVERSATION, "Hola, soy Ana.", AUTHOR)

    assert re.fullmatch(r"human#[0-9a-f]{32}", first.job_id)
    assert first.job_id != second.job_id  # two messages, even with the same words
    assert (first.kind, first.conversation, first.text, first.author) == (
        "human_reply",
        CONVERSATION,
        "Hola, soy Ana.",
        AUTHOR,
    )
    assert first.sent_by == f"staff:{AUTHOR}" and first.turn_id is None
    given = OutboundJob.for_human_reply(CONVERSATION, "Hola", AUTHOR, job_id="human#console-1")
    assert given.job_id == "human#console-1"


def test_a_human_template_carries_its_id_params_and_preview() -> None:
    params = ["Lucía"]
    job = OutboundJob.for_human_template(
        CONVERSATION, "retomar_conversacion", params, "Hola Lucía, retomamos tu consulta.", AUTHOR
    )
    params.append("changed later")  # the job keeps its own copy

    assert re.fullmatch(r"human#[0-9a-f]{32}", job.job_id)
    assert (job.kind, job.template_id, job.params, job.text, job.sent_by) == (
        "human_template",
        "retomar_conversacion",
        ["Lucía"],
        "Hola Lucía, retomamos tu consulta.",
        f"staff:{AUTHOR}",
    )


def test_staff_jobs_survive_the_queue() -> None:
    for job in (
        OutboundJob.for_human_reply(CONVERSATION, "Hola", AUTHOR),
        OutboundJob.for_human_template(CONVERSATION, "recordatorio_cita", ["Lucía", "martes"], "…", AUTHOR),
    ):
        assert OutboundJob.model_validate_json(job.model_dump_json()) == job


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "human_reply", "author": AUTHOR}, "human_reply job needs its text"),
        ({"kind": "human_reply", "author": AUTHOR, "text": "  \n"}, "human_reply job needs its text"),
        ({"kind": "human_reply", "text": "Hola"}, "needs its author"),
        ({"kind": "human_template", "author": AUTHOR, "text": "Hola"}, "human_template job needs its template_id"),
        ({"kind": "human_template", "author": AUTHOR, "template_id": ""}, "needs its template_id"),
        ({"kind": "human_template", "template_id": "retomar_conversacion"}, "needs its author"),
        ({"kind": "status"}, "status job needs its status"),
    ],
)
def test_each_kind_is_refused_without_what_it_needs(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OutboundJob(job_id="human#1", conversation=CONVERSATION, **fields)  # type: ignore[arg-type]


def test_a_template_job_needs_no_text_and_defaults_to_no_params() -> None:
    job = OutboundJob(
        job_id="human#2", kind="human_template", conversation=CONVERSATION, template_id="t", author=AUTHOR
    )
    assert job.params == [] and job.text is None


def test_older_kinds_are_unchanged() -> None:
    reply = OutboundJob.for_reply(CONVERSATION, "wamid.T1", "Hola")
    escalation = OutboundJob.for_escalation(CONVERSATION, "wamid.T1", 0, "Dolor")
    assert (reply.job_id, reply.kind, reply.turn_id, reply.sent_by) == ("wamid.T1#reply", "reply", "wamid.T1", None)
    assert (escalation.job_id, escalation.sent_by) == ("wamid.T1#escalation#0", None)
    # A reply as an older producer wrote it (no new fields) still parses; keys a newer producer
    # adds are ignored.
    old = OutboundJob.model_validate_json(
        json.dumps({"job_id": "t#reply", "kind": "reply", "conversation": CONVERSATION, "text": "Hola", "later": 1})
    )
    assert (old.author, old.template_id, old.params) == (None, None, [])
    # A reply with an author set is still the assistant's: only staff kinds are sent by staff.
    assert reply.model_copy(update={"author": AUTHOR}).sent_by is None
