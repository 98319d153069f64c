"""Gupshup's template API for one WhatsApp app, with the app's own API key (standard library only,
so the reminders function that syncs daily and the console's cold start stay light).

The project calls Gupshup with each app's key in the `apikey` header (adapters/gupshup_api.py; the
key is an SSM SecureString per app), so this is Gupshup's self-serve template API, not the Partner
API (which wants a partner app token):

- list: `GET {base}/wa/app/{appId}/template` with `apikey`
  (https://docs.gupshup.io/reference/get_wa-app-appid-template, "Get templates"). The answer is
  the one Gupshup's Partner API documents for `GET /partner/app/{appId}/templates`
  (https://docs.gupshup.io/reference/get_partner-app-appid-templates, "Sample Response"; its
  paginated form says "The Self Serve response is returned unchanged"):
  `{"status": "success", "templates": [{"id", "elementName", "languageCode", "category",
  "status", "templateType", "data", "containerMeta", "meta", "reason", "createdOn",
  "modifiedOn", "buttonSupported", "vertical", "namespace", "quality", ...}]}`.
  `containerMeta` and `meta` are JSON *strings*: containerMeta holds `data` (the body alone),
  `header`, `footer`, `buttons` ([{"type": "QUICK_REPLY" | "URL" | "PHONE_NUMBER", "text", "url",
  "phone_number"}]) and `sampleText`; `meta` holds `example`. `data` is the whole text as Gupshup
  shows it (header, body, footer and " | [Button]" markers), the fallback for the body.
- submit: `POST {base}/wa/app/{appId}/template` with `apikey`, form-encoded: `elementName`,
  `languageCode`, `category` (UTILITY, MARKETING, AUTHENTICATION), `templateType` (TEXT),
  `vertical`, `content`, `example`, optional `footer`, `buttons` (a JSON string),
  `enableSample`, `allowTemplateCategoryChange` (https://docs.gupshup.io/reference/template-apis-1,
  "Apply For Templates"; https://partner-docs.gupshup.io/reference/post_partner-app-appid-templates
  for the fields). Success: `{"status": "success", "template": {...}}`, the new template with
  its `id` and `status` (PENDING while Meta reviews it).

Liberal in what it reads: a template needs only its `id` and `elementName`; any other field may
be missing, null or of another type, and is then left empty (a template that lacks even those is
skipped and counted, never fatal). Strict about the envelope: an answer that is not JSON, not
`status: success` or has no `templates` list is `TemplateApiError(kind="garbage")` and the caller
keeps what it had: a sync never reads "no templates" out of a broken answer.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Literal

DEFAULT_TIMEOUT_SECONDS = 8.0
ErrorKind = Literal["unreachable", "refused", "garbage", "rejected"]
_BUTTON_MARKERS = re.compile(r"(\s*\|\s*\[[^\]]*\])+\s*$")


class TemplateApiError(Exception):
    """Gupshup did not give what was asked. `kind`: unreachable (timeout, connection, 5xx, 429),
    refused (the key or the app id was not accepted: 401/403/404), garbage (an answer that is not Gupshup's), rejected
    (a submission Gupshup turned down: `message` is Gupshup's reason, shown to the owner)."""

    def __init__(self, kind: ErrorKind, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.status = status


@dataclass(frozen=True)
class TemplateApp:
    """Which app's templates, and its key (never in a repr: log lines must not carry it)."""

    app_id: str
    api_key: str

    def __repr__(self) -> str:
        return f"TemplateApp(app_id={self.app_id!r}, api_key=***)"


@dataclass(frozen=True)
class TemplateButton:
    type: str  # QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, ...
    text: str
    value: str | None = None  # a URL button's url, a phone button's number

    def as_json(self) -> dict[str, str]:
        return {"type": self.type, "text": self.text} | ({"value": self.value} if self.value else {})


@dataclass(frozen=True)
class GupshupTemplate:
    """One template as Gupshup lists it."""

    id: str
    name: str  # elementName
    language: str | None
    category: str | None
    status: str  # upper case; UNKNOWN when Gupshup gave none
    body: str
    header: str | None = None
    footer: str | None = None
    buttons: tuple[TemplateButton, ...] = ()
    example: str | None = None
    rejected_reason: str | None = None
    template_type: str | None = None

    @property
    def approved(self) -> bool:
        return self.status == "APPROVED"


@dataclass(frozen=True)
class TemplateList:
    templates: list[GupshupTemplate]
    skipped: int = 0  # entries without an id or a name


@dataclass(frozen=True)
class TemplateDraft:
    """A new template to submit for approval (checked by the console's form before it gets here)."""

    name: str
    language: str
    category: str
    body: str
    example: str  # the body with a sample value in each {{n}}
    footer: str | None = None
    quick_replies: tuple[str, ...] = ()
    vertical: str = "appointments"

    def form(self) -> dict[str, str]:
        fields = {
            "elementName": self.name,
            "languageCode": self.language,
            "category": self.category,
            "templateType": "TEXT",
            "vertical": self.vertical,
            "content": self.body,
            "example": self.example,
            "enableSample": "true",
            "allowTemplateCategoryChange": "false",
        }
        if self.footer:
            fields["footer"] = self.footer
        if self.quick_replies:
            fields["buttons"] = json.dumps(
                [{"type": "QUICK_REPLY", "text": text} for text in self.quick_replies], ensure_ascii=False
            )
        return fields


# -- what Gupshup sends, read liberally ------------------------------------------------------------
def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _json_object(value: Any) -> dict[str, Any]:
    """containerMeta / meta: a JSON string (or, liberally, already an object)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        try:
            found = json.loads(value)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}
    return {}


def _template_from(entry: dict[str, Any]) -> GupshupTemplate | None:
    """One entry of `templates`: every field optional and of any type (a plain dict read, not a
    model: nothing here may refuse the entry but a missing id or name)."""
    template_id, name = _text(entry.get("id")), _text(entry.get("elementName"))
    if not template_id or not template_id.strip() or not name or not name.strip():
        return None
    container = _json_object(entry.get("containerMeta"))
    meta = _json_object(entry.get("meta"))
    body = _text(container.get("data")) or _body_of(_text(entry.get("data")) or "")
    status = (_text(entry.get("status")) or "UNKNOWN").strip().upper() or "UNKNOWN"
    reason = _text(entry.get("reason")) or _text(entry.get("rejectedReason"))  # the latter in some answers
    return GupshupTemplate(
        id=template_id.strip(),
        name=name.strip(),
        language=(_text(entry.get("languageCode")) or "").strip() or None,
        category=(_text(entry.get("category")) or "").strip().upper() or None,
        status=re.sub(r"[^A-Z_]", "_", status)[:40],
        body=body,
        header=_text(container.get("header")) or None,
        footer=_text(container.get("footer")) or None,
        buttons=_buttons(container.get("buttons")),
        example=_text(container.get("sampleText")) or _text(meta.get("example")) or None,
        rejected_reason=reason.strip() if reason and reason.strip() and reason.strip().upper() != "NONE" else None,
        template_type=_text(entry.get("templateType")),
    )


def _body_of(data: str) -> str:
    """`data` without the " | [Button]" markers Gupshup appends for buttons."""
    return _BUTTON_MARKERS.sub("", data).strip()


def _buttons(value: Any) -> tuple[TemplateButton, ...]:
    found: list[TemplateButton] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        text = _text(item.get("text"))
        if not text:
            continue
        kind = (_text(item.get("type")) or "QUICK_REPLY").upper()
        found.append(TemplateButton(kind, text, _text(item.get("url")) or _text(item.get("phone_number"))))
    return tuple(found)


def parse_template_list(status: int, raw: bytes) -> TemplateList:
    """Gupshup's answer to a template list, or TemplateApiError."""
    body = _answer(status, raw)
    entries = body.get("templates")
    if body.get("status") != "success" or not isinstance(entries, list):
        raise TemplateApiError("garbage", "Gupshup's answer has no template list", status)
    templates: list[GupshupTemplate] = []
    skipped = 0
    for entry in entries:
        found = _entry(entry)
        if found is None:
            skipped += 1
        else:
            templates.append(found)
    return TemplateList(templates, skipped)


def parse_submission(status: int, raw: bytes) -> GupshupTemplate:
    body = _answer(status, raw, submission=True)
    found = _entry(body.get("template")) if body.get("status") == "success" else None
    if found is None:
        raise TemplateApiError("garbage", "Gupshup's answer has no template", status)
    return found


def _entry(value: Any) -> GupshupTemplate | None:
    return _template_from(value) if isinstance(value, dict) else None


def _answer(status: int, raw: bytes, *, submission: bool = False) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    message = str(body.get("message") or "") if isinstance(body, dict) else ""
    if status == 429 or status >= 500:
        raise TemplateApiError("unreachable", f"Gupshup answered {status}", status)
    if status in (401, 403, 404):  # a key Gupshup does not accept, or an app id it does not know
        raise TemplateApiError("refused", f"Gupshup refused the app's key or id ({status})", status)
    if submission and 400 <= status < 500:
        raise TemplateApiError("rejected", message[:300] or f"Gupshup refused the template ({status})", status)
    if not 200 <= status < 300 or not isinstance(body, dict):
        raise TemplateApiError("garbage", f"Gupshup answered {status} with no usable body", status)
    return body


@dataclass
class GupshupTemplates:
    base_url: str
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    calls: int = field(default=0)

    def list_templates(self, app: TemplateApp, *, timeout: float | None = None) -> TemplateList:
        status, raw = self._call("GET", app, None, timeout)
        return parse_template_list(status, raw)

    def submit(self, app: TemplateApp, draft: TemplateDraft, *, timeout: float | None = None) -> GupshupTemplate:
        status, raw = self._call("POST", app, urllib.parse.urlencode(draft.form()).encode(), timeout)
        return parse_submission(status, raw)

    def _call(self, method: str, app: TemplateApp, data: bytes | None, timeout: float | None) -> tuple[int, bytes]:
        url = f"{self.base_url.rstrip('/')}/wa/app/{urllib.parse.quote(app.app_id, safe='')}/template"
        headers = {"apikey": app.api_key, "accept": "application/json"}
        if data is not None:
            headers["content-type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - configured base URL
        limit = self.timeout if timeout is None else max(0.001, min(timeout, self.timeout))
        self.calls += 1
        try:
            with urllib.request.urlopen(request, timeout=limit) as resp:  # noqa: S310
                return int(resp.status), resp.read()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read()
        except TimeoutError as err:
            raise TemplateApiError("unreachable", "Gupshup did not answer in time") from err
        except urllib.error.URLError as err:
            raise TemplateApiError("unreachable", f"Gupshup unreachable: {err.reason}") from err
        except (OSError, http.client.HTTPException) as err:
            raise TemplateApiError("unreachable", f"Gupshup connection failed: {type(err).__name__}") from err
