"""The customer export (GDPR Art. 15, access, and Art. 20, portability): everything one business
holds about one customer, as one zip archive.

    export.json           the document (privacy.export_document.CustomerExport): the conversation,
                          contacts, consent history, appointments with their history and reminders,
                          messages, escalations, the assistant's summary, and an index of the media
    export.schema.json    the document's JSON Schema, generated from the same models
    LEEME.txt             what the files are, in Spanish and English
    media/<message id>.<ext>   each voice note and photo the customer sent, byte for byte as kept

The customer is a WhatsApp number at one business: the same number at another business is
another customer, and nothing of it is read. Reading goes through two ports, the CRM
(crm/export.py, one consistent statement under row level security) and the media copies
(adapters/export_media.py); this module assembles and writes, and imports no driver.

Who asked for it is the caller's to record (the console and `ops.export` write the audit line,
naming the conversation, never the number)."""

from __future__ import annotations

import hashlib
import mimetypes
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol

from receptionist.conversation_key import ConversationKey
from receptionist.privacy.export_document import (
    Appointment,
    AssistantSummary,
    Business,
    ConsentRecord,
    Contact,
    Conversation,
    CustomerExport,
    Escalation,
    MediaFile,
    Message,
    Recall,
    WaitlistEntry,
    schema_text,
)

AUDIT_ACTION = "customer_exported"  # the audit line of an export (console and ops.export)
DOCUMENT = "export.json"
SCHEMA = "export.schema.json"
README = "LEEME.txt"
MEDIA_DIR = "media"

# WhatsApp's media types, named as people expect; anything else as Python knows it, or .bin.
_EXTENSIONS = {
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "application/pdf": ".pdf",
}

_README = """\
Sus datos / Your data
=====================

export.json         Todo lo que el negocio guarda de usted: la conversación de WhatsApp, sus
                    datos de contacto, sus consentimientos, sus citas con su historial y sus
                    recordatorios, los mensajes (enviados y recibidos), las derivaciones a una
                    persona, el resumen que guarda el asistente y la lista de espera (lo que
                    esperaba y los huecos ofrecidos). Fechas en UTC (ISO 8601).
export.schema.json  La descripción del formato de export.json (JSON Schema).
media/              Las notas de voz y fotos que envió, tal como se guardan. export.json dice
                    de qué mensaje es cada una ("media") y su huella SHA-256.

export.json         Everything the business keeps about you: the WhatsApp conversation, your
                    contact details, your consents, your appointments with their history and
                    reminders, the messages (both ways), the hand-overs to a person, the
                    assistant's summary and the waiting list (what you waited for and the slots
                    offered). Times in UTC (ISO 8601).
export.schema.json  The format of export.json (JSON Schema).
media/              The voice notes and photos you sent, as they are kept. export.json says which
                    message each belongs to ("media") and its SHA-256.
"""


# -- what the export reads through ----------------------------------------------------------------
@dataclass(frozen=True)
class CustomerRecords:
    """What the CRM holds about one customer of one business."""

    business: Business
    apps: list[str]  # the business's Gupshup apps: media are kept per app and number
    conversation: Conversation | None
    contacts: list[Contact]
    consent: list[ConsentRecord]
    appointments: list[Appointment]
    messages: list[Message]  # media not linked yet
    escalations: list[Escalation]
    assistant_summary: AssistantSummary | None
    provider_message_ids: dict[str, str]  # message id -> Gupshup's id (what a media copy is keyed by)
    recalls: list[Recall] = field(default_factory=list)  # invitations to come back (docs/recalls.md)
    waitlist: list[WaitlistEntry] = field(default_factory=list)

    @property
    def subject(self) -> str:
        """Whom the audit line names: the conversation, else the contact (never the number)."""
        return self.conversation.id if self.conversation else self.contacts[0].id


class CustomerData(Protocol):
    def records(self, organization_id: str, number: str) -> CustomerRecords | None:
        """None: the business holds nothing about that number."""
        ...


class StoredObject(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def stored_at(self) -> datetime: ...


class ObjectContent(Protocol):
    @property
    def content_type(self) -> str | None: ...

    @property
    def chunks(self) -> Iterator[bytes]: ...


class MediaStore(Protocol):
    def key(self, conversation: str, message_id: str) -> str:
        """Where the copy of a message's media is kept."""
        ...

    def stored(self, conversation: str) -> Sequence[StoredObject]:
        """Every copy kept for a conversation ("<app>#<number>")."""
        ...

    def read(self, key: str) -> ObjectContent: ...


# -- the export ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedMedia:
    key: str
    size: int
    stored_at: datetime
    message_id: str | None


@dataclass(frozen=True)
class ExportPlan:
    """What an export will hold, read before anything is written (so a caller can refuse one
    too large for its way of delivering it)."""

    number: str
    records: CustomerRecords
    media: list[PlannedMedia]
    exported_at: datetime

    @property
    def media_bytes(self) -> int:
        return sum(m.size for m in self.media)

    def audit_details(self, via: str) -> dict[str, Any]:
        """The audit line's details: counts only, never the customer's data."""
        records = self.records
        return {
            "via": via,
            "messages": len(records.messages),
            "appointments": len(records.appointments),
            "escalations": len(records.escalations),
            "media": len(self.media),
            "media_bytes": self.media_bytes,
        }


@dataclass
class CustomerExporter:
    crm: CustomerData
    media: MediaStore
    now: Callable[[], datetime]

    def plan(self, organization_id: str, number: str) -> ExportPlan | None:
        """Read what the business holds about `number` (None: nothing) and list its media."""
        records = self.crm.records(organization_id, number)
        if records is None:
            return None
        owners: dict[str, str] = {}  # media key -> message id
        found: dict[str, StoredObject] = {}
        for app in records.apps:
            conversation = str(ConversationKey(app, number))
            for message_id, provider_id in records.provider_message_ids.items():
                owners[self.media.key(conversation, provider_id)] = message_id
            for stored in self.media.stored(conversation):
                found[stored.key] = stored
        media = [
            PlannedMedia(s.key, s.size, s.stored_at, owners.get(s.key))
            for s in sorted(found.values(), key=lambda s: (s.stored_at, s.key))
        ]
        return ExportPlan(number, records, media, self.now())

    def write(self, plan: ExportPlan, out: IO[bytes]) -> CustomerExport:
        """The archive, into `out` (a file, or a spooled temporary one); media are streamed from
        the store one at a time, so memory holds one chunk, not the files. The document it wrote."""
        files: list[MediaFile] = []
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for item in plan.media:
                files.append(self._copy(archive, item))
            document = self._document(plan, files)
            archive.writestr(DOCUMENT, document.model_dump_json(indent=2))
            archive.writestr(SCHEMA, schema_text())
            archive.writestr(README, _README)
        return document

    def _copy(self, archive: zipfile.ZipFile, item: PlannedMedia) -> MediaFile:
        content = self.media.read(item.key)
        stem = item.message_id or item.key.rsplit("/", 1)[-1]
        name = f"{MEDIA_DIR}/{stem}{extension(content.content_type)}"
        entry = zipfile.ZipInfo(name, date_time=item.stored_at.utctimetuple()[:6])
        entry.compress_type = zipfile.ZIP_STORED  # voice notes and photos are compressed already
        digest, size = hashlib.sha256(), 0
        with archive.open(entry, "w", force_zip64=True) as target:
            for chunk in content.chunks:
                target.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        return MediaFile(
            file=name,
            content_type=content.content_type,
            bytes=size,
            sha256=digest.hexdigest(),
            stored_at=item.stored_at,
            message_id=item.message_id,
        )

    @staticmethod
    def _document(plan: ExportPlan, files: list[MediaFile]) -> CustomerExport:
        records = plan.records
        file_of = {f.message_id: f.file for f in files if f.message_id}
        messages = [m.model_copy(update={"media": file_of[m.id]}) if m.id in file_of else m for m in records.messages]
        return CustomerExport(
            exported_at=plan.exported_at,
            business=records.business,
            conversation=records.conversation,
            contacts=records.contacts,
            consent=records.consent,
            appointments=records.appointments,
            messages=messages,
            escalations=records.escalations,
            assistant_summary=records.assistant_summary,
            media=files,
            recalls=records.recalls,
            waitlist=records.waitlist,
        )


def extension(content_type: str | None) -> str:
    """A file extension for a media type ("audio/ogg; codecs=opus" -> ".ogg")."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return _EXTENSIONS.get(base) or (mimetypes.guess_extension(base) if base else None) or ".bin"
