"""Model usage per turn, and the budgets it is held to (migration 20261130000100_budgets.sql).

Both limits are the business's own (agent_settings): turns that call the model per conversation
in a rolling hour, and model tokens per business per local day. One round trip to check, one to
record; a notice to staff is recorded once per window."""

from __future__ import annotations

from datetime import datetime

from receptionist.crm.connection import Database
from receptionist.crm.models import BudgetState


def budget(db: Database, organization_id: str, identity_id: str) -> BudgetState:
    row = db.fetch_one(
        """
        with s as (
            select max_turns_per_hour, max_tokens_per_day,
                   (date_trunc('day', now() at time zone timezone) at time zone timezone) as day_start
            from agent_settings where organization_id = %(org)s
        )
        select s.max_turns_per_hour, s.max_tokens_per_day, s.day_start, date_trunc('hour', now()) as hour_start,
               (select count(*) from turn_usage u
                 where u.organization_id = %(org)s and u.chat_identity_id = %(id)s
                   and u.at > now() - interval '1 hour') as turns_last_hour,
               (select coalesce(sum(u.prompt_tokens + u.completion_tokens), 0) from turn_usage u
                 where u.organization_id = %(org)s and u.at >= s.day_start) as tokens_today
        from s
        """,
        {"org": organization_id, "id": identity_id},
    )
    assert row is not None, "an organization without agent settings"
    return BudgetState(
        turns_last_hour=int(row["turns_last_hour"]),
        max_turns_per_hour=int(row["max_turns_per_hour"]),
        tokens_today=int(row["tokens_today"]),
        max_tokens_per_day=int(row["max_tokens_per_day"]),
        hour_start=row["hour_start"],
        day_start=row["day_start"],
    )


def record_usage(
    db: Database,
    organization_id: str,
    identity_id: str,
    turn_id: str,
    *,
    model_calls: int,
    prompt_tokens: int,
    completion_tokens: int,
    model: str | None = None,
) -> None:
    """One row per turn; a retried turn adds what its attempt spent (those tokens were paid too).
    `model`: what the tokens were spent on (the daily roll-up prices them by it; docs/stats.md)."""
    db.execute(
        """
        insert into turn_usage
            (organization_id, chat_identity_id, turn_id, model_calls, prompt_tokens, completion_tokens, model)
        values (%s, %s, %s, %s, %s, %s, %s)
        on conflict (organization_id, turn_id) do update set
            model_calls = turn_usage.model_calls + excluded.model_calls,
            prompt_tokens = turn_usage.prompt_tokens + excluded.prompt_tokens,
            completion_tokens = turn_usage.completion_tokens + excluded.completion_tokens,
            model = coalesce(excluded.model, turn_usage.model)
        """,
        (organization_id, identity_id, turn_id, model_calls, prompt_tokens, completion_tokens, model),
    )


def first_notice(db: Database, organization_id: str, scope: str, window_start: datetime) -> bool:
    """Whether this is the first time staff hear of this budget in this window."""
    row = db.fetch_one(
        """
        insert into budget_notices (organization_id, scope, window_start) values (%s, %s, %s)
        on conflict do nothing returning 1 as first
        """,
        (organization_id, scope, window_start),
    )
    return row is not None
