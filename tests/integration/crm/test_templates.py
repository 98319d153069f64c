"""message_templates (what staff may send when the window is closed) and chat_messages.sent_by:
the readers, the seed, and row level security and privileges for the functions' roles."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.templates import get_template, list_templates, render_template

CLINIC = "00000000-0000-4000-8000-000000000001"
SALON = "00000000-0000-4000-9000-000000000001"


@pytest.fixture
def other_org(db: Database) -> dict[str, str]:
    """Another tenant with a template of its own (and one id the clinic also uses)."""
    org = str(uuid.uuid4())
    own = f"solo_suyo_{uuid.uuid4().hex[:8]}"
    db.execute("insert into organizations (id, name) values (%s, 'Otra empresa')", (org,))
    db.execute(
        "insert into message_templates (organization_id, template_id, label, body, param_count) values"
        " (%s, %s, 'Ajena', 'Hola {{1}}, mensaje ajeno.', 1),"
        " (%s, 'retomar_conversacion', 'Retomar (ajena)', 'Texto ajeno.', 0)",
        (org, own, org),
    )
    return {"org": org, "template": own}


def test_the_seed_gives_each_business_templates_that_render(app_db: Database) -> None:
    for org in (CLINIC, SALON):
        with app_db.acting_for(org):
            templates = list_templates(app_db, org)
        ids = [t.template_id for t in templates]
        assert {"retomar_conversacion", "recordatorio_cita"} <= set(ids)
        assert [t.label for t in templates] == sorted(t.label for t in templates)
        for template in templates:  # param_count agrees with the body's placeholders
            render_template(template.body, [f"p{i}" for i in range(template.param_count)])
    with app_db.acting_for(CLINIC):
        retomar = get_template(app_db, CLINIC, "retomar_conversacion")
    assert retomar is not None and retomar.param_count == 1
    assert render_template(retomar.body, ["Lucía"]).startswith("Hola Lucía, te escribimos de Clínica Dental Sonrisa")


def test_another_organizations_templates_are_invisible_to_the_functions_role(
    app_db: Database, db: Database, other_org: dict[str, str]
) -> None:
    org, own = other_org["org"], other_org["template"]
    with app_db.acting_for(CLINIC):
        # Deliberately no organization filter: the policy is the filter.
        seen = app_db.fetch_all("select organization_id::text, template_id, body from message_templates")
        asked_for_other = list_templates(app_db, org)
        by_id = get_template(app_db, org, own)
        clinic_retomar = get_template(app_db, CLINIC, "retomar_conversacion")
    assert seen and {r["organization_id"] for r in seen} == {CLINIC}
    assert "Texto ajeno." not in {r["body"] for r in seen}
    assert asked_for_other == [] and by_id is None
    assert clinic_retomar is not None and clinic_retomar.body != "Texto ajeno."
    assert app_db.fetch_all("select template_id from message_templates") == []  # no tenant set: nothing
    owner_sees = db.fetch_one("select count(*) as n from message_templates where organization_id = %s", (org,))
    assert owner_sees == {"n": 2}  # the rows exist: RLS, not luck, hid them


def test_templates_are_written_only_in_ones_own_business_and_never_deleted(
    app_db: Database, console_db: Database, db: Database, other_org: dict[str, str]
) -> None:
    """Both function roles write templates (the reminders function's daily sync, the console's
    sync and a submitted template: migration 20261208030000), each only in the business it acts
    for (row level security); neither deletes one (a template Gupshup no longer lists is marked
    removed, never deleted)."""
    org, own = other_org["org"], other_org["template"]
    for database in (app_db, console_db):
        with database.acting_for(CLINIC):
            assert (
                database.execute("update message_templates set body = 'secuestrado' where organization_id = %s", (org,))
                == 0
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                database.execute(
                    "insert into message_templates (organization_id, template_id, label, body)"
                    " values (%s, 'x', 'x', 'x')",
                    (org,),
                )
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                database.execute("delete from message_templates where organization_id = %s", (org,))
        with database.acting_for(org):
            assert (
                database.execute("update message_templates set status = 'PAUSED' where template_id = %s", (own,)) == 1
            )
    body = "select label, body, status from message_templates where organization_id = %s and template_id = %s"
    assert db.fetch_one(body, (org, own)) == {
        "label": "Ajena",
        "body": "Hola {{1}}, mensaje ajeno.",
        "status": "PAUSED",
    }


def test_templates_go_with_their_organization(db: Database) -> None:
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, 'Efímera')", (org,))
    db.execute(
        "insert into message_templates (organization_id, template_id, label, body) values (%s, 't', 'T', 'Hola')",
        (org,),
    )
    db.execute("delete from organizations where id = %s", (org,))
    assert db.fetch_one("select count(*) as n from message_templates where organization_id = %s", (org,)) == {"n": 0}
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "insert into message_templates (organization_id, template_id, label, body, param_count)"
            " values (%s, 'neg', 'N', 'Hola', -1)",
            (CLINIC,),
        )


def test_outbound_rows_say_who_wrote_them(app_db: Database, db: Database) -> None:
    number = f"346{uuid.uuid4().int % 10**8:08d}"
    identity = chats.touch_identity(db, CLINIC, number, None, None)
    job = f"human#{uuid.uuid4().hex}"
    with app_db.acting_for(CLINIC):
        bot = chats.record_outbound(app_db, CLINIC, identity.id, text="Hola", turn_id=f"t-{uuid.uuid4().hex}")
        staff = chats.record_outbound(
            app_db, CLINIC, identity.id, text="Hola", turn_id=job, kind="template", sent_by="staff:ana@clinica.example"
        )
        again = chats.record_outbound(app_db, CLINIC, identity.id, text="Hola", turn_id=job, sent_by="staff:otro@x")
    found = db.fetch_all(
        "select id::text, sent_by, kind from chat_messages where id = any(%s::uuid[])", ([bot, staff],)
    )
    rows = {r["id"]: (r["sent_by"], r["kind"]) for r in found}
    assert rows == {bot: (None, "text"), staff: ("staff:ana@clinica.example", "template")}
    assert again == staff  # idempotent per job and part: the first author stays
    with pytest.raises(psycopg.errors.CheckViolation):
        chats.record_outbound(db, CLINIC, identity.id, text="x", turn_id=f"t-{uuid.uuid4().hex}", sent_by="ana@clinica")
