"""What the logs may say about an exception: its type, a database error's SQL state, and where it
was raised (module and line), never its message.

Messages can carry personal data: psycopg's errors quote the rows they refused (DETAIL: Key
(phone)=(34600111222) already exists), an HTTP client's may quote a media URL, a validation error
the customer's words. Logging by type, SQL state and place keeps a failure findable without them.
"""

from __future__ import annotations

import sys


def error_fields(exc: BaseException | None = None) -> dict[str, str]:
    """Log fields for `exc` (or the exception being handled)."""
    exc = exc if exc is not None else sys.exc_info()[1]
    if exc is None:
        return {}
    fields = {"error": type(exc).__name__}
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        fields["sqlstate"] = sqlstate
    where = _origin(exc)
    if where:
        fields["error_at"] = where
    return fields


def _origin(exc: BaseException) -> str | None:
    """The innermost frame of our own code (receptionist.* or a function's app) that saw it."""
    frame, found = exc.__traceback__, None
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        if module.startswith("receptionist") or module == "app" or module.endswith("_app_under_test"):
            found = f"{module}:{frame.tb_lineno}"
        frame = frame.tb_next
    return found
