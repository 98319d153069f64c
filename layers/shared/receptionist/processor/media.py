"""Turn each buffered Gupshup message into text the agent can read (processed_text).

Voice notes and audio are transcribed and photos described by Gemini, after a bounded download
and a copy in S3. Other kinds get a short text of what they are. Whatever a callback left out
(no contentType, no url, no caption) the message is still read as far as it can be: the kind
comes from the message type, the content type from the download. A media failure never fails
the turn: the message gets a note saying what could not be read, and `failed` is set so the
turn can tell the customer plainly.

Every slow call is bounded by the turn's deadline and leaves MODEL_RESERVE_SECONDS for the
model, so slow media makes a "could not listen" note, not a turn that runs out of time.

Square brackets are the code's own marks: a tap ("[El cliente eligió …]", which the prompt takes
as the customer's choice and their "sí" to a slot), a voice note, a shared location. Whatever the
customer controls (what they type, a caption, what Gemini hears or sees in their media, a shared
place or contact, a button's label) has its brackets turned into parentheses (`customer_words`)
before it is put in a text, so typed text can never pass for a tap or any other mark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from receptionist.agent.choices import clip, parse_choice
from receptionist.agent.wording import weekday
from receptionist.deadline import Deadline

if TYPE_CHECKING:
    from receptionist.turns import BufferedMessage

logger = logging.getLogger(__name__)

MB = 1024 * 1024
AUDIO_LIMIT = 16 * MB
IMAGE_LIMIT = 5 * MB
AUDIO_TYPES = ("audio/",)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
DOWNLOAD_SECONDS: Final = 10.0
GEMINI_SECONDS: Final = 20.0
MODEL_RESERVE_SECONDS: Final = 15.0  # media never eats into the model's share of the turn

AUDIO_FAILED = "[Nota de voz que no se pudo escuchar]"
IMAGE_FAILED = "[Imagen que no se pudo ver]"
_FAILED_NOTES: Final = (AUDIO_FAILED, IMAGE_FAILED)
LABEL_CHARS: Final = 100  # a tapped option's title or description, as the agent reads it
# The code's marks and their look-alikes (full-width, CJK lenticular / white / tortoise shell,
# mathematical white): in the customer's words each becomes a parenthesis, plain punctuation.
OPENING_MARKS: Final = "[\uff3b\u3010\u301a\u27e6\u3014"
CLOSING_MARKS: Final = "]\uff3d\u3011\u301b\u27e7\u3015"
_MARKS: Final = str.maketrans(dict.fromkeys(OPENING_MARKS, "(") | dict.fromkeys(CLOSING_MARKS, ")"))


def customer_words(text: str) -> str:
    """Text the customer controls, as the model may read it: never a code mark (brackets become
    parentheses), otherwise unchanged."""
    return text.translate(_MARKS)


@dataclass(frozen=True)
class Processed:
    kind: str
    text: str
    failed: bool = False


class Fetched(Protocol):
    @property
    def data(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


class MediaPorts(Protocol):
    def download(self, url: str, *, max_bytes: int, allowed_types: tuple[str, ...], timeout: float) -> Fetched: ...

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str: ...

    def transcribe(self, data: bytes, mime_type: str, *, timeout: float) -> str: ...

    def describe(self, data: bytes, mime_type: str, *, timeout: float) -> str: ...


@dataclass
class MediaReader:
    ports: MediaPorts

    def stored(self, kind: str, text: str) -> Processed:
        return Processed(kind, text, failed=text.startswith(_FAILED_NOTES))

    def read(self, conversation: str, message: BufferedMessage, deadline: Deadline) -> Processed:
        kind, content = message.message_type, message.content
        caption = customer_words(str(content.get("caption") or "").strip())
        if kind == "text":
            text = str(content.get("text") or "")
            return Processed(kind, customer_words(text) if text else "[Mensaje sin texto]")
        if kind in ("button_reply", "quick_reply", "list_reply"):
            return Processed(kind, _selection(content))
        if kind == "location":
            place = customer_words(", ".join(str(content[k]) for k in ("name", "address") if content.get(k)))
            at = f"{content.get('latitude')}, {content.get('longitude')}" if "latitude" in content else ""
            coords = customer_words(at)
            where = " — ".join(p for p in (place, coords) if p) or "sin datos"
            return Processed(kind, f"[Ubicación compartida: {where}]")
        if kind == "contact":
            return Processed(kind, f"[Contacto compartido: {_contacts(content)}]")
        if kind == "sticker":
            return Processed(kind, "[Sticker]")
        if kind in ("audio", "voice"):
            return self._media(conversation, message, content, "audio", caption, deadline)
        if kind == "image":
            return self._media(conversation, message, content, "image", caption, deadline)
        if kind == "video":
            note = "[Vídeo recibido: la recepcionista no puede ver vídeos]"
            return Processed(kind, f"{note} {caption}".strip())
        if kind == "file":
            name = customer_words(str(content.get("name") or "documento"))
            note = f"[Documento recibido ({name}): la recepcionista no puede leer documentos]"
            return Processed(kind, f"{note} {caption}".strip())
        return Processed(kind, f"[Mensaje de tipo {customer_words(kind)} que no se puede leer]")

    def _media(
        self,
        conversation: str,
        message: BufferedMessage,
        content: dict[str, Any],
        what: str,
        caption: str,
        deadline: Deadline,
    ) -> Processed:
        kind = message.message_type
        audio = what == "audio"
        try:
            url = str(content.get("url") or "")
            fetched = self.ports.download(
                url,
                max_bytes=AUDIO_LIMIT if audio else IMAGE_LIMIT,
                allowed_types=AUDIO_TYPES if audio else IMAGE_TYPES,
                timeout=deadline.timeout(DOWNLOAD_SECONDS, keep=MODEL_RESERVE_SECONDS, what="a media download"),
            )
            self.ports.keep(conversation, message.message_id, fetched.data, fetched.content_type)
            timeout = deadline.timeout(GEMINI_SECONDS, keep=MODEL_RESERVE_SECONDS, what="Gemini")
            if audio:
                text = self.ports.transcribe(fetched.data, fetched.content_type, timeout=timeout)
            else:
                text = self.ports.describe(fetched.data, fetched.content_type, timeout=timeout)
        except Exception as exc:  # any media failure (a timeout too) becomes a note, never a failed turn
            logger.warning("media not processed", extra={"kind": kind, "error": type(exc).__name__})
            failed_note = AUDIO_FAILED if audio else IMAGE_FAILED
            return Processed(kind, f"{failed_note} {caption}".strip(), failed=True)
        body = f"[{'Nota de voz' if audio else 'Imagen'}] {customer_words(text)}"
        if caption:
            body += f"\n(Texto del cliente: {caption})"
        return Processed(kind, body)


def _selection(content: dict[str, Any]) -> str:
    """A tapped option. One of the assistant's choices (agent/choices.py) is stated in full, ids
    included, so the model can act on exactly that item; anything else (a reminder's button, an
    unknown postback) reads as its label, as the customer saw it."""
    label = content.get("title") or content.get("text") or content.get("postbackText") or content.get("reply")
    postbacks = (content.get(k) for k in ("postbackText", "id"))
    picked = next((p for p in (parse_choice(v) for v in postbacks if isinstance(v, str)) if p), None)
    if picked is None:
        return customer_words(str(label)) if label else "[Respuesta a un botón sin texto]"
    # The labels come back from the customer's phone: inside the mark, they are their words too.
    label_text = customer_words(clip(str(label or ""), LABEL_CHARS))
    detail = customer_words(clip(str(content.get("description") or ""), LABEL_CHARS))
    shown = ", ".join(p for p in (label_text, detail) if p)
    if picked.kind == "slot" and picked.start:
        start = datetime.strptime(picked.start, "%Y-%m-%d %H:%M")
        about = detail or label_text  # the title repeats the time; the description names the rest
        said = f"{weekday(start)} {start:%d/%m} a las {start:%H:%M}" + (f" ({about})" if about else "")
        return (
            f"[El cliente eligió el hueco: {said} — servicio id {picked.service_id},"
            f" profesional id {picked.member_id}, inicio {picked.start}]"
        )
    if picked.kind == "appt":
        return f"[El cliente eligió la cita: {shown or 'sin título'} — cita id {picked.appointment_id}]"
    return f"[El cliente eligió el servicio: {shown or 'sin título'} — servicio id {picked.service_id}]"


def _contacts(content: dict[str, Any]) -> str:
    contacts = content.get("contacts") or []
    out = []
    for c in contacts if isinstance(contacts, list) else []:
        if not isinstance(c, dict):
            continue
        raw_name = c.get("name")
        name_part: dict[str, Any] = raw_name if isinstance(raw_name, dict) else {}
        name = name_part.get("formatted_name") or name_part.get("first_name") or ""
        phones = ", ".join(str(p.get("phone")) for p in c.get("phones") or [] if isinstance(p, dict) and p.get("phone"))
        out.append(f"{name} {phones}".strip())
    return customer_words("; ".join(o for o in out if o)) or "sin datos"
