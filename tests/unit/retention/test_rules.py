"""The retention windows: defaults, bounds, and the cutoffs they give (months as PostgreSQL counts
them); the media window's ceiling is the bucket's lifecycle rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devstack.template import load_template
from receptionist.retention.rules import BOUNDS, DEFAULT, Windows, cutoffs, months_before

ROOT = Path(__file__).resolve().parents[3]
AT = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_the_defaults_are_the_issue_s() -> None:
    assert Windows(text_months=12, media_days=30, usage_months=24) == DEFAULT


@pytest.mark.parametrize(
    ("field", "value"),
    [("text_months", 0), ("text_months", 181), ("media_days", 0), ("media_days", 366), ("usage_months", 0),
     ("usage_months", 121), ("text_months", -12)],
)  # fmt: skip
def test_a_window_out_of_its_bounds_is_refused(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        Windows(**{field: value})


@pytest.mark.parametrize("field", sorted(BOUNDS))
def test_each_bound_itself_is_allowed(field: str) -> None:
    low, high = BOUNDS[field]
    assert getattr(Windows(**{field: low}), field) == low
    assert getattr(Windows(**{field: high}), field) == high


def test_a_clinic_may_keep_chats_as_long_as_a_clinical_record() -> None:
    """Ley 41/2002 art. 17.1: five years at least; Catalonia's Ley 21/2000 art. 12: fifteen."""
    assert Windows(text_months=60).text_months == 60
    assert Windows(text_months=15 * 12).text_months == 180


@pytest.mark.parametrize(
    ("at", "months", "expected"),
    [
        (datetime(2026, 12, 7, 3, 0, tzinfo=UTC), 12, datetime(2025, 12, 7, 3, 0, tzinfo=UTC)),
        (datetime(2026, 3, 31, 9, 30, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, 30, tzinfo=UTC)),  # the month's last day
        (datetime(2028, 3, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),  # a leap year
        (datetime(2026, 1, 15, tzinfo=UTC), 1, datetime(2025, 12, 15, tzinfo=UTC)),  # across the year
        (datetime(2026, 5, 31, tzinfo=UTC), 180, datetime(2011, 5, 31, tzinfo=UTC)),
    ],
)
def test_months_are_counted_as_postgresql_counts_them(at: datetime, months: int, expected: datetime) -> None:
    assert months_before(at, months) == expected


def test_each_business_s_windows_give_its_own_cutoffs() -> None:
    salon, clinic = cutoffs(Windows(), AT), cutoffs(Windows(text_months=60, media_days=90, usage_months=60), AT)
    assert salon.text == datetime(2025, 12, 7, 3, 0, tzinfo=UTC)
    assert salon.media == AT - timedelta(days=30)
    assert salon.usage == datetime(2024, 12, 7, 3, 0, tzinfo=UTC)
    assert clinic.text == datetime(2021, 12, 7, 3, 0, tzinfo=UTC)
    assert clinic.media == AT - timedelta(days=90)
    assert clinic.usage == datetime(2021, 12, 7, 3, 0, tzinfo=UTC)


def test_the_bucket_s_lifecycle_is_the_media_window_s_ceiling() -> None:
    """A business may delete media earlier than the bucket's ExpireMedia rule, never later: its
    longest window is the rule's days in prod (dev expires everything at 30, docs/privacy.md)."""
    bucket = load_template(ROOT / "template.yaml")["Resources"]["MediaBucket"]["Properties"]
    (rule,) = [r for r in bucket["LifecycleConfiguration"]["Rules"] if r["Id"] == "ExpireMedia"]
    assert rule["Prefix"] == "media/"
    condition, prod_days, dev_days = rule["ExpirationInDays"]["Fn::If"]
    assert condition == "IsProd" and BOUNDS["media_days"][1] == prod_days and DEFAULT.media_days <= dev_days
