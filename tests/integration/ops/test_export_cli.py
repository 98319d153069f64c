"""`python -m receptionist.ops.export` on the test PostgreSQL (as the console's role, what the
stage's settings name) and moto's S3: a customer booked at the front desk (no conversation), the
same number at another business left out, refusals with their exit status, and an archive whose
audit line fails never appearing. (tests/e2e/test_export.py runs it against a whole conversation,
with --local and with the stage's settings.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devstack.aws import moto_client
from receptionist.adapters.export_media import MediaCopies
from receptionist.adapters.media_archive import MediaArchive
from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.ops.export import export_customer

ROOT = Path(__file__).resolve().parents[3]


def _business(db: Database) -> tuple[str, str, str, str]:
    """A new business: (organization, app, service, member)."""
    org, app = str(uuid.uuid4()), f"Shop{uuid.uuid4().hex[:10]}"
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
    db.execute("insert into agent_settings (organization_id) values (%s)", (org,))
    db.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000997', '/x')",
        (org, app),
    )
    service = db.fetch_one(
        "insert into services (organization_id, name, duration_minutes) values (%s, 'Revisión', 30) returning id::text",
        (org,),
    )
    member = db.fetch_one(
        "insert into members (organization_id, name) values (%s, 'Dra. Ana') returning id::text", (org,)
    )
    assert service and member
    return org, app, service["id"], member["id"]


def _front_desk_booking(db: Database, org: str, service: str, member: str, number: str) -> tuple[str, str]:
    """A patient booked by phone: a contact and an appointment with its history, no conversation."""
    contact = db.fetch_one(
        "insert into contacts (organization_id, name, phone) values (%s, 'Marta Llamada', %s) returning id::text",
        (org, number),
    )
    assert contact
    start = datetime(2031, 6, 2, 8, 0, tzinfo=UTC)
    appointment = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, notes)"
        " values (%s, %s, %s, %s, %s, %s, 'Alergia a la penicilina') returning id::text",
        (org, contact["id"], service, member, start, start + timedelta(minutes=30)),
    )
    assert appointment
    db.execute(
        "insert into appointment_history (organization_id, appointment_id, action, new_starts_at, new_member_id, actor)"
        " values (%s, %s, 'booked', %s, %s, 'staff:recepcion@clinica.example')",
        (org, appointment["id"], start, member),
    )
    return contact["id"], appointment["id"]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "receptionist.ops.export", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture
def stage(moto_endpoint: str, console_url: str) -> dict[str, str]:
    """The stage's settings as the environment overrides them: the console's role, a media bucket in moto."""
    bucket = f"media-{uuid.uuid4().hex[:8]}"
    moto_client("s3", moto_endpoint, "us-east-1").create_bucket(Bucket=bucket)
    return {
        "DATABASE_URL": console_url,
        "MEDIA_BUCKET": bucket,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def _export_lines(db: Database, org: str) -> list[dict[str, Any]]:
    return db.fetch_all(
        "select actor, target, details from audit_log where organization_id = %s and action = 'customer_exported'",
        (org,),
    )


def test_a_customer_booked_at_the_front_desk_is_exported_and_the_same_number_elsewhere_is_not(
    db: Database, stage: dict[str, str], tmp_path: Path
) -> None:
    number = f"346{uuid.uuid4().int % 10**8:08d}"
    org, app, service, member = _business(db)
    contact, appointment = _front_desk_booking(db, org, service, member, number)
    elsewhere, other_app, *_ = _business(db)  # the same number wrote to another business
    identity = chats.touch_identity(db, elsewhere, number, "Marta", datetime.now(UTC))
    chats.record_inbound(
        db,
        elsewhere,
        identity.id,
        provider_message_id=f"wamid.{uuid.uuid4().hex}",
        kind="text",
        raw={"type": "text", "payload": {"text": "Otra empresa, otro cliente"}},
        processed_text="Otra empresa, otro cliente",
    )
    MediaArchive(stage["MEDIA_BUCKET"], moto_client("s3", stage["AWS_ENDPOINT_URL"], "us-east-1")).keep(
        str(ConversationKey(other_app, number)), "wamid.elsewhere", b"not this business", "image/jpeg"
    )
    out = tmp_path / "marta.zip"

    done = _cli("--app", app, "--customer", f"+{number}", "--out", str(out), "--actor", "ops:maria", env=stage)

    assert done.returncode == 0, done.stderr
    assert number not in done.stdout and "1 appointments" in done.stdout and contact in done.stdout
    with zipfile.ZipFile(out) as archive:
        document = json.loads(archive.read("export.json"))
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert document["conversation"] is None and document["messages"] == [] and document["media"] == []
    assert [c["id"] for c in document["contacts"]] == [contact]
    (booked,) = document["appointments"]
    assert (booked["id"], booked["service"], booked["member"], booked["notes"]) == (
        appointment,
        "Revisión",
        "Dra. Ana",
        "Alergia a la penicilina",
    )
    assert [(h["action"], h["by"], h["new_member"]) for h in booked["history"]] == [("booked", "staff", "Dra. Ana")]
    for foreign in (b"recepcion@clinica.example", b"Otra empresa", b"not this business", elsewhere.encode()):
        assert foreign not in everything
    assert _export_lines(db, org) == [
        {
            "actor": "ops:maria",
            "target": contact,  # no conversation: the contact, never the number
            "details": {
                "via": "ops.export",
                "messages": 0,
                "appointments": 1,
                "escalations": 0,
                "media": 0,
                "media_bytes": 0,
            },
        }
    ]
    assert _export_lines(db, elsewhere) == []


def test_refusals_say_why_write_nothing_and_record_nothing(db: Database, stage: dict[str, str], tmp_path: Path) -> None:
    org, app, *_ = _business(db)
    out = tmp_path / "x.zip"
    unknown_app = _cli("--app", "NoSuchApp", "--customer", "34600000001", "--out", str(out), env=stage)
    assert unknown_app.returncode == 1 and "NoSuchApp" in unknown_app.stderr
    nobody = _cli("--app", app, "--customer", "34600000001", "--out", str(out), env=stage)
    assert nobody.returncode == 1 and "holds nothing about that customer" in nobody.stderr
    assert "34600000001" not in nobody.stderr
    bad_number = _cli("--app", app, "--customer", "12", env=stage)
    assert bad_number.returncode == 2 and "6 to 15 digits" in bad_number.stderr
    no_stack = _cli("--app", app, "--customer", "34600000001", "--local", env={"LOCAL_STATE_DIR": str(tmp_path)})
    assert no_stack.returncode == 2 and "make local" in no_stack.stderr
    no_dir = _cli("--app", app, "--customer", "34600000001", "--out", str(tmp_path / "no" / "x.zip"), env=stage)
    assert no_dir.returncode == 2 and "no directory" in no_dir.stderr
    assert list(tmp_path.iterdir()) == []
    assert _export_lines(db, org) == []


def test_an_archive_whose_audit_line_fails_never_appears(
    db: Database, console_db: Database, stage: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window between writing the archive and its audit line: a failure there leaves no file
    (the archive is written beside its name and renamed only once audited)."""
    number = f"346{uuid.uuid4().int % 10**8:08d}"
    org, app, service, member = _business(db)
    _front_desk_booking(db, org, service, member, number)
    media = MediaCopies(stage["MEDIA_BUCKET"], moto_client("s3", stage["AWS_ENDPOINT_URL"], "us-east-1"))

    def audit_fails(*args: Any, **kwargs: Any) -> None:
        raise psycopg.errors.QueryCanceled("statement timeout")

    monkeypatch.setattr("receptionist.ops.export.record_audit", audit_fails)
    out = tmp_path / "x.zip"
    with pytest.raises(psycopg.errors.QueryCanceled):
        export_customer(console_db, media, app, number, out=out, actor="ops:maria")
    assert list(tmp_path.iterdir()) == []
    assert _export_lines(db, org) == []
    monkeypatch.undo()
    done = export_customer(console_db, media, app, number, out=out, actor="ops:maria")  # the next run works
    assert done.result == "written" and out.exists() and len(_export_lines(db, org)) == 1
