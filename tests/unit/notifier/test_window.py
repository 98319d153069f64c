from __future__ import annotations

from datetime import UTC, datetime, timedelta

from receptionist.notifier.window import within_session_window

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_inside_the_window() -> None:
    assert within_session_window(NOW - timedelta(hours=23, minutes=59, seconds=59), NOW)


def test_exactly_24_hours_is_outside() -> None:
    assert not within_session_window(NOW - timedelta(hours=24), NOW)


def test_never_wrote_is_outside() -> None:
    assert not within_session_window(None, NOW)


def test_a_last_message_slightly_in_the_future_counts_as_now() -> None:
    assert within_session_window(NOW + timedelta(seconds=30), NOW)
