"""What a budget pass's report means as telemetry: one log line and EMF metrics per run (counts
only, never names or figures). Metrics:
  BudgetOwnersTold   staff notices queued for businesses over their monthly budget
  BudgetOpsTold      SNS messages published to ops for them
  BudgetAlertsFailed notices a step failed for (kept on the row, tried again by the next pass)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.reminders.budgets import BudgetReport
from receptionist.telemetry import Event, Failure

BUDGET_OWNERS_TOLD: Final = "BudgetOwnersTold"
BUDGET_OPS_TOLD: Final = "BudgetOpsTold"
BUDGET_ALERTS_FAILED: Final = "BudgetAlertsFailed"


def describe(report: BudgetReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event("budget pass failed; the next run catches up", level="error", fields=fields, with_error=True)
    return Event(
        "budget pass done; some alerts failed" if report.failed else "budget pass done",
        level="error" if report.failed else "info",
        fields={**report.counts("budgets_"), **fields},
        counts={
            BUDGET_OWNERS_TOLD: report.owners_told,
            BUDGET_OPS_TOLD: report.ops_told,
            BUDGET_ALERTS_FAILED: report.failed,
        },
    )
