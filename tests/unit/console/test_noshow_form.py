"""The no-show policy's settings form on its own (console/forms/noshow.py): what it turns the
strings into, and the sentence (its key, in every language: the console catalogue) each wrong
value gets."""

from __future__ import annotations

import pytest

from receptionist.console.forms.noshow import NoShowForm
from receptionist.console.words import known_ids, words
from receptionist.crm.noshow import KINDS, NoShowPolicy
from receptionist.crm.settings.errors import InvalidSetting


def test_the_form_becomes_the_policy() -> None:
    form = NoShowForm(kind="salon", enabled="on", limit=" 3 ", months="12")
    assert form.policy() == NoShowPolicy("salon", True, 3, 12)
    assert NoShowForm(kind="clinic", enabled="default", limit="2", months="6").policy() == NoShowPolicy()
    assert NoShowForm(kind="other", enabled="off", limit="1", months="36").policy().active is False


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "garage"}, "noshow_bad_kind"),
        ({"kind": ""}, "noshow_bad_kind"),
        ({"enabled": "maybe"}, "noshow_bad_enabled"),
        ({"limit": "0"}, "noshow_bad_limit"),
        ({"limit": "21"}, "noshow_bad_limit"),
        ({"limit": "two"}, "noshow_bad_limit"),
        ({"months": "0"}, "noshow_bad_months"),
        ({"months": "37"}, "noshow_bad_months"),
        ({"months": ""}, "noshow_bad_months"),
    ],
)
def test_a_wrong_value_gets_its_sentence(fields: dict[str, str], code: str) -> None:
    good = {"kind": "clinic", "enabled": "default", "limit": "2", "months": "6"}
    with pytest.raises(InvalidSetting) as refused:
        NoShowForm(**(good | fields)).policy()
    assert refused.value.code == code
    assert words("es")[code] and words("en")[code]


def test_every_word_is_in_both_languages_and_every_kind_has_a_name() -> None:
    noshow = {k for k in known_ids() if k.startswith("noshow_")}
    assert noshow and all(words("es")[k] != words("en")[k] for k in noshow)
    assert all(f"noshow_kind_{k}" in words("es") for k in KINDS)
