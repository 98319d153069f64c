"""The processor's fixed sentences are written in the customer's locale (chat_identities.language),
else the business's (issue 30): a Brazilian or English-speaking customer of a Spanish clinic gets
the fallback, the over-budget sentence, the AI disclosure, a reminder tap's answer and the opt-out
confirmation in their own language, with the dates by Babel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from processor_kit import APP, CUSTOMER, Harness, pending_reminder

from receptionist import disclosure
from receptionist.crm.models import ChatIdentity
from receptionist.i18n.catalogues import message

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MADRID = ZoneInfo("Europe/Madrid")
TOKEN = "b" * 32


def _customer_speaks(h: Harness, language: str | None, *, untold: bool = False) -> None:
    org = h.crm.orgs[APP]
    h.crm.identities[(org.id, CUSTOMER)] = ChatIdentity(
        f"id-{CUSTOMER}", org.id, CUSTOMER, None, None, True, False, None, disclosure_due=untold, language=language
    )


@pytest.mark.parametrize(("language", "locale"), [("pt_BR", "pt_BR"), ("en", "en"), (None, "es")])
def test_the_fallback_and_the_over_budget_sentence_are_in_the_customers_language(
    language: str | None, locale: str
) -> None:
    h = Harness()
    _customer_speaks(h, language)
    h.agent.failures.append(RuntimeError("model down"))
    assert h.handle(h.text("Olá"), final=True).outcome == "gave_up"
    h2 = Harness()
    _customer_speaks(h2, language)
    h2.crm.max_turns_per_hour = 0
    assert h2.handle(h2.text("Olá")).outcome == "over_budget"
    assert h.replies() == [message(locale, "fallback_reply")]  # type: ignore[arg-type]
    assert h2.replies() == [message(locale, "over_budget_reply")]  # type: ignore[arg-type]


def test_exact_sentences_in_english_and_brazilian_portuguese() -> None:
    assert message("en", "fallback_reply") == (
        "Sorry, I can't answer right now. Someone from the team will write to you shortly."
    )
    assert message("pt_BR", "over_budget_reply").startswith("Obrigado pela sua mensagem.")
    assert message("es", "over_budget_reply").startswith("Gracias por tu mensaje.")


def test_the_disclosure_is_told_in_the_customers_language_and_is_a_version_of_its_own() -> None:
    h = Harness()
    _customer_speaks(h, "pt_BR", untold=True)
    h.handle(h.text("Oi"))
    told = disclosure.default_text("Sofía", "Clínica Sonrisa", "pt_BR")
    assert told.startswith("Quem atende você é Sofía, o assistente automático de Clínica Sonrisa")
    assert h.replies() == [f"{told}\n\nRespuesta a: Oi"]
    assert (
        h.crm.disclosures[0][2]
        == disclosure.version_of(told)
        != disclosure.version_of(disclosure.default_text("Sofía", "Clínica Sonrisa", "es"))
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "Thank you! Your Limpieza dental appointment with Dra. Ana on Wednesday, December 2 at 10:00\u202fAM"
            " is confirmed.",
        ),
        (
            "pt_BR",
            "Obrigado! Sua consulta de Limpieza dental com Dra. Ana, quarta-feira, 2 de dezembro, às 10:00,"
            " está confirmada.",
        ),
        (
            None,
            "¡Gracias! Tu cita de Limpieza dental con Dra. Ana el miércoles 2 de diciembre a las 10:00"
            " queda confirmada.",
        ),
    ],
)
def test_a_reminder_tap_is_answered_in_the_customers_language(language: str | None, said: str) -> None:
    h = Harness()
    _customer_speaks(h, language)
    h.service.now = lambda: NOW
    starts = (NOW + timedelta(days=1)).astimezone(MADRID)  # Wednesday 2 December, 10:00 in Madrid
    h.crm.add_reminder(
        TOKEN,
        pending_reminder(starts),
    )
    h.handle(h.tap("Confirm", f"reminder:{TOKEN}:confirm"))
    assert h.replies() == [said]


def test_the_opt_out_is_confirmed_in_the_customers_language() -> None:
    h = Harness()
    _customer_speaks(h, "pt_BR")
    h.handle(h.text("BAJA"))
    assert h.replies() == [message("pt_BR", "opt_out_confirmation")]
