"""Secrets from SSM Parameter Store (SecureString), cached in the warm container.

Values are fetched at run time through Powertools Parameters, never taken from the template,
and never logged: callers get the string, errors name the parameter, not its value.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

# Short cache: a rotated secret is picked up within minutes without a redeploy.
CACHE_SECONDS = 300


class SecretUnavailableError(RuntimeError):
    pass


def get_secret(name: str) -> str:
    try:
        value = parameters.get_parameter(name, decrypt=True, max_age=CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        raise SecretUnavailableError(f"secret parameter {name} could not be read") from exc
    if not isinstance(value, str) or not value:
        raise SecretUnavailableError(f"secret parameter {name} is empty")
    return value


def forget_cached() -> None:
    """Drop every cached secret: the next read goes to SSM (a container restored from a
    SnapStart snapshot must not trust what was read before the snapshot)."""
    parameters.clear_caches()  # type: ignore[no-untyped-call]
