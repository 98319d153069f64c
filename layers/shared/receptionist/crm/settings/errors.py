"""How a setting the database refuses reaches the owner: InvalidSetting(code), the code naming the
sentence shown (the console catalogue, locale/*/LC_MESSAGES/console.po), never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import errors


class InvalidSetting(ValueError):
    """A value the owner must correct; `code` names the sentence shown (the console catalogue)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def name_must_be_free(code: str) -> Iterator[None]:
    """A write whose unique name (a service's, a member's) is already taken raises InvalidSetting(code)."""
    try:
        yield
    except errors.UniqueViolation as exc:
        raise InvalidSetting(code) from exc


def zone_refused(exc: errors.Error) -> bool:
    """The database refused the time zone (a name PostgreSQL's own tz database lacks)."""
    return isinstance(exc, errors.CheckViolation) and exc.diag.constraint_name == "agent_settings_timezone_check"
