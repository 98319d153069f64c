"""The operator's budget form: one business's monthly budget in USD (empty: none), and the month
the page was showing (to go back to it)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from receptionist.console.forms import FormModel
from receptionist.stats.budget import BadBudget, parse_budget, parse_month


class InvalidBudget(ValueError):
    """The typed budget is refused; `code` is the sentence's key."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class BudgetForm(FormModel):
    organization_id: str = ""
    budget: str = ""
    month: str = ""

    def business(self) -> str | None:
        """The business's id, or None when it is not one (the page answers as for a business that is gone)."""
        try:
            return str(uuid.UUID(self.organization_id.strip()))
        except ValueError:
            return None

    def amount(self) -> Decimal | None:
        try:
            return parse_budget(self.budget)
        except BadBudget as exc:
            raise InvalidBudget("op_budget_bad") from exc

    def shown_month(self) -> date | None:
        return parse_month(self.month)
