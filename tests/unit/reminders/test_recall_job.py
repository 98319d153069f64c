"""A recall's job and why a claimed recall is not sent (pure parts of receptionist.reminders.recalls)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from receptionist.crm.recalls import Recall, RecallContent
from receptionist.reminders.recalls import recall_job, unsendable

RECALL = Recall("3f6a1b7e-0c1d-4e2f-8a9b-0c1d2e3f4a5b", "org", "contact", "svc", date(2027, 6, 1), "t" * 32,
                "claimed", datetime(2027, 6, 1, 9, tzinfo=UTC))  # fmt: skip
CONTENT = RecallContent(
    organization_id="org",
    business="Clínica Sonrisa",
    app_name="ClinicaSonrisa",
    customer_number="34600111222",
    customer_name=None,
    service="Limpieza dental",
    last_visit=datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
    language="es",
    timezone="Europe/Madrid",
    enabled=True,
    template_id="vuelve",
    template_params=["customer_name", "service", "last_visit", "business"],
    template_body="Hola {{1}}: tu {{2}} (última visita {{3}}) toca en {{4}}.",
    template_usable=True,
    consented=True,
    booked=False,
    no_show=False,
)


def test_the_job_is_an_offer_with_both_buttons_and_the_rendered_text() -> None:
    job = recall_job(RECALL, CONTENT)
    assert (job.kind, job.job_id, job.offer_ref) == ("offer", f"offer#recall:{RECALL.id}", f"recall:{RECALL.id}")
    assert job.conversation == "ClinicaSonrisa#34600111222"
    # No name on file: the number; the last visit is the local day (00:30 on the 2nd in Madrid).
    assert job.params == ["+34600111222", "Limpieza dental", "02/12/2026", "Clínica Sonrisa"]
    assert job.postbacks == [f"recall:{'t' * 32}:book", f"recall:{'t' * 32}:no"]
    assert job.text == "Hola +34600111222: tu Limpieza dental (última visita 02/12/2026) toca en Clínica Sonrisa."
    assert recall_job(RECALL, CONTENT).job_id == job.job_id  # re-sent: the same job


def test_a_body_that_does_not_fit_its_values_is_previewed_by_id() -> None:
    job = recall_job(RECALL, replace(CONTENT, template_body="Hola {{1}}."))
    assert job.text == "[template vuelve] +34600111222 | Limpieza dental | 02/12/2026 | Clínica Sonrisa"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"enabled": False}, "disabled"),
        ({"consented": False}, "no_consent"),
        ({"booked": True}, "not_due"),
        ({"no_show": True}, "not_due"),
        ({"template_usable": False}, "no_template"),
        ({"template_id": None}, "no_template"),
        ({"app_name": ""}, "no_app"),
    ],
)
def test_why_a_claim_is_not_sent(change: dict[str, object], reason: str) -> None:
    assert unsendable(replace(CONTENT, **change)) == reason  # type: ignore[arg-type]


def test_a_sendable_claim_and_a_gone_one() -> None:
    assert unsendable(CONTENT) is None
    assert unsendable(None) == "gone"
