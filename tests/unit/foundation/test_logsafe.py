"""Exceptions are logged by type, SQL state and place: never by message (it may quote data)."""

from __future__ import annotations

import psycopg

from receptionist.logsafe import error_fields


def _raise_unique_violation() -> None:
    err = psycopg.errors.UniqueViolation("duplicate key value violates unique constraint")
    raise err


def test_a_database_error_is_its_type_and_sql_state_only() -> None:
    try:
        _raise_unique_violation()
    except psycopg.Error:
        fields = error_fields()
    assert fields["error"] == "UniqueViolation"
    assert fields["sqlstate"] == "23505"
    assert "duplicate" not in str(fields)


def test_the_place_is_our_innermost_frame() -> None:
    from receptionist.adapters.app_secrets import parse_secrets

    try:
        parse_secrets(None)  # type: ignore[arg-type]
    except AttributeError as exc:
        fields = error_fields(exc)
    assert fields["error"] == "AttributeError"
    assert fields["error_at"].startswith("receptionist.adapters.app_secrets:")
    assert error_fields(None) == {}
