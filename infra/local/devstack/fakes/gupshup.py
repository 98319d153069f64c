"""A local server speaking Gupshup's WhatsApp API (send API + hosted media).

- POST /wa/api/v1/msg            form: channel, source, destination, src.name, message (JSON):
                                 type text (<= 4,096 characters), or the interactive types
                                 checked as Gupshup / WhatsApp check them, a violation a 400:
                                 quick_reply (body, 1-3 options, titles <= 20, postbackText)
                                 and list (body, 1-10 rows in all, row titles <= 24,
                                 descriptions <= 72, postbackText, one global button)
- POST /wa/api/v1/template/msg   form: channel, source, destination, src.name, template (JSON)
  header `apikey`. Success: 202 {"status":"submitted","messageId":"<uuid>"}.
- GET  /wa/app/<app id>/template  header `apikey`: the app's templates, as Gupshup's template API
                                 answers (adapters/gupshup_templates.py cites the documentation):
                                 {"status":"success","templates":[{id, elementName, languageCode,
                                 category, status, templateType, data, containerMeta (a JSON
                                 string: data, header, footer, buttons, sampleText), meta (a JSON
                                 string: example), reason, createdOn, modifiedOn, ...}]}. The
                                 seeded businesses' apps (SEEDED_APP_IDS) start with their seeded
                                 templates (infra/supabase/seed.sql), APPROVED.
- POST /wa/app/<app id>/template  header `apikey`, form: elementName (lower case, digits, _),
                                 languageCode, category (UTILITY, MARKETING, AUTHENTICATION),
                                 templateType, content (<= 1,024), example, footer, buttons (a JSON
                                 string): {"status":"success","template":{..., "status":"PENDING"}};
                                 the same name and language twice is a 400, as Gupshup answers.
                                 set_template_status() plays Meta's review, remove_template() a
                                 template deleted in Gupshup.
- POST /partner/app/<app id>/v1/event   Gupshup's Partner API "Mark message as Read/Typing
                                 indicator" (adapters/gupshup_read.py cites the documentation):
                                 header `Authorization` the app's Partner App Token (`app_token`),
                                 a JSON body {"type": "message-event", "message":
                                 {"messaging_product": "whatsapp", "status": "read", "message_id",
                                 "typing_indicator"?: {"type": "text"}}}. Checked as the
                                 documentation lists its errors, each a 400: malformed JSON
                                 "Invalid JSON payload"; another type, product or status "Outbound
                                 event not supported"; no message_id or another indicator "Please
                                 review the request parameters and retry". A wrong token is a 401,
                                 an app id it does not hold a 404. Success: 200 {"status":"success"},
                                 recorded in `read_events` (read_events_for() per message id).
- GET  /media/<name>             bytes registered with add_media() (Gupshup-hosted media URLs).
- GET  /local/sent?after=N       local only (not Gupshup's): the accepted sends from index N on,
                                 as JSON, so `make chat` in another process can show replies.
- GET  /local/read-events?message_id=ID  local only: the accepted read receipts of that message
                                 ({"read_events": [{app_id, message_id, typing}]}), for tests that
                                 hold only the stack's address.

Failure modes for tests, consumed in order by fail_next(): "500", "429", "rate_limit"
(Gupshup's throttling answer), "invalid_destination" (a permanent error), "hang" (answers after
`hang_seconds`, past any sane client timeout), "garbage" (a 200 whose body is an HTML page, as a
proxy in the way answers); the template endpoints consume them too.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field, replace

from devstack.fakes.base import FakeServer, Recorded, Reply

_FAILURES = {
    "500": Reply.json(500, {"status": "error", "message": "Internal Server Error"}),
    "429": Reply.json(429, {"status": "error", "message": "Too Many Requests"}),
    "rate_limit": Reply.json(200, {"status": "error", "message": "Rate limit exceeded for app", "code": 1005}),
    "invalid_destination": Reply.json(400, {"status": "error", "message": "Invalid Destination"}),
    "template_not_found": Reply.json(400, {"status": "error", "message": "Template Not Found"}),
    "garbage": Reply(200, b"<html><body>Service temporarily unavailable</body></html>", {"content-type": "text/html"}),
}
_TEMPLATE_PATH = re.compile(r"^/wa/app/([A-Za-z0-9-]{1,64})/template$")
_READ_EVENT_PATH = re.compile(r"^/partner/app/([A-Za-z0-9-]{1,64})/v1/event$")
_ELEMENT_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_CATEGORIES = ("UTILITY", "MARKETING", "AUTHENTICATION")
# The seeded businesses' Gupshup app ids (infra/supabase/seed.sql sets the same on their connections).
SEEDED_APP_IDS = {
    "ClinicaSonrisa": "5b0c1e2a-7d4f-4c1a-9e8b-c11c0000a001",
    "SalonLima": "5b0c1e2a-7d4f-4c1a-9e8b-5a10000a0002",
}
_REMINDER_BUTTONS = ("Confirmar", "Cancelar", "Cambiar")


@dataclass(frozen=True)
class HostedTemplate:
    """A template as Gupshup holds it for an app."""

    id: str
    name: str
    body: str
    language: str = "es"
    category: str = "UTILITY"
    status: str = "APPROVED"
    buttons: tuple[str, ...] = ()  # quick replies
    footer: str | None = None
    example: str | None = None
    reason: str | None = None
    created_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def listed(self, app_id: str) -> dict[str, object]:
        """Its entry in Gupshup's template list."""
        buttons = [{"type": "QUICK_REPLY", "text": text} for text in self.buttons]
        container: dict[str, object] = {"data": self.body, "buttons": buttons, "sampleText": self.example or self.body}
        if self.footer:
            container["footer"] = self.footer
        shown = "\n".join(p for p in (self.body, self.footer) if p) + "".join(f" | [{b}]" for b in self.buttons)
        return {
            "appId": app_id,
            "buttonSupported": "QR" if self.buttons else "",
            "category": self.category,
            "containerMeta": json.dumps(container, ensure_ascii=False),
            "createdOn": self.created_ms,
            "data": shown,
            "elementName": self.name,
            "externalId": str(abs(hash(self.id)) % 10**15),
            "id": self.id,
            "internalCategory": 0,
            "internalType": 0,
            "languageCode": self.language,
            "languagePolicy": "deterministic",
            "meta": json.dumps({"example": self.example or self.body}, ensure_ascii=False),
            "modifiedOn": self.created_ms,
            "namespace": "local_namespace",
            "priority": 1,
            "quality": "UNKNOWN",
            "reason": self.reason,
            "retry": 0,
            "stage": "NONE",
            "status": self.status,
            "templateType": "TEXT",
            "vertical": "appointments",
            "wabaId": "000000000000001",
        }


def seeded_templates() -> dict[str, dict[str, HostedTemplate]]:
    """What Gupshup holds for the seeded apps: the templates seed.sql gives their businesses."""
    clinic = "Clínica Dental Sonrisa"
    salon = "Salón Bella Lima"
    notice = "Hola, {{1}} ({{2}}) quiere hablar con una persona: {{3}}"
    found = {
        SEEDED_APP_IDS["ClinicaSonrisa"]: [
            HostedTemplate(
                "retomar_conversacion",
                "retomar_conversacion",
                f"Hola {{{{1}}}}, te escribimos de {clinic} para retomar tu consulta. ¿Seguimos por aquí?",
            ),
            HostedTemplate(
                "recordatorio_cita",
                "recordatorio_cita",
                f"Hola {{{{1}}}}, te recordamos tu cita en {clinic} el {{{{2}}}}. Si no puedes venir,"
                " respóndenos a este mensaje.",
                buttons=_REMINDER_BUTTONS,
            ),
            HostedTemplate("escalation_notice", "escalation_notice", notice),
            # The clinic's reminder in English and Brazilian Portuguese (one template per language).
            HostedTemplate(
                "appointment_reminder_en",
                "appointment_reminder_en",
                f"Hi {{{{1}}}}, this is a reminder of your appointment at {clinic} on {{{{2}}}}. If you cannot"
                " come, reply to this message.",
                language="en",
                buttons=("Confirm", "Cancel", "Change"),
            ),
            HostedTemplate(
                "lembrete_consulta_pt",
                "lembrete_consulta_pt",
                f"Olá {{{{1}}}}, lembramos a sua consulta na {clinic} em {{{{2}}}}. Se não puder vir, responda"
                " a esta mensagem.",
                language="pt_BR",
                buttons=("Confirmar", "Cancelar", "Alterar"),
            ),
        ],
        SEEDED_APP_IDS["SalonLima"]: [
            HostedTemplate(
                "retomar_conversacion",
                "retomar_conversacion",
                f"Hola {{{{1}}}}, le escribimos de {salon} para retomar su consulta. ¿Le parece si seguimos por aquí?",
            ),
            HostedTemplate(
                "recordatorio_cita",
                "recordatorio_cita",
                f"Hola {{{{1}}}}, le recordamos su cita en {salon} el {{{{2}}}}. Si no puede venir, responda a"
                " este mensaje.",
                buttons=_REMINDER_BUTTONS,
            ),
            HostedTemplate("escalation_notice", "escalation_notice", notice),
        ],
    }
    return {app: {t.id: t for t in templates} for app, templates in found.items()}


@dataclass(frozen=True)
class ReadEvent:
    """One accepted "mark read" call: which app, which inbound message, with "typing…" or not."""

    app_id: str
    message_id: str
    typing: bool
    content_type: str
    at: float


@dataclass(frozen=True)
class SentMessage:
    """What reached "WhatsApp": one accepted send request."""

    provider_id: str
    kind: str  # "session" or "template"
    source: str
    destination: str
    app: str
    payload: dict[str, object]
    at: float

    @property
    def text(self) -> str:
        """What the customer reads: a text's text, an interactive message's body."""
        kind = self.payload.get("type")
        if kind == "list":
            return str(self.payload.get("body", ""))
        if kind == "quick_reply":
            content = self.payload.get("content")
            return str(content.get("text", "")) if isinstance(content, dict) else ""
        return str(self.payload.get("text", ""))

    @property
    def options(self) -> list[dict[str, object]]:
        """An interactive message's options (buttons, or every list row), in order."""
        if self.payload.get("type") == "quick_reply":
            return _dicts(self.payload.get("options"))
        if self.payload.get("type") == "list":
            return [row for section in _dicts(self.payload.get("items")) for row in _dicts(section.get("options"))]
        return []


class FakeGupshup(FakeServer):
    name = "gupshup"

    def __init__(
        self,
        api_key: str = "local-gupshup-key",
        hang_seconds: float = 30.0,
        port: int = 0,
        app_token: str = "local-gupshup-app-token",  # noqa: S107 - a local stand-in's token
    ) -> None:
        super().__init__(port=port)
        self.api_key = api_key
        self.app_token = app_token
        self.read_events: list[ReadEvent] = []
        self.hang_seconds = hang_seconds
        self.sent: list[SentMessage] = []
        self._failures: deque[str] = deque()
        self._media: dict[str, tuple[bytes, str]] = {}
        self._templates = seeded_templates()  # app id -> template id -> template

    # -- templates (what Gupshup holds per app; tests play Meta's review with these) ----------------
    def add_template(self, app_id: str, template: HostedTemplate) -> None:
        with self.lock:
            self._templates.setdefault(app_id, {})[template.id] = template

    def set_template_status(self, app_id: str, template_id: str, status: str, reason: str | None = None) -> None:
        with self.lock:
            held = self._templates[app_id][template_id]
            self._templates[app_id][template_id] = replace(held, status=status, reason=reason)

    def remove_template(self, app_id: str, template_id: str) -> None:
        with self.lock:
            self._templates.get(app_id, {}).pop(template_id, None)

    def templates(self, app_id: str) -> list[HostedTemplate]:
        with self.lock:
            return list(self._templates.get(app_id, {}).values())

    def add_app(self, app_id: str) -> None:
        """An app Gupshup holds (with no templates yet): its read receipts are accepted."""
        with self.lock:
            self._templates.setdefault(app_id, {})

    def read_events_for(self, message_id: str) -> list[ReadEvent]:
        with self.lock:
            return [e for e in self.read_events if e.message_id == message_id]

    def fail_next(self, *modes: str) -> None:
        with self.lock:
            self._failures.extend(modes)

    def add_media(self, name: str, data: bytes, content_type: str) -> str:
        self._media[name] = (data, content_type)
        return f"{self.url}/media/{name}"

    def _not_a_send(self, request: Recorded) -> Reply | None:
        """Media, the local lists, the template API and read receipts (None: a send request)."""
        if request.method == "GET" and request.path.startswith("/media/"):
            item = self._media.get(request.path.removeprefix("/media/"))
            if item is None:
                return Reply.json(404, {"status": "error", "message": "media not found"})
            return Reply(200, item[0], {"content-type": item[1]})
        if request.method == "GET" and request.path == "/local/sent":
            return self._sent_since(request)
        if request.method == "GET" and request.path == "/local/read-events":
            wanted = request.query.get("message_id", [""])[0]
            events = [{"app_id": e.app_id, "message_id": e.message_id, "typing": e.typing}
                      for e in self.read_events_for(wanted)]  # fmt: skip
            return Reply.json(200, {"read_events": events})
        if _TEMPLATE_PATH.fullmatch(request.path) and request.method in ("GET", "POST"):
            return self._template_api(request, request.path.split("/")[3])
        if (event := _READ_EVENT_PATH.fullmatch(request.path)) and request.method == "POST":
            return self._read_event(request, event.group(1))
        return None

    def _read_event(self, request: Recorded, app_id: str) -> Reply:
        """Gupshup's "Mark message as Read/Typing indicator", checked as its documentation says."""
        if request.headers.get("authorization") != self.app_token:
            return Reply.json(401, {"status": "error", "message": "Authentication Failed"})
        with self.lock:
            known = app_id in self._templates
            mode = self._failures.popleft() if self._failures else None
        if not known:
            return Reply.json(404, {"status": "error", "message": "App not found"})
        if mode == "hang":
            return Reply.json(200, {"status": "success"}, delay=self.hang_seconds)
        if mode:
            return _FAILURES[mode]
        try:
            body = json.loads(request.body)
        except ValueError:
            return Reply.json(400, {"message": "Invalid JSON payload", "status": "error"})
        message = body.get("message") if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or body.get("type") != "message-event"
            or not isinstance(message, dict)
            or message.get("messaging_product") != "whatsapp"
            or message.get("status") != "read"
        ):
            return Reply.json(400, {"message": "Outbound event not supported", "status": "error"})
        message_id, typing = message.get("message_id"), message.get("typing_indicator")
        if not isinstance(message_id, str) or not message_id.strip() or typing not in (None, {"type": "text"}):
            return Reply.json(400, {"status": "error", "message": "Please review the request parameters and retry"})
        event = ReadEvent(app_id, message_id, typing is not None, request.headers.get("content-type", ""), request.at)
        with self.lock:
            self.read_events.append(event)
        return Reply.json(200, {"status": "success"})

    def answer(self, request: Recorded) -> Reply:
        other = self._not_a_send(request)
        if other is not None:
            return other
        if request.method != "POST" or request.path not in ("/wa/api/v1/msg", "/wa/api/v1/template/msg"):
            return Reply.json(404, {"status": "error", "message": "Not Found"})
        if request.headers.get("apikey") != self.api_key:
            return Reply.json(401, {"status": "error", "message": "Authentication Failed"})
        with self.lock:
            mode = self._failures.popleft() if self._failures else None
        if mode == "hang":
            return Reply.json(202, {"status": "submitted", "messageId": str(uuid.uuid4())}, delay=self.hang_seconds)
        if mode:
            return _FAILURES[mode]
        form = request.form()
        template = request.path.endswith("/template/msg")
        field = "template" if template else "message"
        missing = [k for k in ("channel", "source", "destination", field) if not form.get(k)]
        if missing or form.get("channel") != "whatsapp":
            return Reply.json(
                400, {"status": "error", "message": f"Missing or invalid: {', '.join(missing) or 'channel'}"}
            )
        try:
            payload = json.loads(form[field])
        except ValueError:
            return Reply.json(400, {"status": "error", "message": f"{field} is not valid JSON"})
        if not template and payload.get("type") == "text" and len(str(payload.get("text", ""))) > 4096:
            return Reply.json(400, {"status": "error", "message": "Message text too long"})
        problem = _interactive_problem(payload) if not template else None
        if problem:
            return Reply.json(400, {"status": "error", "message": problem})
        provider_id = str(uuid.uuid4())
        with self.lock:
            self.sent.append(
                SentMessage(
                    provider_id,
                    "template" if template else "session",
                    form["source"],
                    form["destination"],
                    form.get("src.name", ""),
                    payload,
                    request.at,
                )
            )
        return Reply.json(202, {"status": "submitted", "messageId": provider_id})

    def _template_api(self, request: Recorded, app_id: str) -> Reply:
        if request.headers.get("apikey") != self.api_key:
            return Reply.json(401, {"status": "error", "message": "Authentication Failed"})
        with self.lock:
            mode = self._failures.popleft() if self._failures else None
            known = app_id in self._templates
        if mode == "hang":
            return Reply.json(200, {"status": "success", "templates": []}, delay=self.hang_seconds)
        if mode:
            return _FAILURES[mode]
        if not known and request.method == "GET":
            return Reply.json(404, {"status": "error", "message": "App not found"})
        if request.method == "GET":
            return Reply.json(
                200, {"status": "success", "templates": [t.listed(app_id) for t in self.templates(app_id)]}
            )
        return self._apply(app_id, request.form())

    def _apply(self, app_id: str, form: dict[str, str]) -> Reply:
        """Gupshup's "Apply for templates": checked as Gupshup checks it, then PENDING."""
        name, content = form.get("elementName", ""), form.get("content", "")
        language, category = form.get("languageCode") or "en_US", form.get("category", "").upper()
        if not _ELEMENT_NAME.fullmatch(name):
            return Reply.json(400, {"status": "error", "message": "Invalid elementName"})
        if not content.strip() or len(content) > 1024:
            return Reply.json(400, {"status": "error", "message": "content must have 1-1024 characters"})
        if category not in _CATEGORIES:
            return Reply.json(400, {"status": "error", "message": "Invalid category provided, kindly use category"
                                    " from these option AUTHENTICATION, MARKETING, UTILITY"})  # fmt: skip
        if not form.get("templateType"):
            return Reply.json(400, {"status": "error", "message": "templateType is required"})
        try:
            buttons = json.loads(form["buttons"]) if form.get("buttons") else []
        except ValueError:
            return Reply.json(400, {"status": "error", "message": "buttons is not valid JSON"})
        texts = tuple(str(b.get("text", "")) for b in buttons if isinstance(b, dict))
        with self.lock:
            held = self._templates.setdefault(app_id, {})
            if any(t.name == name and t.language == language for t in held.values()):
                return Reply.json(400, {"status": "error", "message": "Template Already exists with same namespace"
                                        " and elementName and languageCode"})  # fmt: skip
            made = HostedTemplate(
                str(uuid.uuid4()),
                name,
                content,
                language,
                category,
                "PENDING",
                texts,
                form.get("footer") or None,
                form.get("example") or None,
            )
            held[made.id] = made
        return Reply.json(200, {"status": "success", "template": made.listed(app_id)})

    def _sent_since(self, request: Recorded) -> Reply:
        try:
            after = max(0, int(request.query.get("after", ["0"])[0]))
        except ValueError:
            return Reply.json(400, {"status": "error", "message": "after must be an integer"})
        with self.lock:
            sent = list(enumerate(self.sent))[after:]
        items = [
            {"index": i, "kind": m.kind, "destination": m.destination, "text": m.text, "payload": m.payload, "at": m.at}
            for i, m in sent
        ]
        return Reply.json(200, {"sent": items, "next": after + len(items)})

    def sent_to(self, destination: str) -> list[SentMessage]:
        with self.lock:
            return [m for m in self.sent if m.destination == destination]


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def _interactive_problem(payload: dict[str, object]) -> str | None:
    """Why Gupshup would refuse an interactive session message (None: it is fine, or not one)."""
    if payload.get("type") == "quick_reply":
        return _quick_reply_problem(payload)
    if payload.get("type") == "list":
        return _list_problem(payload)
    return None


def _quick_reply_problem(payload: dict[str, object]) -> str | None:
    content = payload.get("content")
    body = _text_of(content.get("text")) if isinstance(content, dict) else ""
    raw = payload.get("options")
    options = _dicts(raw)
    if not body.strip() or len(body) > 1024:
        return "quick_reply: content.text must have 1-1024 characters"
    if not 1 <= len(options) <= 3 or not isinstance(raw, list) or len(options) != len(raw):
        return "quick_reply: 1-3 options"
    titles = [_text_of(o.get("title")) for o in options]
    if any(not 1 <= len(t) <= 20 for t in titles) or len(set(titles)) != len(titles):
        return "quick_reply: option titles must be unique, 1-20 characters"
    if any(not 1 <= len(_text_of(o.get("postbackText"))) <= 200 for o in options):
        return "quick_reply: every option needs a postbackText"
    return None


def _list_problem(payload: dict[str, object]) -> str | None:
    body = _text_of(payload.get("body"))
    if not body.strip() or len(body) > 1024:
        return "list: body must have 1-1024 characters"
    buttons = _dicts(payload.get("globalButtons"))
    if len(buttons) != 1 or not 1 <= len(_text_of(buttons[0].get("title"))) <= 20:
        return "list: one global button, title 1-20 characters"
    sections = _dicts(payload.get("items"))
    rows = [row for s in sections for row in _dicts(s.get("options"))]
    if not sections or not 1 <= len(rows) <= 10:
        return "list: 1-10 rows in total"
    if any(len(_text_of(s.get("title"))) > 24 for s in sections):
        return "list: section titles must have at most 24 characters"
    if any(not 1 <= len(_text_of(r.get("title"))) <= 24 for r in rows):
        return "list: row titles must have 1-24 characters"
    if any(len(_text_of(r.get("description"))) > 72 for r in rows):
        return "list: row descriptions must have at most 72 characters"
    postbacks = [_text_of(r.get("postbackText")) for r in rows]
    if any(not 1 <= len(p) <= 200 for p in postbacks) or len(set(postbacks)) != len(postbacks):
        return "list: every row needs a unique postbackText of 1-200 characters"
    return None
