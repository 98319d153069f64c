"""The HTTP side of the webhook: API Gateway HTTP API (v2) request in, response out."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes

    @classmethod
    def from_api_gateway(cls, event: dict[str, Any]) -> HttpRequest:
        raw = event.get("body") or ""
        body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
        http = (event.get("requestContext") or {}).get("http") or {}
        return cls(
            method=str(http.get("method", "")),
            path=str(event.get("rawPath", "")),
            headers={str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()},
            query={str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()},
            body=body,
        )


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
