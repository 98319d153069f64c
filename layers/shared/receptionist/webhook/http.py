"""The HTTP side of the webhook: API Gateway HTTP API (v2) request in, response out.

Reading a request never raises, whatever the event holds: a body that cannot be decoded or is
over the size limit is reported in `body_error` for the service to answer with a 4xx.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

# Gupshup callbacks are a few KB; media arrives as URLs. Anything larger is not a callback.
MAX_BODY_BYTES: Final = 256 * 1024

BodyError = Literal["too_large", "invalid_base64"]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    query: dict[str, str]
    body: bytes
    body_error: BodyError | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @classmethod
    def from_api_gateway(cls, event: Any, max_body_bytes: int = MAX_BODY_BYTES) -> HttpRequest:
        event = event if isinstance(event, Mapping) else {}
        context = _mapping(event.get("requestContext"))
        http = _mapping(context.get("http"))
        method = http.get("method") or event.get("httpMethod") or ""
        body, body_error = _body(event.get("body"), bool(event.get("isBase64Encoded")), max_body_bytes)
        return cls(
            method=str(method).upper(),
            path=str(event.get("rawPath") or event.get("path") or ""),
            headers={str(k).lower(): str(v) for k, v in _mapping(event.get("headers")).items()},
            query={str(k): str(v) for k, v in _mapping(event.get("queryStringParameters")).items()},
            body=body,
            body_error=body_error,
        )


def _mapping(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


def _body(raw: Any, is_base64: bool, limit: int) -> tuple[bytes, BodyError | None]:
    if raw is None:
        return b"", None
    if isinstance(raw, bytes | bytearray):
        data = bytes(raw)
    elif isinstance(raw, str):
        if is_base64:
            # Base64 is 4 chars per 3 bytes: refuse before decoding anything oversized.
            if len(raw) > (limit + 2) // 3 * 4 + 4:
                return b"", "too_large"
            try:
                data = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                return b"", "invalid_base64"
        else:
            if len(raw) > limit:  # each char is at least one byte
                return b"", "too_large"
            # surrogatepass: a lone surrogate becomes invalid UTF-8 for the JSON parser to refuse.
            data = raw.encode("utf-8", "surrogatepass")
    else:
        data = str(raw).encode("utf-8", "surrogatepass")
    if len(data) > limit:
        return b"", "too_large"
    return data, None


def is_json_media_type(content_type: str | None) -> bool:
    """application/json, optionally with parameters; a charset, if given, must be UTF-8."""
    if not content_type:
        return False
    media_type, *params = (part.strip() for part in content_type.split(";"))
    if media_type.lower() != "application/json":
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


@dataclass(frozen=True)
class HttpResponse:
    status: int
    payload: dict[str, Any] = field(default_factory=dict)

    def to_api_gateway(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(self.payload),
        }
