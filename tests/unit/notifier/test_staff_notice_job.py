"""OutboundJob kind staff_notice (messages.py): organization-scoped, a short text, its id
derived from its cause, its own FIFO group; what every other kind needs is unchanged."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from receptionist.messages import STAFF_NOTICE_CHARS, OutboundJob, fifo_id

ORG = "00000000-0000-4000-8000-00000000abcd"


def test_a_staff_notice_names_its_business_and_its_cause() -> None:
    job = OutboundJob.for_staff_notice(ORG, "calendar-broken#c1#first", "El calendario se desconectó.")
    again = OutboundJob.for_staff_notice(ORG, "calendar-broken#c1#first", "El calendario se desconectó.")

    assert (job.kind, job.organization_id, job.conversation) == ("staff_notice", ORG, "")
    assert job.job_id == again.job_id == "staff_notice#calendar-broken#c1#first"
    assert job.group == fifo_id(f"staff#{ORG}")
    assert OutboundJob.model_validate_json(job.model_dump_json()) == job


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "Aviso"}, "organization_id"),
        ({"organization_id": ORG}, "text"),
        ({"organization_id": ORG, "text": "   "}, "text"),
        ({"organization_id": ORG, "text": "x" * (STAFF_NOTICE_CHARS + 1)}, "text"),
    ],
)
def test_a_staff_notice_without_its_business_or_a_short_text_is_refused(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OutboundJob(job_id="staff_notice#x", kind="staff_notice", **fields)  # type: ignore[arg-type]


def test_every_other_kind_still_needs_its_conversation() -> None:
    with pytest.raises(ValidationError, match="conversation"):
        OutboundJob(job_id="t#reply", kind="reply", text="Hola")
    reply = OutboundJob.for_reply("ClinicaSonrisa#34600000001", "t", "Hola")
    assert reply.group == "ClinicaSonrisa#34600000001"
