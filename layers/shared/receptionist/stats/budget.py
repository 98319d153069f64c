"""A business's month against its budget (docs/console.md "The operator's costs"): the state the
operator's page shows and the budget pass acts on, and the month a page or a pass is about.

    state(cost, budget) -> "none" | "under" | "near" | "over"

"near" from NEAR_SHARE of the budget (time to talk to the business before it is spent), "over"
once the month's cost has reached the budget: from then on the business has spent what it was
meant to, so its owner and ops are told (once: receptionist.reminders.budgets)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

BudgetState = Literal["none", "under", "near", "over"]
NEAR_SHARE = Decimal("0.8")
# The largest budget the database takes (organizations_monthly_budget_check).
MAX_BUDGET_USD = Decimal(1_000_000)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_AMOUNT = re.compile(r"\d{1,7}([.,]\d{1,2})?")


def state(cost: Decimal, budget: Decimal | None) -> BudgetState:
    if budget is None:
        return "none"
    if cost >= budget:
        return "over"
    if cost >= budget * NEAR_SHARE:
        return "near"
    return "under"


def spent_share(cost: Decimal, budget: Decimal | None) -> Decimal | None:
    """The share of the budget spent (1 = all of it), or None without a budget."""
    return None if budget is None else cost / budget


def month_of(on: date) -> date:
    """The first day of `on`'s month: how months are named in budget_alerts and the page."""
    return on.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def parse_month(text: str) -> date | None:
    """ "2026-12" -> 2026-12-01; None for anything else (the page says so)."""
    found = _MONTH.fullmatch(text.strip())
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


class BadBudget(ValueError):
    """The typed budget is not an amount in USD the page takes (0.01 to 1,000,000, two decimals)."""


def parse_budget(text: str) -> Decimal | None:
    """A typed budget: "" -> None (no budget); "150", "150.5", "150,50" -> Decimal; BadBudget else.
    A comma is taken as the decimal mark too: staff in Spain, Brazil and Catalonia type one."""
    typed = text.strip().replace(" ", "")
    if not typed:
        return None
    if _AMOUNT.fullmatch(typed) is None:
        raise BadBudget(text)
    try:
        amount = Decimal(typed.replace(",", "."))
    except InvalidOperation as exc:  # the pattern lets none through; kept for the type checker's sake
        raise BadBudget(text) from exc
    if not Decimal("0.01") <= amount <= MAX_BUDGET_USD:
        raise BadBudget(text)
    return amount
