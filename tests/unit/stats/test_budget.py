"""The budget rule (receptionist/stats/budget.py): a month's state against its budget, the month a
page names, and a typed budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receptionist.stats.budget import (
    BadBudget,
    month_of,
    next_month,
    parse_budget,
    parse_month,
    previous_month,
    spent_share,
    state,
)


@pytest.mark.parametrize(
    ("cost", "budget", "expected"),
    [
        ("0", None, "none"),
        ("5000", None, "none"),
        ("0", "100", "under"),
        ("79.99", "100", "under"),
        ("80", "100", "near"),
        ("99.999999", "100", "near"),
        ("100", "100", "over"),
        ("100.000001", "100", "over"),
        ("0.01", "0.01", "over"),
    ],
)
def test_the_state_of_a_month_against_its_budget(cost: str, budget: str | None, expected: str) -> None:
    assert state(Decimal(cost), None if budget is None else Decimal(budget)) == expected


def test_the_share_spent() -> None:
    assert spent_share(Decimal("30"), Decimal("120")) == Decimal("0.25")
    assert spent_share(Decimal("30"), None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12", date(2026, 12, 1)),
        (" 2027-01 ", date(2027, 1, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("26-12", None),
        ("2026-12-01", None),
        ("diciembre", None),
        ("", None),
        ("1999-12", None),
    ],
)
def test_a_month_is_read_from_year_and_month(text: str, expected: date | None) -> None:
    assert parse_month(text) == expected


def test_months_around_a_year_s_turn() -> None:
    assert month_of(date(2026, 12, 31)) == date(2026, 12, 1)
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert next_month(date(2026, 1, 1)) == date(2026, 2, 1)
    assert previous_month(date(2027, 1, 1)) == date(2026, 12, 1)
    assert previous_month(date(2026, 3, 1)) == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", None),
        ("  ", None),
        ("150", "150"),
        ("150.5", "150.5"),
        ("150,50", "150.50"),
        ("0.01", "0.01"),
        ("1000000", "1000000"),
        (" 2 500 ", "2500"),
    ],
)
def test_a_typed_budget_in_usd(typed: str, expected: str | None) -> None:
    assert parse_budget(typed) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize("typed", ["0", "0.00", "-5", "1000000.01", "12.345", "1.000,50", "cien", "1e3", "NaN", "$100"])
def test_a_budget_that_is_not_an_amount_is_refused(typed: str) -> None:
    with pytest.raises(BadBudget):
        parse_budget(typed)
