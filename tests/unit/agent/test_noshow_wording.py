"""What book_appointment returns when the no-show policy refuses a booking (agent/noshow_wording.py):
the reason code, the business's sentence in its language for the model to say, and the offer of a
person with the escalation's reason."""

from __future__ import annotations

import pytest

from receptionist.agent import noshow_wording
from receptionist.i18n.locales import COMPLETE_LOCALES, Locale


@pytest.mark.parametrize("language", COMPLETE_LOCALES)
def test_the_refusal_tells_the_model_what_to_say_and_to_offer_a_person(language: Locale) -> None:
    text = noshow_wording.tool_result(3, 6, "limpieza el 2031-03-04 10:00", language)
    assert text.startswith("No reservado (noshow_policy):")
    assert noshow_wording.refusal(language) in text
    assert "escalate_to_human" in text and "«noshow_policy: quiere reservar limpieza el 2031-03-04 10:00»" in text
    assert "3 citas sin acudir en los últimos 6 meses" in text
    # The customer's sentence names no count and no date: polite, without reproach.
    assert not any(ch.isdigit() for ch in noshow_wording.refusal(language))
