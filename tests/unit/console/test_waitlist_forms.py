"""The waitlist settings form: what it accepts, what it refuses (with the sentence's key), and
that every key it can answer with has its words in Spanish and English."""

from __future__ import annotations

import pytest

from receptionist.console.forms.waitlist import WaitlistForm
from receptionist.console.words import words
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.waitlist import WAITLIST_PARAM_NAMES, WaitlistSettings


def _form(**fields: str) -> WaitlistForm:
    base = {"enabled": "on", "offer_minutes": "30", "batch_size": "3", "template_id": ""}
    return WaitlistForm.model_validate(base | fields)


def test_a_full_form_reads_as_the_settings() -> None:
    form = _form(template_id="tpl-1", param_1="customer_name", param_2="when", param_3="", offer_minutes=" 45 ")
    assert form.settings() == WaitlistSettings(True, 45, 3, "tpl-1", ["customer_name", "when"])


def test_off_and_without_a_template_keeps_the_numbers_and_no_values() -> None:
    assert _form(enabled="", param_1="service").settings() == WaitlistSettings(False, 30, 3, None, [])


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"offer_minutes": "4"}, "waitlist_bad_minutes"),
        ({"offer_minutes": "1441"}, "waitlist_bad_minutes"),
        ({"offer_minutes": "media hora"}, "waitlist_bad_minutes"),
        ({"batch_size": "0"}, "waitlist_bad_batch"),
        ({"batch_size": "11"}, "waitlist_bad_batch"),
        ({"template_id": "x y"}, "waitlist_bad_template"),
        ({"template_id": "tpl-1", "param_2": "service"}, "waitlist_bad_params"),  # {{1}} left empty
        ({"template_id": "tpl-1", "param_1": "phone"}, "waitlist_bad_params"),
    ],
)
def test_bad_values_are_refused_with_their_sentence(fields: dict[str, str], code: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        _form(**fields).settings()
    assert refused.value.code == code
    assert code in words("es") and code in words("en")


def test_every_waitlist_word_exists() -> None:
    es = words("es")
    assert all(f"waitlist_param_{name}" in es for name in WAITLIST_PARAM_NAMES)
    for part in ("any", "morning", "afternoon", "evening"):
        assert f"waitlist_part_{part}" in es
    for status in ("claimed", "queued", "sent", "accepted", "lost", "declined", "expired", "skipped", "failed"):
        assert f"waitlist_offer_{status}" in es
