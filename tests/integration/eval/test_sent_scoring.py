"""Scoring what was sent (eval/scoring.sent_problems) without servers: the AI disclosure first, the
weekday every offered row names (Babel's names of the customer's locale, never another's), and a
list's own labels, on payloads shaped as the local Gupshup server records them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from eval.scoring import day_words, sent_problems
from eval.sent import expected_disclosure
from eval.task import SentGoal
from receptionist.crm.models import Organization

DISCLOSURE = "You are chatting with Sofía, Clínica's automatic assistant."


def _list(body: str, titles: list[str], labels: tuple[str, str] = ("See options", "Options")) -> dict[str, Any]:
    return {
        "type": "list",
        "body": body,
        "globalButtons": [{"type": "text", "title": labels[0]}],
        "items": [{"title": labels[1], "options": [{"type": "text", "title": t, "postbackText": t} for t in titles]}],
    }


def _buttons(body: str, titles: list[str]) -> dict[str, Any]:
    return {"type": "quick_reply", "content": {"type": "text", "text": body}, "options": [{"title": t} for t in titles]}


def test_an_english_customer_s_disclosure_rows_and_labels_pass() -> None:
    sent = [_list(f"{DISCLOSURE}\n\nWhich time?", ["Tue 01/04 09:30 Gómez", "Tue 01/04 10:00 Gómez"])]
    assert sent_problems(SentGoal(locale="en", choices=True), sent, DISCLOSURE) == []


def test_spanish_rows_labels_and_disclosure_to_an_english_customer_fail_each_named() -> None:
    sent = [
        _list("Te atiende Sofía.\n\n¿Qué hora?", ["mar 01/04 09:30 Gómez"], ("Ver opciones", "Opciones")),
        {"type": "text", "text": "Done!"},
    ]
    problems = sent_problems(SentGoal(locale="en", choices=True), sent, DISCLOSURE)
    assert len(problems) == 3
    assert "disclosure" in problems[0] and "mar 01/04 09:30 Gómez" in problems[1]
    assert problems[2] == "the list's labels are Spanish: ver opciones, opciones"


@pytest.mark.parametrize(
    ("locale", "title", "ok"),
    [
        ("pt_BR", "ter. 01/04 09:30 Gómez", True),
        ("pt_BR", "terça-feira 01/04 09:30", True),
        ("pt_BR", "Tue 01/04 09:30 Gómez", False),
        ("pt_BR", "mar 01/04 09:30 Gómez", False),
        ("ca", "dt. 01/04 09:30 Gómez", True),
        ("ca", "mar 01/04 09:30 Gómez", False),
        ("es", "mar 01/04 09:30 Gómez", True),
        ("es", "Tue 01/04 09:30", False),
    ],
)
def test_a_row_s_weekday_must_be_the_customer_s(locale: str, title: str, ok: bool) -> None:
    sent = [_buttons("¿?", [title])]
    problems = sent_problems(SentGoal(locale=locale, disclosure=False, choices=True), sent, None)  # type: ignore[arg-type]
    assert (problems == []) is ok, problems


def test_nothing_offered_or_nothing_sent_fails() -> None:
    goal = SentGoal(locale="en", disclosure=False, choices=True)
    assert sent_problems(goal, [{"type": "text", "text": "Hi"}], None) == [
        "no slot or appointment was offered as a list or buttons"
    ]
    assert sent_problems(goal, [], None) == ["nothing was sent"]
    assert sent_problems(SentGoal(locale="pt_BR"), [{"type": "text", "text": "Olá"}], None) == [
        "no AI disclosure sentence in pt_BR to send"
    ]


def test_day_words_come_from_babel() -> None:
    assert {"tuesday", "tue"} <= day_words("en") and {"terca", "ter", "segunda"} <= day_words("pt_BR")
    assert "mar" in day_words("es") and "mar" not in day_words("en")


def test_the_expected_disclosure_is_the_business_s_own_else_the_locale_s() -> None:
    org = _org("Sofía", None)
    assert expected_disclosure("en", org) == (
        "You are chatting with Sofía, Clínica's automatic assistant: an artificial intelligence system, not a"
        " person. You can ask to talk to someone from the team at any time."
    )
    assert (expected_disclosure("es", org) or "").startswith("Te atiende Sofía, el asistente automático de Clínica")
    assert expected_disclosure("pt_BR", _org("S", "Soy un bot.")) == "Soy un bot."


def _org(assistant: str, own: str | None) -> Organization:
    """What expected_disclosure reads of a business: its name, its assistant's, its own sentence."""
    settings = SimpleNamespace(assistant_name=assistant, disclosure_text=own, language="es")
    return cast(Organization, SimpleNamespace(id="o", name="Clínica", settings=settings))
