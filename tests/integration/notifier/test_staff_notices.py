"""Staff notices (OutboundJob kind staff_notice: calendar/notices.py) through the real handler: the
business's staff numbers get the escalation template at the local Gupshup server, with the notice
as its reason, once per cause, whatever the 24-hour window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from notifier_kit import Notifier, sqs_record

from receptionist.calendar import notices


@pytest.fixture
def business(notifier: Notifier) -> dict[str, Any]:
    """A business of its own with two staff numbers (and no customer ever wrote: no window)."""
    org, app = str(uuid.uuid4()), f"Aviso{uuid.uuid4().hex[:10]}"
    staff = [f"3468{uuid.uuid4().int % 10**7:07d}" for _ in range(2)]
    db = notifier.db
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Org {app}"))
    db.execute("insert into agent_settings (organization_id) values (%s)", (org,))
    db.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000778', %s)",
        (org, app, "/receptionist/dev/gupshup/ClinicaSonrisa"),
    )
    db.execute(
        "insert into notification_settings (organization_id, staff_numbers, escalation_template_id,"
        " escalation_template_params) values (%s, %s, 'aviso_escalado', '{customer_name,reason,customer_number}')",
        (org, staff),
    )
    return {"org": org, "app": app, "staff": staff}


def test_a_broken_calendar_notice_reaches_every_staff_number_once(notifier: Notifier, business: dict[str, Any]) -> None:
    connection, granted = str(uuid.uuid4()), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    job = notices.connection_broken(business["org"], connection, granted, "Dra. Ruiz", "es")

    assert notifier.deliver(job) == []

    for number in business["staff"]:
        (sent,) = notifier.gupshup.sent_to(number)
        assert (sent.kind, sent.app, sent.source) == ("template", business["app"], "34910000778")
        assert sent.payload == {"id": "aviso_escalado", "params": ["Calendario", job.text, "-"]}
    assert job.text is not None and "Dra. Ruiz" in job.text and "consola" in job.text
    assert notifier.app.parts.service.last_report.outcome == "sent"

    # Redelivered, and the same cause queued again (the same job id): nobody is told twice.
    again = notices.connection_broken(business["org"], connection, granted, "Dra. Ruiz", "es")
    assert again.job_id == job.job_id
    assert notifier.invoke(sqs_record(job, receive_count=2), sqs_record(again)) == []
    assert all(len(notifier.gupshup.sent_to(n)) == 1 for n in business["staff"])
    recorded = notifier.db.fetch_all(
        "select send_key from staff_template_sends where organization_id = %s order by send_key", (business["org"],)
    )
    assert [r["send_key"] for r in recorded] == [f"{job.job_id}#staff#0", f"{job.job_id}#staff#1"]  # priced once


def test_a_conflict_notice_says_the_time_in_the_business_zone_and_no_customer(
    notifier: Notifier, business: dict[str, Any]
) -> None:
    job = notices.conflict(
        business["org"], str(uuid.uuid4()), "Dr. Soto", datetime(2026, 12, 10, 15, 0, tzinfo=UTC), "America/Lima", "es"
    )

    assert notifier.deliver(job) == []

    (sent,) = notifier.gupshup.sent_to(business["staff"][0])
    assert sent.payload["params"][1] == job.text
    assert job.text is not None and "el jueves 10 de diciembre a las 10:00" in job.text and "Dr. Soto" in job.text


def test_a_notice_for_a_business_without_staff_numbers_is_not_configured(
    notifier: Notifier, business: dict[str, Any]
) -> None:
    notifier.db.execute(
        "update notification_settings set staff_numbers = '{}' where organization_id = %s", (business["org"],)
    )
    job = notices.connection_broken(business["org"], str(uuid.uuid4()), datetime.now(UTC), "Dra. Ruiz", "es")

    assert notifier.deliver(job) == []

    assert notifier.app.parts.service.last_report.outcome == "not_configured"
    assert all(notifier.gupshup.sent_to(n) == [] for n in business["staff"])


def test_a_notice_for_a_business_with_no_active_app_is_dropped_as_unknown(
    notifier: Notifier, business: dict[str, Any]
) -> None:
    notifier.db.execute("update platform_connections set active = false where organization_id = %s", (business["org"],))
    job = notices.connection_broken(business["org"], str(uuid.uuid4()), datetime.now(UTC), "Dra. Ruiz", "es")

    assert notifier.deliver(job) == []

    assert notifier.app.parts.service.last_report.outcome == "unknown_app"
    assert all(notifier.gupshup.sent_to(n) == [] for n in business["staff"])
