"""The costs page's pure parts (console/services/operator_costs.py, console/forms/budget.py): each
business's state and share, the totals, the CSV, and the budget form."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from receptionist.console.forms.budget import BudgetForm, InvalidBudget
from receptionist.console.services.operator_costs import CSV_COLUMNS, CostsPage, cents, csv_text, lines_of, totals_of
from receptionist.crm.budgets import BusinessMonth


def month_of(
    name: str, budget: str | None, model: str, whatsapp: str = "0", aws: str = "0", **counts: int
) -> BusinessMonth:
    figures: dict[str, Any] = {
        "days": 1,
        "conversations": 0,
        "inbound_messages": 0,
        "turns": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "wa_service": 0,
        "wa_utility_free": 0,
        "wa_utility": 0,
        "wa_marketing": 0,
        "wa_authentication": 0,
        **counts,
    }
    return BusinessMonth(
        id=str(uuid.uuid4()),
        name=name,
        budget_usd=None if budget is None else Decimal(budget),
        model_cost_usd=Decimal(model),
        whatsapp_cost_usd=Decimal(whatsapp),
        aws_cost_usd=Decimal(aws),
        owner_told_at=None,
        ops_told_at=None,
        **figures,
    )


def test_each_business_s_state_and_share_and_the_totals() -> None:
    months = [
        month_of("A", "100", "60", "30", "10", conversations=3, prompt_tokens=5, completion_tokens=1, wa_service=2),
        month_of("B", "100", "79.99", wa_marketing=1, wa_authentication=1),
        month_of("C", None, "7", conversations=2, wa_utility=4),
    ]
    lines = lines_of(months)
    assert [(line.state, line.share) for line in lines] == [
        ("over", Decimal(1)),
        ("under", Decimal("0.7999")),
        ("none", None),
    ]
    totals = totals_of(months)
    assert (totals.conversations, totals.tokens, totals.whatsapp_messages) == (5, 6, 8)
    assert totals.cost_usd == Decimal("186.99")
    assert totals_of([]).cost_usd == Decimal(0)


@pytest.mark.parametrize(
    ("amount", "expected"), [("0.004", 0), ("0.005", 0), ("0.015", 2), ("12.345678", 1235), ("7", 700)]
)
def test_usd_to_cents_for_the_page(amount: str, expected: int) -> None:
    assert cents(Decimal(amount)) == expected  # banker's rounding of half a cent: the CSV keeps every decimal


def test_the_csv_has_stable_english_columns_and_no_formula_cells() -> None:
    months = [month_of("+cmd", "10", "0.1234565", conversations=2), month_of("Peluquería Sol", None, "0")]
    text = csv_text(
        CostsPage(date(2026, 12, 1), lines_of(months), totals_of(months), date(2026, 11, 1), date(2027, 1, 1))
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert (first["business"], first["month"], first["budget_usd"], first["state"]) == (
        "'+cmd",
        "2026-12",
        "10.00",
        "under",
    )
    assert (first["conversations"], first["model_cost_usd"], first["cost_usd"]) == ("2", "0.123456", "0.123456")
    second = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert (second["business"], second["budget_usd"], second["state"]) == ("Peluquería Sol", "", "none")
    assert text.endswith("\r\n") and len(rows) == 3


def test_the_budget_form() -> None:
    org = str(uuid.uuid4())
    form = BudgetForm(organization_id=f" {org.upper()} ", budget="99,9", month="2026-12")
    assert (form.business(), form.amount(), form.shown_month()) == (org, Decimal("99.9"), date(2026, 12, 1))
    assert BudgetForm(organization_id="x", budget="").business() is None
    assert BudgetForm(budget="").amount() is None
    assert BudgetForm(month="dic").shown_month() is None
    with pytest.raises(InvalidBudget) as refused:
        BudgetForm(budget="-1").amount()
    assert refused.value.code == "op_budget_bad"
