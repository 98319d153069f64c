"""The customer export's archive, on in-memory ports: what it writes, how media are linked and
streamed, that its document is what its schema says; the schema in docs/ is the models'; the
console may read only media copies and write only exports, which expire."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema

from devstack.template import load_template
from receptionist.privacy.export import CustomerExporter, CustomerRecords, extension
from receptionist.privacy.export_document import (
    Business,
    Conversation,
    CustomerExport,
    Message,
    schema_text,
)

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
NUMBER = "34600111222"


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    stored_at: datetime


@dataclass(frozen=True)
class Content:
    content_type: str | None
    chunks: Iterator[bytes]


@dataclass
class Bucket:
    """Media copies keyed as the archive keys them (a folder per conversation); reads in small
    chunks, counted, so a test can tell a stream from a whole read."""

    objects: dict[str, tuple[bytes, str | None]] = field(default_factory=dict)
    chunk_sizes: list[int] = field(default_factory=list)

    def key(self, conversation: str, message_id: str) -> str:
        return f"media/{conversation}/{message_id}"

    def stored(self, conversation: str) -> list[Stored]:
        prefix = f"media/{conversation}/"
        return [Stored(k, len(v[0]), NOW) for k, v in self.objects.items() if k.startswith(prefix)]

    def read(self, key: str) -> Content:
        data, content_type = self.objects[key]

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(data), 1000):
                self.chunk_sizes.append(len(data[start : start + 1000]))
                yield data[start : start + 1000]

        return Content(content_type, chunks())


@dataclass
class Crm:
    records_by_number: dict[str, CustomerRecords]

    def records(self, organization_id: str, number: str) -> CustomerRecords | None:
        return self.records_by_number.get(number)


def _message(id: str, kind: str, text: str) -> Message:
    return Message(
        id=id,
        at=NOW,
        direction="inbound",
        author="customer",
        kind=kind,
        text=text,
        status="received",
        received={"type": kind},
        media=None,
    )


def _records(apps: list[str]) -> CustomerRecords:
    return CustomerRecords(
        business=Business(id="org", name="Clínica", whatsapp_numbers=["34910000001"]),
        apps=apps,
        conversation=Conversation(
            id="conv-1",
            whatsapp_number=NUMBER,
            display_name="Lucía",
            started_at=NOW,
            last_message_at=NOW,
            assistant_on=True,
            opted_out=False,
            opt_changed_at=None,
        ),
        contacts=[],
        consent=[],
        appointments=[],
        messages=[_message("m-voice", "audio", "[Nota de voz] Me duele"), _message("m-text", "text", "Hola")],
        escalations=[],
        assistant_summary=None,
        provider_message_ids={"m-voice": "wamid.voice", "m-text": "wamid.text"},
    )


def test_the_archive_holds_the_document_its_schema_and_every_media_copy_streamed() -> None:
    voice = bytes(range(256)) * 20  # 5,120 bytes: six chunks
    bucket = Bucket(
        {
            f"media/Clinica#{NUMBER}/wamid.voice": (voice, "audio/ogg; codecs=opus"),
            # A copy no message names (its message was never recorded): still the customer's.
            f"media/Clinica#{NUMBER}/wamid.lost": (b"\x89PNG lost", "image/png"),
            # The same number under another app of the business: its conversation there.
            f"media/ClinicaNorte#{NUMBER}/wamid.other": (b"\xff\xd8 other app", None),
            # Another customer's, and the same number at a business the export does not read.
            "media/Clinica#34600999999/wamid.x": (b"not theirs", "image/jpeg"),
            f"media/Salon#{NUMBER}/wamid.y": (b"not this business", "image/jpeg"),
        }
    )
    exporter = CustomerExporter(Crm({NUMBER: _records(["Clinica", "ClinicaNorte"])}), bucket, lambda: NOW)
    plan = exporter.plan("org", NUMBER)
    assert plan is not None and plan.media_bytes == len(voice) + len(b"\x89PNG lost") + len(b"\xff\xd8 other app")
    out = io.BytesIO()
    document = exporter.write(plan, out)

    archive = zipfile.ZipFile(out)
    files = {f["file"]: f for f in json.loads(archive.read("export.json"))["media"]}
    assert set(archive.namelist()) == {"export.json", "export.schema.json", "LEEME.txt", *files}
    assert set(files) == {"media/m-voice.ogg", f"media/wamid.lost{extension('image/png')}", "media/wamid.other.bin"}
    assert archive.read("media/m-voice.ogg") == voice
    assert files["media/m-voice.ogg"]["sha256"] == hashlib.sha256(voice).hexdigest()
    assert files["media/m-voice.ogg"]["bytes"] == len(voice) and files["media/m-voice.ogg"]["message_id"] == "m-voice"
    assert files["media/wamid.lost.png"]["message_id"] is None
    assert archive.getinfo("media/m-voice.ogg").compress_type == zipfile.ZIP_STORED
    assert max(bucket.chunk_sizes) == 1000  # streamed, never read whole
    assert [m.media for m in document.messages] == ["media/m-voice.ogg", None]
    exported = json.loads(archive.read("export.json"))
    jsonschema.validate(exported, json.loads(archive.read("export.schema.json")))
    assert CustomerExport.model_validate(exported) == document
    assert "not theirs" not in str(archive.namelist()) and b"not this business" not in out.getvalue()


def test_nothing_held_is_nothing_exported() -> None:
    assert CustomerExporter(Crm({}), Bucket(), lambda: NOW).plan("org", NUMBER) is None


def test_the_audit_details_are_counts_never_data() -> None:
    bucket = Bucket({f"media/Clinica#{NUMBER}/wamid.voice": (b"ogg", "audio/ogg")})
    plan = CustomerExporter(Crm({NUMBER: _records(["Clinica"])}), bucket, lambda: NOW).plan("org", NUMBER)
    assert plan is not None and plan.records.subject == "conv-1"
    assert plan.audit_details("console") == {
        "via": "console",
        "messages": 2,
        "appointments": 0,
        "escalations": 0,
        "media": 1,
        "media_bytes": 3,
    }


def test_media_types_get_the_extensions_people_expect() -> None:
    assert extension("audio/ogg; codecs=opus") == ".ogg"
    assert extension("image/jpeg") == ".jpg"
    assert extension("IMAGE/WEBP") == ".webp"
    assert extension("audio/mp4") == ".m4a"
    assert extension(None) == ".bin"
    assert extension("application/x-no-such-type") == ".bin"


def test_the_schema_in_the_docs_is_the_one_the_models_generate() -> None:
    """docs/export.schema.json is what every archive carries (regenerate it from
    receptionist.privacy.export_document.schema_text() when the models change)."""
    assert (ROOT / "docs" / "export.schema.json").read_text() == schema_text()


def _console_statements() -> list[dict[str, Any]]:
    policies = load_template(ROOT / "template.yaml")["Resources"]["ConsoleFunction"]["Properties"]["Policies"]
    return [st for p in policies if isinstance(p, dict) for st in p.get("Statement", [])]


def _resources(statement: dict[str, Any]) -> list[str]:
    items = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return [str(r.get("Fn::Sub", r.get("Fn::GetAtt", r))) for r in items]


def test_the_console_reads_only_media_copies_writes_only_exports_and_exports_expire() -> None:
    s3 = [st for st in _console_statements() if any(a.startswith("s3:") for a in st["Action"])]
    by_sid = {st["Sid"]: st for st in s3}
    # What an export needs (the statements are shared with erasure: tests/unit/foundation/test_template.py).
    assert "media/*" in by_sid["ListCustomerObjects"]["Condition"]["StringLike"]["s3:prefix"]
    assert by_sid["ReadMedia"]["Action"] == ["s3:GetObject"]
    assert _resources(by_sid["ReadMedia"]) == ["${MediaBucket.Arn}/media/*"]
    assert set(by_sid["ExportArchives"]["Action"]) == {"s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"}
    assert _resources(by_sid["ExportArchives"]) == ["${MediaBucket.Arn}/exports/*"]
    writes = {r for st in s3 if {"s3:PutObject"} & set(st["Action"]) for r in _resources(st)}
    assert writes == {"${MediaBucket.Arn}/exports/*", "${MediaBucket.Arn}/blocked/*"}
    bucket = load_template(ROOT / "template.yaml")["Resources"]["MediaBucket"]["Properties"]
    (rule,) = [r for r in bucket["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "exports/"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == 1
