"""Monthly budgets and their alerts (migration 20261212030000_business_budgets.sql).

- The operator's costs page and budget form (the console's role): operator_costs() and
  operator_set_budget(), SECURITY DEFINER functions that refuse anyone but an operator account.
- The budget pass (the message functions' role): budgets_due() across businesses, then, inside
  `db.acting_for(organization)` (row level security), the business's budget_alerts row claimed,
  each notice marked once done, a failure's type and place kept on the row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from psycopg import errors

from receptionist.crm.connection import Database

Notice = Literal["owner", "ops"]
_NOT_OPERATOR, _NO_BUSINESS = "RC403", "RC404"


@dataclass(frozen=True)
class BusinessMonth:
    """One business's month as the operator's costs page shows it (sums of its daily rows)."""

    id: str
    name: str
    budget_usd: Decimal | None
    days: int  # days of the month with a roll-up row
    conversations: int
    inbound_messages: int
    turns: int
    prompt_tokens: int
    completion_tokens: int
    wa_service: int
    wa_utility_free: int
    wa_utility: int
    wa_marketing: int
    wa_authentication: int
    model_cost_usd: Decimal
    whatsapp_cost_usd: Decimal
    aws_cost_usd: Decimal
    owner_told_at: datetime | None
    ops_told_at: datetime | None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def whatsapp_messages(self) -> int:
        return self.wa_service + self.wa_utility_free + self.wa_utility + self.wa_marketing + self.wa_authentication

    @property
    def cost_usd(self) -> Decimal:
        return self.model_cost_usd + self.whatsapp_cost_usd + self.aws_cost_usd


class NotAnOperator(Exception):
    """The function refused the caller (SQLSTATE RC403)."""


class NoSuchBusiness(Exception):
    """No organization with that id (SQLSTATE RC404)."""


def operator_costs(db: Database, operator_sub: str, month: date) -> list[BusinessMonth]:
    """Every business with its month's usage and cost (one statement); none unless an operator asks."""
    rows = db.fetch_all("select * from operator_costs(%s, %s)", (operator_sub, month))
    return [_month(row) for row in rows]


def _month(row: dict[str, Any]) -> BusinessMonth:
    return BusinessMonth(
        id=str(row["id"]),
        name=row["name"],
        budget_usd=row["monthly_budget_usd"],
        days=int(row["days"]),
        conversations=int(row["conversations"]),
        inbound_messages=int(row["inbound_messages"]),
        turns=int(row["turns"]),
        prompt_tokens=int(row["prompt_tokens"]),
        completion_tokens=int(row["completion_tokens"]),
        wa_service=int(row["wa_service"]),
        wa_utility_free=int(row["wa_utility_free"]),
        wa_utility=int(row["wa_utility"]),
        wa_marketing=int(row["wa_marketing"]),
        wa_authentication=int(row["wa_authentication"]),
        model_cost_usd=Decimal(row["model_cost_usd"]),
        whatsapp_cost_usd=Decimal(row["whatsapp_cost_usd"]),
        aws_cost_usd=Decimal(row["aws_cost_usd"]),
        owner_told_at=row["owner_queued_at"],
        ops_told_at=row["ops_published_at"],
    )


def set_budget(db: Database, operator_sub: str, organization_id: str, budget_usd: Decimal | None) -> None:
    """The business's monthly budget (None: none) and its audit line, by an operator only."""
    try:
        db.execute("select operator_set_budget(%s, %s, %s)", (operator_sub, organization_id, budget_usd))
    except errors.DatabaseError as exc:
        if exc.sqlstate == _NOT_OPERATOR:
            raise NotAnOperator from exc
        if exc.sqlstate == _NO_BUSINESS or isinstance(exc, errors.InvalidTextRepresentation):
            raise NoSuchBusiness from exc
        raise


# -- the budget pass (the message functions' role) ----------------------------------------------
@dataclass(frozen=True)
class DueBudget:
    """A business whose month (in its zone) reached its budget, not yet told of it."""

    organization_id: str
    name: str
    language: str
    month: date
    budget_usd: Decimal
    cost_usd: Decimal


@dataclass(frozen=True)
class Claim:
    """A claimed alert: what is left to do, and the figures the notices say (those of the first claim)."""

    budget_usd: Decimal
    cost_usd: Decimal
    owner_done: bool
    ops_done: bool
    tries: int


def budgets_due(db: Database, at: datetime, stale_after: timedelta) -> list[DueBudget]:
    rows = db.fetch_all("select * from budgets_due(%s, %s)", (at, stale_after))
    return [
        DueBudget(
            str(r["organization_id"]), r["name"], r["language"], r["month"], r["budget_usd"], Decimal(r["cost_usd"])
        )
        for r in rows
    ]


def claim_alert(db: Database, due: DueBudget, at: datetime, stale_after: timedelta) -> Claim | None:
    """The month's alert claimed for this pass: a new row, or one whose earlier claim is stale and
    not done (its pass died or a send failed). None: done, or another pass holds a fresh claim."""
    row = db.fetch_one(
        """
        insert into budget_alerts as a (organization_id, month, budget_usd, cost_usd, claimed_at)
        values (%(org)s, %(month)s, %(budget)s, %(cost)s, %(at)s)
        on conflict (organization_id, month) do update set claimed_at = excluded.claimed_at, tries = a.tries + 1
          where a.claimed_at <= excluded.claimed_at - %(stale)s::interval
            and (a.owner_queued_at is null or a.ops_published_at is null)
        returning a.budget_usd, a.cost_usd, a.owner_queued_at is not null as owner_done,
                  a.ops_published_at is not null as ops_done, a.tries
        """,
        {
            "org": due.organization_id,
            "month": due.month,
            "budget": due.budget_usd,
            "cost": due.cost_usd,
            "at": at,
            "stale": stale_after,
        },
    )
    if row is None:
        return None
    return Claim(row["budget_usd"], Decimal(row["cost_usd"]), row["owner_done"], row["ops_done"], int(row["tries"]))


def mark_told(db: Database, organization_id: str, month: date, notice: Notice, at: datetime) -> None:
    column = "owner_queued_at" if notice == "owner" else "ops_published_at"
    db.execute(
        f"update budget_alerts set {column} = coalesce({column}, %s) where organization_id = %s and month = %s",
        (at, organization_id, month),
    )


def record_failure(db: Database, organization_id: str, month: date, reason: str) -> None:
    """Why the last try failed (type and place, never a message); the next stale claim retries."""
    db.execute(
        "update budget_alerts set last_error = left(%s, 500) where organization_id = %s and month = %s",
        (reason, organization_id, month),
    )
