"""Gupshup WhatsApp send API over HTTP (stdlib only, so the notifier stays light).

Session messages (texts; list and quick_reply interactive messages): POST {base}/wa/api/v1/msg;
templates: POST {base}/wa/api/v1/template/msg.
Both form-encoded (channel=whatsapp, source, destination, src.name, message|template as JSON)
with the app's key in the `apikey` header. Success is {"status":"submitted","messageId":...}.

Every call has a timeout (the client's, or a shorter one the caller passes, e.g. what is left
of the Lambda's time). Failures are classified so the caller can decide: transient ones
(timeouts, connection errors, 429, 5xx, Gupshup's rate-limit answers, a rejected API key, which
is a configuration problem that a fixed key cures) may be retried; permanent ones (invalid
number, opted out, template not found, bad request) must not be.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT_SECONDS = 8.0

# Gupshup answers some throttling with HTTP 200/4xx and a message rather than a 429.
_RATE_LIMIT_MARKERS = ("rate limit", "too many requests", "throttl")


class GupshupError(Exception):
    """A send that did not go out. `transient` says whether trying again may help."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


@dataclass(frozen=True)
class AppCredentials:
    """One organization's Gupshup app: who the message is from."""

    app_name: str
    source_number: str
    api_key: str

    def __repr__(self) -> str:  # the key must never reach a log line
        return f"AppCredentials(app_name={self.app_name!r}, source_number=***, api_key=***)"


class GupshupApi:
    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.calls = 0  # HTTP requests made (benchmarks report calls per job)

    def send_text(self, app: AppCredentials, destination: str, text: str, *, timeout: float | None = None) -> str:
        """A session (free-form) text message; returns Gupshup's message id."""
        message = {"type": "text", "text": text}
        return self._post("/wa/api/v1/msg", app, destination, "message", message, timeout)

    def send_interactive(
        self, app: AppCredentials, destination: str, message: dict[str, Any], *, timeout: float | None = None
    ) -> str:
        """A session interactive message (type list or quick_reply, built by
        receptionist.notifier.interactive); returns Gupshup's message id."""
        return self._post("/wa/api/v1/msg", app, destination, "message", message, timeout)

    def send_template(
        self,
        app: AppCredentials,
        destination: str,
        template_id: str,
        params: list[str],
        *,
        timeout: float | None = None,
        postback_texts: list[str] | None = None,
    ) -> str:
        """An approved template message (allowed outside the 24-hour window); returns Gupshup's id.

        `postback_texts`: what each of the template's quick-reply buttons sends back when tapped,
        in button order (Gupshup's `postbackTexts` form field, [{"index": 0, "text": ...}, ...];
        the inbound quick_reply carries it as payload.postbackText)."""
        template = {"id": template_id, "params": params}
        extra: dict[str, str] = {}
        if postback_texts:
            extra["postbackTexts"] = json.dumps(
                [{"index": i, "text": text} for i, text in enumerate(postback_texts)], ensure_ascii=False
            )
        return self._post("/wa/api/v1/template/msg", app, destination, "template", template, timeout, extra)

    def _post(
        self,
        path: str,
        app: AppCredentials,
        destination: str,
        field: str,
        value: dict[str, Any],
        timeout: float | None,
        extra: dict[str, str] | None = None,
    ) -> str:
        form = {
            "channel": "whatsapp",
            "source": app.source_number,
            "destination": destination,
            "src.name": app.app_name,
            field: json.dumps(value, ensure_ascii=False),
            **(extra or {}),
        }
        request = urllib.request.Request(  # noqa: S310 - base URL is deployment configuration
            self.base_url + path,
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "apikey": app.api_key,
                "content-type": "application/x-www-form-urlencoded",
                "accept": "application/json",
            },
            method="POST",
        )
        limit = self.timeout if timeout is None else max(0.001, min(timeout, self.timeout))
        self.calls += 1
        try:
            with urllib.request.urlopen(request, timeout=limit) as resp:  # noqa: S310
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        except TimeoutError as err:  # socket.timeout is TimeoutError
            raise GupshupError("Gupshup did not answer in time", transient=True) from err
        except urllib.error.URLError as err:
            raise GupshupError(f"Gupshup unreachable: {err.reason}", transient=True) from err
        except (OSError, http.client.HTTPException) as err:  # dropped mid-answer (reset, truncated body)
            raise GupshupError(f"Gupshup connection failed: {type(err).__name__}", transient=True) from err
        return _parse(status, raw)


def _parse(status: int, raw: bytes) -> str:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or body.get("error") or "")
    lowered = message.lower()
    if 200 <= status < 300 and body.get("status") == "submitted" and body.get("messageId"):
        return str(body["messageId"])
    if status == 429 or any(m in lowered for m in _RATE_LIMIT_MARKERS):
        raise GupshupError(f"Gupshup rate limit ({status}): {message}", transient=True, status=status)
    if status >= 500:
        raise GupshupError(f"Gupshup server error ({status})", transient=True, status=status)
    if status in (401, 403):
        # The app's key is wrong or revoked: nothing is wrong with the message. Let the job fail
        # (SQS retries it, then the DLQ alarms) rather than mark the message undeliverable.
        raise GupshupError(f"Gupshup rejected the API key ({status})", transient=True, status=status)
    if 200 <= status < 300:
        # A 2xx without a message id is not a send we can record: treat as transient once more.
        raise GupshupError(f"Gupshup unexpected answer ({status}): {message}", transient=True, status=status)
    raise GupshupError(f"Gupshup refused the message ({status}): {message}", transient=False, status=status)
