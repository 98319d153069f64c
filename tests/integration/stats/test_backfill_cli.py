"""`python -m receptionist.stats`: a range of days recomputed for one business, as the
functions' role; a business that does not exist is refused with a sentence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.stats.__main__ import main


def test_a_backfill_rewrites_the_range_for_one_business(
    db: Database, app_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Backfill {org[:8]}"))
    db.execute("insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (org,))
    who = chats.touch_identity(db, org, "34600888001", None, None)
    db.execute(
        "insert into chat_messages (organization_id, chat_identity_id, direction, status, created_at)"
        " values (%s, %s, 'inbound', 'received', %s)",
        (org, who.id, datetime(2026, 2, 2, 9, tzinfo=UTC)),
    )
    monkeypatch.setenv("DATABASE_URL", app_url)
    assert main(["--since", "2026-02-01", "--until", "2026-02-03", "--org", org]) == 0
    assert capsys.readouterr().out.strip() == "businesses=1 days=3 failed=0"
    rows = db.fetch_all(
        "select day, inbound_messages from daily_business_stats where organization_id = %s order by day", (org,)
    )
    assert [(r["day"].isoformat(), r["inbound_messages"]) for r in rows] == [
        ("2026-02-01", 0),
        ("2026-02-02", 1),
        ("2026-02-03", 0),
    ]

    assert main(["--since", "2026-02-01", "--until", "2026-02-03", "--org", str(uuid.uuid4())]) == 1
    assert "no business" in capsys.readouterr().err
