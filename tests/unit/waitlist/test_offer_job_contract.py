"""The outbound job kind "offer" (messages.OutboundJob.for_offer): what the notifier gets from the
waitlist's offer pass (and the recalls' pass)."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from receptionist.messages import Choice, OutboundJob

CONVERSATION = "App1#34600000001"


def test_a_template_offer_names_its_row_and_carries_its_quick_replies() -> None:
    ref = f"waitlist:{uuid.uuid4()}"
    job = OutboundJob.for_offer(
        CONVERSATION, ref, text="preview", template_id="tpl", params=["Lucía"], postbacks=["waitlist:t:accept"]
    )
    assert job.job_id == f"offer#{ref}" and job.kind == "offer"
    assert (job.offer_kind, job.offer_id) == ("waitlist", ref.split(":", 1)[1])
    again = OutboundJob.model_validate_json(job.model_dump_json())
    assert again == job


def test_a_session_offer_carries_reply_buttons() -> None:
    ref = f"recall:{uuid.uuid4()}"
    job = OutboundJob.for_offer(
        CONVERSATION, ref, text="¿Lo quieres?", choices=[Choice(id="recall:t:book", title="Sí")]
    )
    assert job.offer_kind == "recall" and job.template_id is None and job.choices[0].id == "recall:t:book"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"offer_ref": "waitlist:not-an-id", "text": "x", "choices": [Choice(id="a", title="A")]},
        {"offer_ref": "other:" + str(uuid.uuid4()), "text": "x", "choices": [Choice(id="a", title="A")]},
        {"text": "x", "choices": []},  # a session offer without buttons
        {"text": " ", "choices": [Choice(id="a", title="A")]},  # without text
        {"text": "x", "template_id": "tpl", "postbacks": []},  # a template without quick replies
        {"text": "x", "template_id": "tpl", "postbacks": ["a", "b", "c", "d"]},  # more than WhatsApp allows
        {"text": "x", "template_id": "tpl", "postbacks": ["a"], "choices": [Choice(id="a", title="A")]},  # both
    ],
)
def test_an_offer_that_could_not_be_sent_is_refused(kwargs: dict[str, object]) -> None:
    ref = kwargs.pop("offer_ref", f"waitlist:{uuid.uuid4()}")
    with pytest.raises(ValidationError):
        OutboundJob.for_offer(CONVERSATION, str(ref), **kwargs)  # type: ignore[arg-type]
