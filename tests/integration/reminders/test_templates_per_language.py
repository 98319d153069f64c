"""One template per language (crm.settings.template_languages): a reminder and a recall go out with
the template of the customer's language (chat_identities.language) when the business chose a usable
one, else with the business's own; a choice no longer approved is never used; a choice must be of
its language and the purpose's category."""

from __future__ import annotations

from datetime import timedelta

import pytest
from recalls_kit import INTERVAL, TEMPLATE, customer, moment, recall_shop
from reminders_kit import Business, World

from receptionist.crm.connection import Database
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.template_languages import save_choice, template_choices
from receptionist.reminders.recalls import RecallPass
from receptionist.reminders.service import ReminderPass

DAY = timedelta(days=1)


def _template(world: World, org: str, template_id: str, language: str, body: str, category: str = "UTILITY") -> None:
    world.owner.execute(
        "insert into message_templates (organization_id, template_id, label, body, param_count, language, category)"
        " values (%s, %s, %s, %s, 2, %s, %s)",
        (org, template_id, template_id, body, language, category),
    )


def _speaks(world: World, org: str, phone: str, language: str) -> None:
    world.owner.execute(
        "update chat_identities set language = %s, language_source = 'detected', language_set_at = now()"
        " where organization_id = %s and customer_number = %s",
        (language, org, phone),
    )


def _choose(world: World, org: str, purpose: str, language: str, template_id: str, params: str) -> None:
    world.owner.execute(
        "insert into template_choices (organization_id, purpose, language, template_id, template_params)"
        " values (%s, %s, %s, %s, %s::text[])",
        (org, purpose, language, template_id, params),
    )


def _shop(world: World) -> Business:
    shop = world.business()
    _template(world, shop.id, "lembrete_pt", "pt_BR", "Olá {{1}}, lembramos a sua consulta em {{2}}.")
    _template(world, shop.id, "reminder_en", "en", "Hi {{1}}, a reminder of your visit on {{2}}.")
    _choose(world, shop.id, "reminder", "pt_BR", "lembrete_pt", "{customer_name,when}")
    _choose(world, shop.id, "reminder", "en", "reminder_en", "{customer_name,when}")
    return shop


def test_a_reminder_goes_out_in_the_customer_s_language_and_falls_back_to_the_business_s(world: World) -> None:
    shop = _shop(world)
    world.owner.execute(  # the English choice is paused in Gupshup: never used
        "update message_templates set status = 'PAUSED' where organization_id = %s and template_id = 'reminder_en'",
        (shop.id,),
    )
    _, brazilian = world.appointment(shop, world.at + DAY, name="João")
    _, english = world.appointment(shop, world.at + DAY + timedelta(minutes=30), name="Jane")
    _, catalan = world.appointment(shop, world.at + DAY + timedelta(minutes=60), name="Jordi")
    _, unknown = world.appointment(shop, world.at + DAY + timedelta(minutes=90), name="Lucía")
    _speaks(world, shop.id, brazilian, "pt_BR")
    _speaks(world, shop.id, english, "en")
    _speaks(world, shop.id, catalan, "ca")
    db = Database(world.app_url)
    try:
        report = ReminderPass(db, world.queue()).run(world.at + timedelta(hours=2), timedelta(hours=3))
    finally:
        db.close()
    assert (report.queued, report.skipped) == (4, 0)
    sent = {j.conversation.split("#")[1]: j for j in world.jobs()}
    assert sent[brazilian].template_id == "lembrete_pt"
    assert (sent[brazilian].text or "").startswith("Olá João, lembramos a sua consulta em ")
    # The values are worded in the template's language: "<date> às <time>", not the business's "a las".
    assert " às " in sent[brazilian].params[1] and " a las " not in sent[brazilian].params[1]
    # English chosen but paused, Catalan not chosen, the language unknown: the business's template.
    for phone in (english, catalan, unknown):
        assert sent[phone].template_id == "recordatorio_cita"
        assert (sent[phone].text or "").startswith("Hola ")
        assert any(" a las " in p for p in sent[phone].params)


def test_a_recall_goes_out_with_the_marketing_template_of_the_customer_s_language(world: World) -> None:
    at = moment()
    shop = recall_shop(world)
    _template(world, shop.id, "retorno_pt", "pt_BR", "Olá {{1}}, está na hora do seu {{2}}.", "MARKETING")
    _template(world, shop.id, "recall_en", "en", "Hi {{1}}, time for your {{2}}.", "UTILITY")  # wrong category
    _choose(world, shop.id, "recall", "pt_BR", "retorno_pt", "{customer_name,service}")
    _choose(world, shop.id, "recall", "en", "recall_en", "{customer_name,service}")
    joao = customer(world, shop, at - INTERVAL * DAY - timedelta(hours=2), name="João")
    jane = customer(world, shop, at - INTERVAL * DAY - timedelta(hours=3), name="Jane")
    _speaks(world, shop.id, joao["phone"], "pt_BR")
    _speaks(world, shop.id, jane["phone"], "en")
    db = Database(world.app_url)
    try:
        report = RecallPass(db, world.queue()).run(at)
    finally:
        db.close()
    assert report.queued == 2
    sent = {j.conversation.split("#")[1]: j for j in world.jobs() if j.conversation.startswith(f"{shop.app}#")}
    joao_job, jane_job = sent[joao["phone"]], sent[jane["phone"]]
    assert (joao_job.template_id, joao_job.text) == ("retorno_pt", "Olá João, está na hora do seu Corte.")
    # English chosen but not a marketing template: never used, the business's one goes.
    assert (jane_job.template_id, jane_job.text) == (TEMPLATE, "Hola Jane, ya toca tu Corte.")


@pytest.mark.parametrize(
    ("purpose", "language", "template_id", "code"),
    [
        ("reminder", "pt_BR", "reminder_en", "tpl_lang_wrong_language"),  # an English template as the Portuguese one
        ("reminder", "en", "lembrete_pt", "tpl_lang_wrong_language"),
        ("waitlist", "pt_BR", "retorno_pt", "tpl_lang_template_not_utility"),
        ("recall", "pt_BR", "lembrete_pt", "tpl_lang_template_not_marketing"),
        ("reminder", "pt_BR", "pendente_pt", "tpl_lang_template_not_approved"),
        ("reminder", "pt_BR", "someone_elses", "tpl_lang_bad_template"),
    ],
)
def test_a_choice_must_be_approved_of_its_language_and_category(
    world: World, console_db: Database, purpose: str, language: str, template_id: str, code: str
) -> None:
    shop = world.business()
    other = world.business()
    _template(world, shop.id, "lembrete_pt", "pt_BR", "Olá {{1}} {{2}}")
    _template(world, shop.id, "reminder_en", "en_US", "Hi {{1}} {{2}}")
    _template(world, shop.id, "retorno_pt", "pt_BR", "Olá {{1}} {{2}}", "MARKETING")
    _template(world, shop.id, "pendente_pt", "pt_BR", "Olá {{1}} {{2}}")
    world.owner.execute(
        "update message_templates set status = 'PENDING' where organization_id = %s and template_id = 'pendente_pt'",
        (shop.id,),
    )
    _template(world, other.id, "someone_elses", "pt_BR", "Olá {{1}} {{2}}")
    db = console_db  # the console's role: row level security, another business's template is not found
    with db.acting_for(shop.id), pytest.raises(InvalidSetting) as refused:
        save_choice(db, shop.id, purpose, language, template_id)  # type: ignore[arg-type]
    assert refused.value.code == code
    with db.acting_for(shop.id):
        assert template_choices(db, shop.id, purpose) == {}  # type: ignore[arg-type]
        save_choice(db, shop.id, "reminder", "pt_BR", "lembrete_pt", ["customer_name", "when"], ["x"])
        save_choice(db, shop.id, "reminder", "en", "reminder_en", ["customer_name", "when"], ["x"])
        assert template_choices(db, shop.id, "reminder") == {"pt_BR": "lembrete_pt", "en": "reminder_en"}
        save_choice(db, shop.id, "reminder", "en", None)
        assert template_choices(db, shop.id, "reminder") == {"pt_BR": "lembrete_pt"}
    stored = world.owner.fetch_one(
        "select template_params from template_choices where organization_id = %s and language = 'pt_BR'", (shop.id,)
    )
    assert stored == {"template_params": ["customer_name", "when"]}
