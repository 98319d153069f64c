"""Refresh tokens of calendar connections, one SSM SecureString each (RefreshTokens).

The parameter's name is the connection's `token_ref` (`<CALENDAR_TOKENS_PATH>/<connection id>`),
its value the refresh token, encrypted by SSM with the account's KMS key (or `key_id`). Never in
PostgreSQL, never logged: errors name the parameter, never its value. Standard tier: a refresh
token is far under its 4 KB, and an account holds 10,000 standard parameters per region.

A token that is not there (deleted on disconnect, never stored) is a grant that cannot work:
`get` raises GrantRevoked, so the caller marks the connection broken as for `invalid_grant`.
SSM throttling or an outage is CalendarUnavailable (retry later).
"""

from __future__ import annotations

from typing import Any

from receptionist.calendar.provider import CalendarUnavailable, GrantRevoked

_RETRYABLE = frozenset({"ThrottlingException", "InternalServerError", "ServiceUnavailable", "TooManyUpdates"})


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


class SsmRefreshTokens:
    """RefreshTokens in SSM Parameter Store. `ssm`: a boto3 SSM client (injected: tests hand in one
    for moto; functions build theirs with short timeouts)."""

    def __init__(self, ssm: Any, *, key_id: str | None = None) -> None:
        self._ssm = ssm
        self._key_id = key_id

    def put(self, ref: str, refresh_token: str) -> None:
        extra = {"KeyId": self._key_id} if self._key_id else {}
        self._call("put", ref, Name=ref, Value=refresh_token, Type="SecureString", Overwrite=True, **extra)

    def get(self, ref: str) -> str:
        answer = self._call("get", ref, Name=ref, WithDecryption=True)
        if answer is None:
            raise GrantRevoked(f"no refresh token is stored at {ref}")
        return str(answer["Parameter"]["Value"])

    def delete(self, ref: str) -> None:
        self._call("delete", ref, Name=ref)  # one already gone is not an error (None)

    def _call(self, what: str, ref: str, **params: Any) -> Any:
        method = {"put": self._ssm.put_parameter, "get": self._ssm.get_parameter, "delete": self._ssm.delete_parameter}
        try:
            return method[what](**params)
        except Exception as exc:
            code = _code(exc)
            if code == "ParameterNotFound" and what != "put":
                return None
            if code in _RETRYABLE or type(exc).__name__ in ("EndpointConnectionError", "ConnectTimeoutError",
                                                            "ReadTimeoutError"):  # fmt: skip
                raise CalendarUnavailable(f"SSM {what} of {ref}: {code or type(exc).__name__}") from None
            if what == "put":  # an SSM error may quote the request: never the token in a message or a cause
                raise RuntimeError(f"SSM put of {ref}: {code or type(exc).__name__}") from None
            raise
