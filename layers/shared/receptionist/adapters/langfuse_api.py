"""The customer's traces in Langfuse (receptionist.privacy.stores.CustomerItems), through its public
API with the project's keys (basic auth, as the recorder sends them):

- `GET /api/public/traces?sessionId=<id>&page=<n>&limit=100`: the traces of one conversation (the
  recorder's session is the conversation's id in the CRM), and `?userId=<pseudonym>`: the traces of
  the customer at the business whatever their conversation (the recorder's keyed user id). Answers
  `{"data": [{"id": ...}, ...], "meta": {"page", "limit", "totalItems", "totalPages"}}`.
- `DELETE /api/public/traces` with `{"traceIds": [...]}`: deletes them (Langfuse answers at once
  and removes the data within about 15 minutes: https://langfuse.com/docs/data-deletion).

Langfuse's read API can lag ingestion by minutes, so a trace sent just before an erasure may not
be listed yet: the erasure's report says so, and running it again later finds it (docs/privacy.md).

Standard library HTTP (urllib): ops and the console call it a few times per request; a slow
Langfuse fails the step after its timeout, and running the request again resumes there."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, Final

from receptionist.privacy.stores import CrmRefs, Customer

PAGE: Final = 100
DELETE_BATCH: Final = 100
MAX_PAGES: Final = 200  # 20,000 traces of one customer is far past any real conversation
_ATTEMPTS: Final = 3


class LangfuseError(RuntimeError):
    pass


class LangfuseTraces:
    def __init__(
        self,
        host: str,
        credentials: Callable[[], tuple[str, str]],
        *,
        timeout: float = 5.0,
        opener: Callable[..., Any] = urllib.request.urlopen,
    ) -> None:
        self.host = host.rstrip("/")
        self._credentials = credentials
        self.timeout = timeout
        self._open = opener

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        found: list[str] = []
        filters = [{"sessionId": session} for session in refs.identity_ids]
        if customer.pseudonym:
            filters.append({"userId": customer.pseudonym})
        for query in filters:
            found += self._list(query)
        return list(dict.fromkeys(found))

    def delete(self, trace_ids: Sequence[str]) -> int:
        for start in range(0, len(trace_ids), DELETE_BATCH):
            batch = list(trace_ids[start : start + DELETE_BATCH])
            self._request("DELETE", "/api/public/traces", {"traceIds": batch})
        return len(trace_ids)

    def _list(self, query: dict[str, str]) -> list[str]:
        ids: list[str] = []
        for page in range(1, MAX_PAGES + 1):
            params = urllib.parse.urlencode({**query, "page": page, "limit": PAGE})
            answer = self._request("GET", f"/api/public/traces?{params}")
            data = answer.get("data") or []
            ids += [str(t["id"]) for t in data if isinstance(t, dict) and t.get("id")]
            pages = int((answer.get("meta") or {}).get("totalPages") or 0)
            if page >= pages or not data:
                return ids
        raise LangfuseError(f"more than {MAX_PAGES} pages of traces")

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        public, secret = self._credentials()
        auth = base64.b64encode(f"{public}:{secret}".encode()).decode()
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Basic {auth}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(f"{self.host}{path}", data=data, headers=headers, method=method)  # noqa: S310
        for attempt in range(_ATTEMPTS):
            try:
                with self._open(request, timeout=self.timeout) as answer:
                    raw = answer.read()
                return dict(json.loads(raw)) if raw else {}
            except urllib.error.HTTPError as exc:
                # The status only: Langfuse's message can quote what was asked.
                if (exc.code < 500 and exc.code != 429) or attempt == _ATTEMPTS - 1:
                    raise LangfuseError(f"Langfuse answered {exc.code} to {method}") from None
            except (OSError, ValueError) as exc:
                if attempt == _ATTEMPTS - 1:
                    raise LangfuseError(f"Langfuse unreachable ({type(exc).__name__})") from None
            time.sleep(0.2 * 2**attempt)
        raise LangfuseError("unreachable")  # pragma: no cover - the loop returns or raises
