"""The operator's costs page (operator accounts only): every business with its month's usage, cost
and budget state, read from the daily roll-up in one statement (crm.budgets.operator_costs), its
CSV, and a business's monthly budget set with its audit line (crm.budgets.set_budget)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from receptionist.console.errors import Forbidden, NotFound
from receptionist.crm import budgets
from receptionist.crm.budgets import BusinessMonth
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount
from receptionist.stats import budget as rule

# The CSV's columns: stable English names (a spreadsheet or a script reads them, whatever the
# console's language), figures only.
CSV_COLUMNS = (
    "organization_id",
    "business",
    "month",
    "budget_usd",
    "state",
    "days",
    "conversations",
    "inbound_messages",
    "turns",
    "prompt_tokens",
    "completion_tokens",
    "wa_service",
    "wa_utility_free",
    "wa_utility",
    "wa_marketing",
    "wa_authentication",
    "model_cost_usd",
    "whatsapp_cost_usd",
    "aws_cost_usd",
    "cost_usd",
)
# A cell a spreadsheet would run as a formula starts with one of these (CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CostLine:
    business: BusinessMonth
    state: rule.BudgetState
    share: Decimal | None  # of the budget spent (1 = all)


@dataclass(frozen=True)
class Totals:
    """The month's figures over every business."""

    conversations: int
    inbound_messages: int
    turns: int
    tokens: int
    whatsapp_messages: int
    model_cost_usd: Decimal
    whatsapp_cost_usd: Decimal
    aws_cost_usd: Decimal

    @property
    def cost_usd(self) -> Decimal:
        return self.model_cost_usd + self.whatsapp_cost_usd + self.aws_cost_usd


@dataclass(frozen=True)
class CostsPage:
    month: date
    lines: list[CostLine]
    totals: Totals
    previous: date
    next: date


def lines_of(months: list[BusinessMonth]) -> list[CostLine]:
    return [
        CostLine(m, rule.state(m.cost_usd, m.budget_usd), rule.spent_share(m.cost_usd, m.budget_usd)) for m in months
    ]


def totals_of(months: list[BusinessMonth]) -> Totals:
    return Totals(
        conversations=sum(m.conversations for m in months),
        inbound_messages=sum(m.inbound_messages for m in months),
        turns=sum(m.turns for m in months),
        tokens=sum(m.tokens for m in months),
        whatsapp_messages=sum(m.whatsapp_messages for m in months),
        model_cost_usd=sum((m.model_cost_usd for m in months), Decimal(0)),
        whatsapp_cost_usd=sum((m.whatsapp_cost_usd for m in months), Decimal(0)),
        aws_cost_usd=sum((m.aws_cost_usd for m in months), Decimal(0)),
    )


def cents(amount: Decimal) -> int:
    """USD to whole cents, for the console's price filter (the CSV keeps every decimal)."""
    return int(amount.quantize(Decimal("0.01")) * 100)


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA) else text


def csv_text(page: CostsPage) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in page.lines:
        b = line.business
        writer.writerow(
            [
                b.id,
                _cell(b.name),
                f"{page.month:%Y-%m}",
                "" if b.budget_usd is None else f"{b.budget_usd:.2f}",
                line.state,
                b.days,
                b.conversations,
                b.inbound_messages,
                b.turns,
                b.prompt_tokens,
                b.completion_tokens,
                b.wa_service,
                b.wa_utility_free,
                b.wa_utility,
                b.wa_marketing,
                b.wa_authentication,
                f"{b.model_cost_usd:.6f}",
                f"{b.whatsapp_cost_usd:.6f}",
                f"{b.aws_cost_usd:.6f}",
                f"{b.cost_usd:.6f}",
            ]
        )
    return out.getvalue()


@dataclass
class CostsService:
    db: Database  # the container's connection: an operator acts for no business
    operator: StaffAccount

    def page(self, month: date) -> CostsPage:
        months = budgets.operator_costs(self.db, self.operator.sub, month)
        return CostsPage(month, lines_of(months), totals_of(months), rule.previous_month(month), rule.next_month(month))

    def set_budget(self, organization_id: str | None, budget_usd: Decimal | None) -> None:
        if organization_id is None:
            raise NotFound("op_costs_no_business")
        try:
            budgets.set_budget(self.db, self.operator.sub, organization_id, budget_usd)
        except budgets.NotAnOperator as exc:
            raise Forbidden("op_operators_only") from exc
        except budgets.NoSuchBusiness as exc:
            raise NotFound("op_costs_no_business") from exc
