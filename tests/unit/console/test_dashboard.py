"""The owner's dashboard's arithmetic (console/services/dashboard.py), no database: which period a
link asks for, a period's days with zeros where the roll-up has no row, counts summed, latency
percentiles read from the merged histograms (never averaged from the days'), the charts' series and
the CSV (one line per day, numbers only, stable English column names)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from receptionist.console.services.dashboard import (
    CSV_COLUMNS,
    DEFAULT_PERIOD,
    csv_text,
    dashboard_of,
    filled,
    period_of,
    series,
    summed,
)
from receptionist.crm.business_stats import DayStats
from receptionist.stats.latency import FIRST_REPLY_MS_EDGES, STAFF_REPLY_SECONDS_EDGES, Percentile, histogram

TODAY = date(2026, 12, 7)


def _ms(*values: int) -> tuple[int, ...]:
    return tuple(histogram(values, FIRST_REPLY_MS_EDGES))


def test_a_link_asks_for_7_30_or_90_days_and_anything_else_shows_30() -> None:
    assert [period_of(raw) for raw in ("7", "30", "90")] == [7, 30, 90]
    assert {period_of(raw) for raw in ("", None, "14", "-7", "abc", "7.0", "365")} == {DEFAULT_PERIOD} == {30}


def test_a_period_has_every_day_oldest_first_with_zeros_where_no_row() -> None:
    rows = [DayStats(date(2026, 12, 3), conversations=4), DayStats(date(2026, 12, 5), conversations=2)]

    days = filled(rows, date(2026, 12, 2), date(2026, 12, 7))

    assert [d.day for d in days] == [date(2026, 12, n) for n in range(2, 7)]
    assert [d.conversations for d in days] == [0, 4, 0, 2, 0]


def test_counts_add_up_histograms_merge_and_costs_stay_out() -> None:
    a = DayStats(
        date(2026, 12, 1),
        conversations=3,
        resolved_alone=2,
        booked_assistant=2,
        booked_reminder=1,
        no_shows=1,
        first_reply_ms=_ms(400, 2_500),
        model_cost_usd=Decimal("0.5"),
        prompt_tokens=900,
        wa_utility=3,
    )
    b = DayStats(date(2026, 12, 2), conversations=5, resolved_alone=5, booked_console=1, first_reply_ms=_ms(800))

    total = summed([a, b], date(2026, 12, 1))

    assert (total.conversations, total.resolved_alone, total.booked, total.no_shows) == (8, 7, 4, 1)
    assert (total.booked_assistant, total.booked_console, total.booked_reminder) == (2, 1, 1)
    assert total.first_reply_ms == _ms(400, 2_500, 800)
    assert total.staff_reply_seconds == (0,) * (len(STAFF_REPLY_SECONDS_EDGES) + 1)
    assert (total.model_cost_usd, total.prompt_tokens, total.wa_utility) == (Decimal(0), 0, 0)


def test_the_periods_percentiles_come_from_the_merged_histograms_not_from_the_days() -> None:
    # Day 1: ten quick replies; day 2: ten slow ones. The median of the twenty is the quick bucket's
    # edge, the p95 the slow one's; a mean of the daily medians (5.25 s) would be neither.
    quick = DayStats(date(2026, 12, 6), first_replies=10, first_reply_ms=_ms(*[300] * 10))
    slow = DayStats(date(2026, 12, 7), first_replies=10, first_reply_ms=_ms(*[9_000] * 10))

    board = dashboard_of([quick, slow], TODAY, 7)

    assert board.latency.first_reply_p50 == Percentile(500)
    assert board.latency.first_reply_p95 == Percentile(10_000)
    assert board.latency.staff_reply_p50 is None  # no staff reply measured: "no data", not zero


def test_the_dashboard_covers_the_last_n_local_days_and_its_shares() -> None:
    rows = [
        DayStats(date(2026, 12, 1), conversations=10, resolved_alone=7, completed=9, no_shows=1),
        DayStats(date(2026, 11, 30), conversations=99),  # the day before the 7-day period
    ]

    board = dashboard_of(rows, TODAY, 7)
    empty = dashboard_of([], TODAY, 30)

    assert (board.first, board.last, len(board.days)) == (date(2026, 12, 1), TODAY, 7)
    assert board.total.conversations == 10
    assert board.resolved_share == Decimal("0.7") and board.no_show_share == Decimal("0.1")
    assert (empty.first, len(empty.days)) == (date(2026, 11, 8), 30)
    assert empty.resolved_share is None and empty.no_show_share is None
    assert board.booked_by() == [("assistant", 0), ("console", 0), ("reminder", 0), ("waitlist", 0), ("other", 0)]


def test_the_charts_get_a_value_per_day_and_a_gap_where_nothing_was_measured() -> None:
    days = [
        DayStats(date(2026, 12, 6), conversations=2, booked_waitlist=1, first_reply_ms=_ms(1_200, 4_500)),
        DayStats(date(2026, 12, 7)),
    ]

    drawn = series(days)

    assert drawn["conversations"] == [2, 0] and drawn["booked_waitlist"] == [1, 0]
    assert drawn["first_reply_p50_s"] == [1.5, None] and drawn["first_reply_p95_s"] == [5.0, None]


def test_the_csv_has_a_line_per_day_numbers_only_under_stable_column_names() -> None:
    days = [
        DayStats(
            date(2026, 12, 6),
            conversations=3,
            booked_assistant=2,
            escalations=1,
            staff_replies=1,
            staff_reply_seconds=tuple(histogram([200], STAFF_REPLY_SECONDS_EDGES)),
            first_replies=2,
            first_reply_ms=_ms(900, 400_000),  # the second beyond the last edge: "over 300 s"
            whatsapp_cost_usd=Decimal("0.12"),
        ),
        DayStats(date(2026, 12, 7)),
    ]

    text = csv_text(days)
    lines = list(csv.DictReader(io.StringIO(text)))

    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n") and text.count("\r\n") == 3
    assert CSV_COLUMNS[0] == "day" and not any("cost" in c or "token" in c for c in CSV_COLUMNS)
    first, second = lines
    assert first["day"] == "2026-12-06" and first["conversations"] == "3" and first["booked_assistant"] == "2"
    assert first["staff_reply_p50_seconds"] == "300"
    assert (first["first_reply_p50_ms"], first["first_reply_p95_ms"]) == ("1000", ">300000")
    assert second["day"] == "2026-12-07" and second["conversations"] == "0" and second["first_reply_p50_ms"] == ""
    assert all(value == "" or value.lstrip(">").isdigit() for line in lines for k, value in line.items() if k != "day")
