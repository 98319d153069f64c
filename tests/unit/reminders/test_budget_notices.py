"""What the budget pass says (receptionist/reminders/budgets.py): the owner's staff notice in each
of the business's languages, short enough for the staff template's parameter, one job per business
and month; ops' subject within SNS's rules and a message with the figures, never a customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receptionist.adapters.ops_alerts import SUBJECT_CHARS
from receptionist.crm.budgets import Claim, DueBudget
from receptionist.messages import STAFF_NOTICE_CHARS
from receptionist.reminders.budgets import ops_message, owner_notice

ORG = "5b0a3b7e-2f7c-4d1e-9a55-0c2d7f0e1a11"
DUE = DueBudget(ORG, "Clínica Dental Sonrisa", "es", date(2026, 12, 1), Decimal("250.00"), Decimal("260.5"))
CLAIM = Claim(Decimal("250.00"), Decimal("251.204"), owner_done=False, ops_done=False, tries=1)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "Presupuesto mensual de Clínica Dental Sonrisa alcanzado: 251,20 US$ gastados en diciembre de 2026"),
        ("en", "Clínica Dental Sonrisa has reached its monthly budget: $251.20 spent in December 2026, of $250.00."),
        ("pt_BR", "Clínica Dental Sonrisa atingiu o orçamento mensal: US$ 251,20 gastos em dezembro de 2026"),
        ("ca", "Clínica Dental Sonrisa ha arribat al pressupost mensual: 251,20 USD gastats el desembre del 2026"),
        ("es-PE", "Presupuesto mensual de Clínica Dental Sonrisa alcanzado: USD 251.20 gastados en diciembre de 2026"),
    ],
)
def test_the_owner_is_told_in_the_business_s_language(language: str, expected: str) -> None:
    job = owner_notice(DUE.__class__(**{**DUE.__dict__, "language": language}), CLAIM)
    assert job.kind == "staff_notice" and job.organization_id == ORG
    assert job.job_id == f"staff_notice#budget#{ORG}#2026-12"  # the same business and month: the same job
    assert job.text is not None and job.text.replace("\xa0", " ").startswith(expected.replace("\xa0", " "))
    assert len(job.text) <= STAFF_NOTICE_CHARS


def test_ops_hear_the_business_and_its_figures() -> None:
    subject, text = ops_message(DUE, CLAIM)
    assert subject == f"Monthly budget reached: business {ORG} 2026-12"
    assert subject.isascii() and len(subject) <= SUBJECT_CHARS and "\n" not in subject
    assert text.startswith(
        f"Clínica Dental Sonrisa (organization {ORG}) has reached its monthly budget for 2026-12:"
        " USD 251.20 spent of USD 250.00 (100%)."
    )
