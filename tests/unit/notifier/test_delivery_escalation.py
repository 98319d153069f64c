"""Escalations: the template to every staff number, parameters in the configured order. (The bot
was switched off by the processor when it recorded the escalation: the notifier leaves it.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from delivery_kit import APP, CUSTOMER, ORG, STAFF, Harness, permanent, transient

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.crm.models import NotificationSettings
from receptionist.messages import OutboundJob
from receptionist.notifier.service import escalation_params


def _escalation(job_id: str = "turn-1#escalation#0", **kw: object) -> OutboundJob:
    fields: dict[str, object] = {"reason": "Dolor fuerte en una muela", "turn_id": "turn-1"}
    fields.update(kw)
    return OutboundJob(job_id=job_id, kind="escalation", conversation=str(ConversationKey(APP, CUSTOMER)), **fields)  # type: ignore[arg-type]


def test_every_staff_number_gets_the_template(h: Harness) -> None:
    h.customer(bot_enabled=False, last_inbound=timedelta(days=5))  # templates need no window

    report = h.service.deliver(_escalation())

    assert (report.outcome, report.parts, report.sent, report.http_calls) == ("sent", 3, 3, 3)
    assert [s.destination for s in h.sender.sent] == STAFF
    assert {s.kind for s in h.sender.sent} == {"template"}
    assert {s.template_id for s in h.sender.sent} == {"escalation_notice"}
    assert all(s.params == ["Lucía", "+34600111222", "Dolor fuerte en una muela"] for s in h.sender.sent)
    assert h.store.identities[(ORG, CUSTOMER)].bot_enabled is False  # untouched


def test_parameters_follow_the_configured_order(h: Harness) -> None:
    h.customer()
    names = ["reason", "customer_number", "customer_name"]
    h.store.settings[ORG] = NotificationSettings(["34699000001"], "aviso_v2", names)
    h.service.deliver(_escalation())
    assert h.sender.sent[0].params == ["Dolor fuerte en una muela", "+34600111222", "Lucía"]
    assert h.sender.sent[0].template_id == "aviso_v2"


def test_missing_values_fall_back_and_params_are_one_line() -> None:
    params = escalation_params(
        ["customer_name", "customer_number", "reason", "appointment"],
        customer_number="34600111222",
        customer_name=None,
        reason="Quiere hablar\ncon\tuna     persona ",
    )
    assert params == ["+34600111222", "+34600111222", "Quiere hablar con una persona", "-"]


def test_the_customer_name_comes_from_the_identity(h: Harness) -> None:
    h.customer(name="Marta")
    h.service.deliver(_escalation())
    assert h.sender.sent[0].params is not None and h.sender.sent[0].params[0] == "Marta"


def test_an_escalation_for_an_unknown_customer_still_reaches_staff(h: Harness) -> None:
    report = h.service.deliver(_escalation())
    assert report.outcome == "sent" and h.sender.sent[0].params == [
        "+34600111222",
        "+34600111222",
        "Dolor fuerte en una muela",
    ]
    assert (ORG, CUSTOMER) not in h.store.identities  # the notifier creates no identity


def test_staff_are_notified_even_when_the_customer_opted_out(h: Harness) -> None:
    h.customer(opted_out=True)
    assert h.service.deliver(_escalation()).sent == 3


def test_one_staff_number_refused_for_good_does_not_stop_the_others(h: Harness) -> None:
    h.customer()
    h.sender.fail_for[STAFF[1]] = permanent("Invalid Destination")

    report = h.service.deliver(_escalation())

    assert (report.outcome, report.sent, report.rejected, report.reason) == ("partially_sent", 2, 1, "rejected")
    assert [s.destination for s in h.sender.sent] == [STAFF[0], STAFF[2]]
    assert h.sender.calls == 3  # the refusal was not retried


def test_a_transient_failure_for_one_staff_number_retries_only_that_one(h: Harness) -> None:
    h.customer()
    h.sender.fail_for[STAFF[0]] = transient(503)

    with pytest.raises(GupshupError):
        h.service.deliver(_escalation())
    assert [s.destination for s in h.sender.sent] == STAFF[1:]  # the others were not held back

    del h.sender.fail_for[STAFF[0]]
    report = h.service.deliver(_escalation())  # SQS redelivers the job

    assert (report.outcome, report.sent, report.skipped) == ("sent", 1, 2)
    assert sorted(s.destination for s in h.sender.sent) == sorted(STAFF)


def test_staff_numbers_listed_twice_are_notified_once(h: Harness) -> None:
    h.customer()
    h.store.settings[ORG] = NotificationSettings([STAFF[0], STAFF[0]], "escalation_notice", ["reason"])
    assert h.service.deliver(_escalation()).sent == 1


@pytest.mark.parametrize(
    "settings",
    [NotificationSettings([], "escalation_notice", ["reason"]), NotificationSettings(STAFF, None, ["reason"])],
)
def test_without_staff_or_template_nothing_is_sent(h: Harness, settings: NotificationSettings) -> None:
    h.customer()
    h.store.settings[ORG] = settings
    report = h.service.deliver(_escalation())
    assert (report.outcome, h.sender.calls) == ("not_configured", 0)


def test_an_escalation_delivered_twice_notifies_once(h: Harness) -> None:
    h.customer()
    h.service.deliver(_escalation())
    assert h.service.deliver(_escalation()).outcome == "duplicate"
    assert len(h.sender.sent) == 3


def test_a_gupshup_key_reference_outside_its_prefix_is_never_read(h: Harness) -> None:
    from dataclasses import replace

    h.service.key_prefix = "/receptionist/dev/gupshup/"
    h.customer()
    for ref in ("/receptionist/dev/database-url", "/receptionist/dev/gupshup/../openai-api-key"):
        org = h.store.orgs[APP]
        h.store.orgs[APP] = replace(org, connection=replace(org.connection, api_key_ref=ref))
        report = h.service.deliver(_escalation(job_id=f"j-{ref}"))
        assert (report.outcome, report.reason) == ("not_configured", "gupshup_key_ref")
    assert h.keys_read == [] and h.sender.calls == 0


def test_a_conversation_assigned_to_someone_with_their_own_number_notifies_them_alone(h: Harness) -> None:
    """Escalations have an owner (issue 27, point 6): the assignee's own WhatsApp number."""
    identity = h.customer(bot_enabled=False)
    h.store.assignees[identity.id] = "34611222333"
    report = h.service.deliver(_escalation())
    assert (report.outcome, report.parts) == ("sent", 1)
    assert [s.destination for s in h.sender.sent] == ["34611222333"]


def test_unassigned_or_an_assignee_without_a_number_every_staff_number(h: Harness) -> None:
    h.customer(bot_enabled=False)  # nobody in assignees: nobody took it, or they gave no number
    h.service.deliver(_escalation())
    assert [s.destination for s in h.sender.sent] == STAFF
