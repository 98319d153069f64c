"""The roll-up's domain: which days a run recomputes, and a day's counts priced into its row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from receptionist.crm.stats_rollup import DayCounts, ModelUsage, TemplateSends
from receptionist.model_prices import cost_usd
from receptionist.stats.aws_prices import aws_cost_usd
from receptionist.stats.latency import FIRST_REPLY_MS_EDGES, histogram
from receptionist.stats.rollup import NIGHTLY_DAYS, TRAILING_DAYS, model_cost, priced, whatsapp, window


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        # 18:00 UTC is 19:00 in Madrid: the trailing days, today included.
        (datetime(2026, 3, 10, 18, tzinfo=UTC), "Europe/Madrid", (date(2026, 3, 8), date(2026, 3, 11))),
        # 02:00 UTC on the 11th is still the 10th in Lima.
        (datetime(2026, 3, 11, 2, tzinfo=UTC), "America/Lima", (date(2026, 3, 8), date(2026, 3, 11))),
        # 02:00 UTC is 03:00 in Madrid: the nightly, longer window.
        (datetime(2026, 3, 10, 2, tzinfo=UTC), "Europe/Madrid", (date(2026, 2, 4), date(2026, 3, 11))),
    ],
)
def test_a_run_recomputes_the_trailing_days_and_once_a_night_a_longer_window(
    now: datetime, tz: str, expected: tuple[date, date]
) -> None:
    since, until = window(now, tz)
    assert (since, until) == expected
    assert (until - since).days in (TRAILING_DAYS, NIGHTLY_DAYS)


def _day(**kw: object) -> DayCounts:
    return DayCounts(day=date(2026, 3, 10), **kw)  # type: ignore[arg-type]


def test_templates_are_counted_by_category_and_priced_by_market() -> None:
    out = whatsapp(
        _day(
            wa_service=7,
            templates=(
                TemplateSends("346", "UTILITY", True, 3),  # inside the window: free
                TemplateSends("346", "UTILITY", False, 2),  # ES utility
                TemplateSends("519", None, False, 1),  # unknown category: priced as utility (PE)
                TemplateSends("346", "MARKETING", True, 1),  # marketing: always charged (ES)
                TemplateSends("447", "AUTHENTICATION", False, 1),  # GB authentication
            ),
        )
    )
    assert (out["wa_service"], out["wa_utility_free"], out["wa_utility"]) == (7, 3, 3)
    assert (out["wa_marketing"], out["wa_authentication"]) == (1, 1)
    expected = Decimal("0.0200") * 2 + Decimal("0.0200") + Decimal("0.0615") + Decimal("0.0358")
    assert out["whatsapp_cost_usd"] == expected
    assert out["rate_card"] == "meta-2025-07-01"


def test_tokens_are_priced_by_their_model_else_the_deployment_model() -> None:
    counts = _day(
        usage=(
            ModelUsage("gpt-4.1", 1000, 100),
            ModelUsage(None, 1000, 100),  # before the model was kept: the deployment's
            ModelUsage("some-local-model", 5000, 500),  # no price: counted, not costed
        )
    )
    expected = Decimal(str(cost_usd("gpt-4.1", 1000, 100))) + Decimal(str(cost_usd("gpt-4.1-mini", 1000, 100)))
    assert model_cost(counts, "gpt-4.1-mini") == expected.quantize(Decimal("0.000001"))


def test_a_day_row_holds_histograms_and_costs() -> None:
    row = priced(_day(inbound_messages=12, first_reply_ms=(800, 2400, 400_000), staff_reply_seconds=()), "gpt-4.1-mini")
    assert row["first_replies"] == 3 and row["first_reply_ms"] == histogram([800, 2400, 400_000], FIRST_REPLY_MS_EDGES)
    assert (row["staff_replies"], row["staff_reply_seconds"]) == (0, [])  # no wait: an empty histogram
    assert row["aws_cost_usd"] == aws_cost_usd(12)
    assert row["model_cost_usd"] == 0 and row["whatsapp_cost_usd"] == 0
    assert row["day"] == "2026-03-10"


def test_a_run_s_report_is_counted_and_its_failures_are_errors() -> None:
    from receptionist.reminders.stats_telemetry import STATS_FAILED, STATS_LEFT, describe
    from receptionist.stats.rollup import RollupReport

    fine = describe(RollupReport(businesses=3, days=9))
    assert (fine.level, fine.fields["stats_days"]) == ("info", 9)
    late = describe(RollupReport(businesses=1, days=3, left=2))
    assert (late.level, late.counts[STATS_LEFT]) == ("warning", 2)
    broken = describe(RollupReport(businesses=2, days=6, failed=1))
    assert (broken.level, broken.counts[STATS_FAILED]) == ("error", 1)
