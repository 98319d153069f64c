"""The recall settings' form and a service's recall interval (pure): what is refused with which
sentence before the database is asked."""

from __future__ import annotations

import pytest

from receptionist.console.forms.recalls import RecallsForm
from receptionist.console.forms.settings import ServiceForm
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.recalls import RecallSettings, recall_params


def test_recalls_on_need_a_template_off_keep_it() -> None:
    assert RecallsForm(enabled="on", template_id=" vuelve ").settings() == RecallSettings(True, "vuelve")
    assert RecallsForm(template_id="vuelve").settings() == RecallSettings(False, "vuelve")
    assert RecallsForm().settings() == RecallSettings(False, None)
    with pytest.raises(InvalidSetting) as needed:
        RecallsForm(enabled="on").settings()
    assert needed.value.code == "rc_template_needed"
    with pytest.raises(InvalidSetting) as bad:
        RecallsForm(enabled="on", template_id="no vale; drop").settings()
    assert bad.value.code == "rc_bad_template"


@pytest.mark.parametrize(("typed", "days"), [("", None), ("  ", None), ("7", 7), ("180", 180), ("1095", 1095)])
def test_a_service_s_recall_interval(typed: str, days: int | None) -> None:
    assert ServiceForm(name="Limpieza", duration_minutes="30", recall_days=typed).recall_interval() == days


@pytest.mark.parametrize("typed", ["6", "1096", "seis", "-30", "1.5"])
def test_a_recall_interval_out_of_range_is_refused(typed: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        ServiceForm(name="Limpieza", duration_minutes="30", recall_days=typed).recall_interval()
    assert refused.value.code == "rc_bad_recall_interval"


def test_a_template_s_values_follow_its_placeholders() -> None:
    assert recall_params(0) == []
    assert recall_params(2) == ["customer_name", "service"]
    assert recall_params(4) == ["customer_name", "service", "business", "last_visit"]
    with pytest.raises(InvalidSetting) as refused:
        recall_params(5)
    assert refused.value.code == "rc_template_too_many_values"
