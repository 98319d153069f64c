"""One template per language on the reminder, waitlist and recall settings pages, on their real parts
(Cognito in moto, PostgreSQL as the console's role): a chooser per language besides the business's,
offering only that language's approved templates of the purpose's category; a choice of another
language or category refused with a sentence (Spanish and English) and nothing written; a choice
saved, audited, and dropped again. Each test makes its own business."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from console_kit import CHANGES, Console, csrf

from receptionist.console.words import words

TEMPLATES = [
    # id, language, category, status
    ("recordatorio", "es", "UTILITY", "APPROVED"),
    ("lembrete", "pt_BR", "UTILITY", "APPROVED"),
    ("reminder", "en_US", "UTILITY", "APPROVED"),
    ("retorno", "pt_BR", "MARKETING", "APPROVED"),
    ("pendente", "pt_BR", "UTILITY", "PENDING"),
]


def business(console: Console) -> str:
    org = str(uuid.uuid4())
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Idiomas {org[:8]}"))
        conn.execute(
            "insert into agent_settings (organization_id, timezone, language) values (%s, 'UTC', 'es')", (org,)
        )
        for template_id, language, category, status in TEMPLATES:
            conn.execute(
                "insert into message_templates (organization_id, template_id, label, body, param_count, language,"
                " category, status) values (%s, %s, %s, 'Hola {{1}} {{2}}', 2, %s, %s, %s)",
                (org, template_id, template_id.title(), language, category, status),
            )
    return org


def choices(console: Console, org: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(
            "select purpose, language, template_id, template_params from template_choices where organization_id = %s"
            " order by purpose, language",
            (org,),
        ).fetchall()


def audit(console: Console, org: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(
            f"select action, details from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            (org,),
        ).fetchall()


def test_each_page_has_a_chooser_per_language_offering_only_that_language_s_templates(console: Console) -> None:
    org = business(console)
    owner = console.signed_in(org, "owner")
    reminders = owner.get("/console/settings/reminders").text
    for language in ("en", "pt_BR", "ca"):
        assert f'id="language-{language}"' in reminders
    assert 'id="language-es"' not in reminders  # the business's own: the page's main choice
    pt_chooser = reminders.split('id="language-pt_BR"')[1].split("</form>")[0]
    assert 'value="lembrete"' in pt_chooser and 'value="retorno"' in pt_chooser  # reminders: any category
    assert 'value="reminder"' not in pt_chooser and 'value="pendente"' not in pt_chooser
    en_chooser = reminders.split('id="language-en"')[1].split("</form>")[0]
    assert 'value="reminder"' in en_chooser and 'value="lembrete"' not in en_chooser
    waitlist = owner.get("/console/settings/waitlist").text.split('id="language-pt_BR"')[1].split("</form>")[0]
    assert 'value="lembrete"' in waitlist and 'value="retorno"' not in waitlist  # UTILITY only
    recalls = owner.get("/console/settings/recalls").text.split('id="language-pt_BR"')[1].split("</form>")[0]
    assert 'value="retorno"' in recalls and 'value="lembrete"' not in recalls  # MARKETING only


@pytest.mark.parametrize(
    ("page", "language", "template_id", "code"),
    [
        ("reminders", "pt_BR", "reminder", "tpl_lang_wrong_language"),  # English as the Portuguese one
        ("waitlist", "pt_BR", "retorno", "tpl_lang_template_not_utility"),
        ("recalls", "pt_BR", "lembrete", "tpl_lang_template_not_marketing"),
        ("reminders", "pt_BR", "pendente", "tpl_lang_template_not_approved"),
        ("reminders", "fr", "lembrete", "tpl_lang_bad_language"),
    ],
)
def test_a_wrong_choice_is_refused_with_a_sentence_and_nothing_written(
    console: Console, page: str, language: str, template_id: str, code: str
) -> None:
    org = business(console)
    owner = console.signed_in(org, "owner")
    path = f"/console/settings/{page}"
    answer = owner.post(
        f"{path}/languages", data={"csrf_token": csrf(owner, path), "language": language, "template_id": template_id}
    )
    assert answer.status_code == 400 and words("es")[code] in answer.text
    owner.get("/console/lang/en")
    answer = owner.post(
        f"{path}/languages", data={"csrf_token": csrf(owner, path), "language": language, "template_id": template_id}
    )
    assert answer.status_code == 400 and words("en")[code] in answer.text
    assert choices(console, org) == []


def test_a_choice_is_saved_audited_shown_and_dropped(console: Console) -> None:
    org = business(console)
    owner = console.signed_in(org, "owner")
    path = "/console/settings/recalls"
    answer = owner.post(
        f"{path}/languages", data={"csrf_token": csrf(owner, path), "language": "pt_BR", "template_id": "retorno"}
    )
    assert answer.status_code == 303, answer.text
    assert choices(console, org) == [("recall", "pt_BR", "retorno", ["customer_name", "service"])]
    assert audit(console, org)[-1] == (
        "settings_recall_template_language",
        {"language": "pt_BR", "template_id": "retorno"},
    )
    chooser = owner.get(path).text.split('id="language-pt_BR"')[1].split("</form>")[0]
    assert 'value="retorno" selected' in chooser
    answer = owner.post(
        f"{path}/languages", data={"csrf_token": csrf(owner, path), "language": "pt_BR", "template_id": ""}
    )
    assert answer.status_code == 303 and choices(console, org) == []


def test_staff_get_403(console: Console) -> None:
    org = business(console)
    staff = console.signed_in(org, "staff")
    token = csrf(staff, "/console/inbox")
    answer = staff.post(
        "/console/settings/reminders/languages",
        data={"csrf_token": token, "language": "pt_BR", "template_id": "lembrete"},
    )
    assert answer.status_code == 403 and choices(console, org) == []
