"""Who may change the settings, on their real parts: owners only (staff get a 403), another
business's ids are 404 and unchanged, CSRF on every post; the pages speak English and escape;
every sentence exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from console_kit import CLINIC, Console, csrf
from settings_kit import (
    CLINIC_CONNECTION,
    CLINIC_ENTRY,
    CLINIC_MEMBER,
    CLINIC_SERVICE,
    PERSONA,
    STAGE_KEYS,
    audit,
    business,
    everything,
    persona,
    post,
    rows,
    staff_member,
)

from receptionist.console.words import known_ids


def test_a_staff_account_gets_403(console: Console) -> None:
    org = business(console)
    client = staff_member(console, org)
    assert "nav-settings" not in client.get("/console/inbox").text
    for path in (
        "/console/settings",
        "/console/settings/services",
        "/console/settings/staff",
        "/console/settings/whatsapp",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "Solo la cuenta propietaria" in answer.text
    before = persona(console, org)
    token = csrf(client, "/console/inbox")
    assert client.post("/console/settings", data={"csrf_token": token, **PERSONA}).status_code == 403
    assert client.post("/console/settings/staff", data={"csrf_token": token, "name": "Intruso"}).status_code == 403
    assert persona(console, org) == before
    assert rows(console, "select count(*) from members where organization_id = %s", org) == [(0,)]
    assert audit(console, org) == []


def test_another_business_ids_are_404_and_unchanged(console: Console) -> None:
    mine, theirs = business(console), business(console)
    other = console.signed_in(theirs)
    post(other, "/console/settings/services", "/console/settings/services", name="Tinte", duration_minutes="60")
    post(other, "/console/settings/knowledge", "/console/settings/knowledge", title="Horario", body="De 9 a 18.")
    member_page = post(other, "/console/settings/staff", "/console/settings/staff", name="Jorge").headers["location"]
    member = member_page.split("?")[0].rsplit("/", 1)[1]
    post(
        other,
        f"/console/settings/staff/{member}/hours",
        "/console/settings/staff",
        weekday="2",
        starts="10:00",
        ends="18:00",
    )
    post(
        other,
        f"/console/settings/staff/{member}/time-off",
        "/console/settings/staff",
        off_starts="2026-12-31T09:00",
        off_ends="2026-12-31T18:00",
    )
    [(service,)] = rows(console, "select id::text from services where organization_id = %s", theirs)
    [(entry,)] = rows(console, "select id::text from knowledge_entries where organization_id = %s", theirs)
    [(hours,)] = rows(console, "select id::text from member_hours where organization_id = %s", theirs)
    [(off,)] = rows(console, "select id::text from member_time_off where organization_id = %s", theirs)
    [(connection,)] = rows(console, "select id::text from platform_connections where organization_id = %s", theirs)
    snapshot = everything(console, theirs)

    client = console.signed_in(mine)
    token = csrf(client, "/console/settings")
    for path in (
        f"/console/settings/services/{service}",
        f"/console/settings/knowledge/{entry}",
        f"/console/settings/staff/{member}",
        f"/console/settings/services/{CLINIC_SERVICE}",
        f"/console/settings/knowledge/{CLINIC_ENTRY}",
        f"/console/settings/staff/{CLINIC_MEMBER}",
        "/console/settings/services/not-an-id",
        "/console/settings/staff/not-an-id",
    ):
        assert client.get(path).status_code == 404, path
    for path, fields in [
        (f"/console/settings/services/{service}", {"name": "Mío", "duration_minutes": "30"}),
        (f"/console/settings/services/{service}/active", {}),
        (f"/console/settings/knowledge/{entry}", {"title": "Mío", "body": "Mío"}),
        (f"/console/settings/knowledge/{entry}/delete", {}),
        (f"/console/settings/staff/{member}", {"name": "Mío"}),
        (f"/console/settings/staff/{member}/services", {"service_id": service}),
        (f"/console/settings/staff/{member}/hours", {"weekday": "3", "starts": "09:00", "ends": "10:00"}),
        (f"/console/settings/staff/{member}/hours/{hours}/delete", {}),
        (
            f"/console/settings/staff/{member}/time-off",
            {"off_starts": "2026-12-01T09:00", "off_ends": "2026-12-01T10:00"},
        ),
        (f"/console/settings/staff/{member}/time-off/{off}/delete", {}),
        (f"/console/settings/staff/closures/{off}/delete", {}),
        (
            f"/console/settings/whatsapp/{connection}",
            {"business_number": "34600000000", "api_key_ref": STAGE_KEYS + "x"},
        ),
        (f"/console/settings/whatsapp/{CLINIC_CONNECTION}", {"business_number": "34600000000"}),
    ]:
        assert client.post(path, data={"csrf_token": token, **fields}).status_code == 404, path
    assert everything(console, theirs) == snapshot
    assert audit(console, mine) == []


def test_a_post_without_its_csrf_token_is_403_and_changes_nothing(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    before = everything(console, org)
    assert client.post("/console/settings", data=PERSONA).status_code == 403
    assert client.post("/console/settings", data={**PERSONA, "csrf_token": "0" * 64}).status_code == 403
    other = console.signed_in(org)  # another browser's token fits only its own cookie
    foreign = csrf(other, "/console/settings")
    assert client.post("/console/settings", data={**PERSONA, "csrf_token": foreign}).status_code == 403
    assert client.post("/console/settings/staff", data={"name": "Sin token"}).status_code == 403
    assert client.post("/console/settings/services", data={"name": "X", "duration_minutes": "30"}).status_code == 403
    assert client.post("/console/settings/notifications", data={"staff_numbers": "34600111222"}).status_code == 403
    assert everything(console, org) == before
    assert audit(console, org) == []


def test_the_settings_pages_speak_english_and_escape(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    post(client, "/console/settings/knowledge", "/console/settings/knowledge", title="<script>x</script>", body="<b>")
    client.get("/console/lang/en")
    for path in (
        "/console/settings",
        "/console/settings/services",
        "/console/settings/knowledge",
        "/console/settings/staff",
        "/console/settings/notifications",
        "/console/settings/whatsapp",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'lang="en"' in page.text and "Settings" in page.text
        assert len(re.findall(r'name="csrf_token"', page.text)) >= 2  # sign-out + the page's forms
    page = client.get("/console/settings/knowledge")
    assert "<script>x</script>" not in page.text and "&lt;script&gt;x&lt;/script&gt;" in page.text


def test_every_settings_word_exists() -> None:
    known = {key for key in known_ids() if key.startswith("set_")}
    # Every message the code can raise has its sentence.
    root = Path(__file__).resolve().parents[3] / "layers/shared/receptionist"
    # Where a setting is checked: the CRM's settings, the console's forms, services and routes.
    modules = [*(root / "crm/settings").glob("*.py"), root / "console/forms/settings.py"]
    modules += [*(root / "console/services/settings").glob("*.py"), *(root / "console/routers/settings").glob("*.py")]
    sources = "".join(p.read_text() for p in modules)
    codes = set(re.findall(r'"(set_[a-z_]+)"', sources))
    assert codes and codes <= known, codes - known
    templates = "".join(p.read_text() for p in (root / "console/templates").glob("settings_*.html"))
    used = set(re.findall(r"t\.(set_[a-z_0-9]+)", templates))
    assert used <= known, used - known


def test_an_owner_of_the_seeded_clinic_sees_its_settings(console: Console) -> None:
    client = console.signed_in(CLINIC)
    assert "Sofía" in client.get("/console/settings").text
    assert "Limpieza dental" in client.get("/console/settings/services").text
    assert "Dra. Laura Gómez" in client.get("/console/settings/staff").text
    assert "ClinicaSonrisa" in client.get("/console/settings/whatsapp").text
    assert "34699000001" in client.get("/console/settings/notifications").text
