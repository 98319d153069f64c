"""The console's forms on their own (no database, no AWS): what each turns a form's strings into,
and the sentence (its key) each wrong value gets; and that FastAPI hands a post's fields, the
numbered ones included, to the form models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI, Form
from fastapi.testclient import TestClient

from receptionist.console.errors import ConsoleError
from receptionist.console.forms.appointments import BookingForm, local_start, parse_day
from receptionist.console.forms.consent import ConsentForm
from receptionist.console.forms.conversations import MAX_REPLY_CHARS, ReplyForm, TemplateForm
from receptionist.console.forms.operator import OnboardingForm
from receptionist.console.forms.privacy import ForgetForm
from receptionist.console.forms.settings import (
    ConnectionForm,
    EntryForm,
    HoursForm,
    MemberForm,
    NotificationsForm,
    PersonaForm,
    RemindersForm,
    RetentionForm,
    ServiceForm,
    TimeOffForm,
    offset_rows,
    parse_price,
)
from receptionist.crm.models import MessageTemplate
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.retention.rules import DEFAULT, Windows

PERSONA = {
    "assistant_name": " Marta ",
    "tone": "formal",
    "instructions": "Nunca des precios.",
    "language": "en",
    "timezone": "America/Lima",
    "booking_lead_minutes": "30",
    "booking_horizon_days": "90",
    "slot_step_minutes": "20",
}
KEYS = "/receptionist/dev/gupshup/"


def refused(make: Any) -> str:
    with pytest.raises(InvalidSetting) as caught:
        make()
    return caught.value.code


# -- the assistant -------------------------------------------------------------------------------
def test_a_persona_form_becomes_its_settings() -> None:
    settings = PersonaForm(**PERSONA, interactive_replies="on").settings()
    assert (settings.assistant_name, settings.language, settings.timezone) == ("Marta", "en", "America/Lima")
    assert (settings.booking_lead_minutes, settings.booking_horizon_days, settings.slot_step_minutes) == (30, 90, 20)
    assert settings.interactive_replies is True
    assert settings.emergency_number == "106"  # Lima's, when none is typed
    assert settings.disclosure_text is None and settings.disclosure_after_days == 180
    unticked = PersonaForm(**PERSONA, emergency_number=" 0 6 1 ", disclosure_after_days="30").settings()
    assert (unticked.interactive_replies, unticked.emergency_number, unticked.disclosure_after_days) == (
        False,
        "061",
        30,
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"timezone": "CEST"}, "set_bad_timezone"),
        ({"timezone": "europe/madrid"}, "set_bad_timezone"),
        ({"timezone": "UTC+3"}, "set_bad_timezone"),
        ({"language": "fr"}, "set_bad_language"),
        ({"emergency_number": "llama al 112"}, "set_bad_emergency_number"),
        ({"timezone": "America/Bogota"}, "set_emergency_number_needed"),
        ({"disclosure_text": "x" * 601}, "set_bad_disclosure_text"),
        ({"disclosure_after_days": "0"}, "set_bad_disclosure_after_days"),
        ({"assistant_name": "   "}, "set_bad_assistant_name"),
        ({"tone": "x" * 201}, "set_bad_tone"),
        ({"booking_lead_minutes": "-5"}, "set_bad_lead"),
        ({"booking_horizon_days": "400"}, "set_bad_horizon"),
        ({"slot_step_minutes": "3"}, "set_bad_step"),
    ],
)
def test_a_persona_value_out_of_bounds_names_its_sentence(changes: dict[str, str], code: str) -> None:
    assert refused(lambda: PersonaForm(**{**PERSONA, **changes}).settings()) == code


def test_the_time_zone_is_checked_before_anything_else() -> None:
    """Two wrong values: the page names the first one it checks (as it always did)."""
    form = PersonaForm(**{**PERSONA, "timezone": "CEST", "language": "fr", "assistant_name": ""})
    assert refused(form.settings) == "set_bad_timezone"


def test_retention_windows_default_when_empty_and_are_bounded() -> None:
    assert RetentionForm().windows() == DEFAULT
    assert RetentionForm(text_months="6", media_days="", usage_months="36").windows() == Windows(6, 30, 36)
    assert refused(RetentionForm(text_months="181").windows) == "set_bad_text_months"
    assert refused(RetentionForm(media_days="0").windows) == "set_bad_media_days"
    assert refused(RetentionForm(usage_months="seis").windows) == "set_bad_usage_months"


# -- the catalogue -------------------------------------------------------------------------------
def test_prices_are_cents_or_on_request() -> None:
    assert [parse_price(p) for p in ("45", "45.5", "45,50", " 1 200 ", "")] == [4500, 4550, 4550, 120000, None]
    for wrong in ("45.555", "-3", "cuarenta", "45,5,0"):
        assert refused(lambda wrong=wrong: parse_price(wrong)) == "set_bad_price"


def test_a_service_form_becomes_a_service() -> None:
    service = ServiceForm(name=" Limpieza ", duration_minutes="20", price="19,90", currency="eur", bookable="on")
    made = service.service("id-1")
    assert (made.id, made.name, made.duration_minutes, made.price_cents, made.currency, made.bookable) == (
        "id-1",
        "Limpieza",
        20,
        1990,
        "EUR",
        True,
    )
    assert ServiceForm(name="X", duration_minutes="30").service().currency == "EUR"
    assert refused(ServiceForm(name="X", duration_minutes="4").service) == "set_bad_duration"
    assert refused(ServiceForm(name="", duration_minutes="30").service) == "set_bad_service_name"
    assert refused(ServiceForm(name="X", duration_minutes="30", currency="euros").service) == "set_bad_currency"


def test_an_entry_needs_a_title_and_a_text() -> None:
    assert EntryForm(title=" Horario ", body=" De 9 a 18. ").entry() == ("Horario", "De 9 a 18.")
    assert refused(EntryForm(title="", body="x").entry) == "set_bad_entry_title"
    assert refused(EntryForm(title="x", body="x" * 8001).entry) == "set_bad_entry_body"


# -- staff ---------------------------------------------------------------------------------------
def test_members_hours_and_time_off() -> None:
    assert MemberForm(name=" Rosa ", active="on").member() == ("Rosa", True)
    assert MemberForm(name="Rosa").member() == ("Rosa", False)
    assert refused(MemberForm(name=" ").member) == "set_bad_member_name"
    assert HoursForm(weekday="1", starts="16:00", ends="24:00").hours() == (1, "16:00", "24:00")
    assert refused(HoursForm(weekday="8", starts="09:00", ends="10:00").hours) == "set_bad_weekday"
    for starts, ends in (("18:00", "10:00"), ("24:00", "24:00"), ("9:00", "10:00"), ("09:00", "25:00")):
        assert refused(HoursForm(weekday="2", starts=starts, ends=ends).hours) == "set_bad_hours"


def test_time_off_is_local_wall_time_in_the_business_zone() -> None:
    starts, ends, reason = TimeOffForm(
        off_starts="2026-12-24T09:00", off_ends="2026-12-24T14:00", reason=" Médico "
    ).period("Europe/Madrid")
    assert starts.astimezone(UTC) == datetime(2026, 12, 24, 8, 0, tzinfo=UTC)  # CET in December
    assert ends.tzinfo == ZoneInfo("Europe/Madrid") and reason == "Médico"
    assert TimeOffForm(off_starts="2026-07-01T09:00", off_ends="2026-07-01T10:00").period("UTC")[2] is None
    assert refused(lambda: TimeOffForm(off_starts="mañana", off_ends="x").period("UTC")) == "set_bad_time_off"
    backwards = TimeOffForm(off_starts="2026-07-01T10:00", off_ends="2026-07-01T09:00")
    assert refused(lambda: backwards.period("UTC")) == "set_bad_time_off"


# -- notifications and reminders -----------------------------------------------------------------
def test_staff_numbers_and_the_escalation_template() -> None:
    form = NotificationsForm(
        staff_numbers="+34 600 111 222\n0051 987 654 321, 34600111222",
        escalation_template_id="aviso_escalada",
        escalation_template_params="customer_number, reason",
    )
    settings = form.settings()
    assert settings.staff_numbers == ["34600111222", "51987654321"]  # each once
    assert (settings.template_id, settings.template_params) == ("aviso_escalada", ["customer_number", "reason"])
    assert NotificationsForm().settings().template_id is None
    assert refused(NotificationsForm(staff_numbers="+34 600 111 222\n12345").settings) == "set_bad_staff_number"
    many = ",".join(f"3460011{n:04d}" for n in range(21))
    assert refused(NotificationsForm(staff_numbers=many).settings) == "set_too_many_numbers"
    assert refused(NotificationsForm(escalation_template_id="no vale").settings) == "set_bad_template_id"
    params = NotificationsForm(escalation_template_params="customer_name, x")
    assert refused(params.settings) == "set_bad_template_params"


def reminders(**fields: str) -> RemindersForm:
    return RemindersForm.model_validate({"enabled": "on", "template_id": "recordatorio", **fields})


def test_reminder_times_and_values() -> None:
    settings = reminders(
        offset_amount_1="2",
        offset_unit_1="h",
        offset_amount_2="24",
        offset_unit_2="h",
        offset_amount_3="120",
        offset_unit_3="min",  # the same time as 2 h: once
        offset_amount_4="",
        param_1="customer_name",
        param_2="when",
        param_3="",
    ).settings()
    assert settings.template_id == "recordatorio"
    assert settings.offsets_minutes == [1440, 120]  # the earliest reminder first
    assert settings.template_params == ["customer_name", "when"]  # the empty selects past the count dropped
    off = RemindersForm.model_validate({"template_id": "recordatorio", "offset_amount_1": "x"}).settings()
    assert (off.template_id, off.offsets_minutes, off.template_params) == (None, [], [])
    assert reminders(offset_amount_1="1", offset_unit_1="h").enabled_now().settings().offsets_minutes == [60]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"template_id": ""}, "set_reminder_template_needed"),
        ({"template_id": "no vale"}, "set_bad_reminder_template"),
        ({"offset_amount_1": "10", "offset_unit_1": "min"}, "set_bad_reminder_time"),
        ({"offset_amount_1": "200", "offset_unit_1": "h"}, "set_bad_reminder_time"),
        ({"offset_amount_1": "2", "offset_unit_1": "días"}, "set_bad_reminder_time"),
        ({"offset_amount_1": ""}, "set_no_reminder_times"),
        ({**{f"offset_amount_{n}": str(n) for n in range(1, 7)}, **{f"offset_unit_{n}": "h" for n in range(1, 7)}},
         "set_too_many_reminder_times"),
        ({"offset_amount_1": "2", "offset_unit_1": "h", "param_1": "password"}, "set_bad_reminder_params"),
        ({"offset_amount_1": "2", "offset_unit_1": "h", "param_2": "when"}, "set_reminder_params_count"),
        ({"offset_amount_1": "2", "offset_unit_1": "h", "param_11": "when"}, "set_bad_reminder_params"),
    ],
)  # fmt: skip
def test_a_wrong_reminder_value_names_its_sentence(fields: dict[str, str], code: str) -> None:
    assert refused(reminders(**fields).settings) == code


def test_the_reminder_form_shows_times_as_hours_or_minutes() -> None:
    assert offset_rows([1440, 90]) == [("24", "h"), ("90", "min"), ("", "h"), ("", "h"), ("", "h")]


# -- Gupshup connections -------------------------------------------------------------------------
def test_a_connection_keeps_its_own_key_whatever_the_form_says() -> None:
    wanted = ConnectionForm(business_number="+34 910 000 124", active="on").connection(KEYS, app_name="Clinica")
    assert (wanted.app_name, wanted.business_number, wanted.api_key_ref, wanted.active) == (
        "Clinica",
        "34910000124",
        f"{KEYS}Clinica",
        True,
    )
    form = ConnectionForm(business_number="34910000124")
    assert refused(lambda: form.connection(None, app_name="Clinica")) == "set_keys_prefix_unknown"
    assert refused(lambda: ConnectionForm(business_number="12").connection(KEYS, app_name="C")) == (
        "set_bad_business_number"
    )


# -- a conversation, consent, forgetting, booking --------------------------------------------------
def test_a_reply_and_a_template() -> None:
    assert ReplyForm(text="  Hola  ").checked() == "Hola"
    for text, code in (("   ", "reply_empty"), ("x" * (MAX_REPLY_CHARS + 1), "reply_too_long")):
        with pytest.raises(ConsoleError, match=code):
            ReplyForm(text=text).checked()
    template = MessageTemplate("retomar", "Retomar", "Hola {{1}}, ¿seguimos?", 1)
    assert TemplateForm(template_id="retomar", param=[" Lucía ", "de más"]).values_for(template) == ["Lucía"]
    for params in ([], ["  "]):
        with pytest.raises(ConsoleError, match="template_params"):
            TemplateForm(template_id="retomar", param=params).values_for(template)


def test_consent_choices() -> None:
    assert ConsentForm(purpose="reminders", state="withdrawn").choice() == ("reminders", "withdrawn")
    for purpose, state in (("ads", "granted"), ("service", "maybe"), ("", "")):
        with pytest.raises(ConsoleError, match="consent_bad_choice"):
            ConsentForm(purpose=purpose, state=state).choice()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"mode": "delete"}, "privacy_mode"),
        ({"reason": "  "}, "privacy_reason_missing"),
        ({"until": "pronto"}, "privacy_until_bad"),
        ({"until": "2026-05-01"}, "privacy_until_bad"),  # not after today
        ({"mode": "erase", "until": "2027-01-01"}, "privacy_until_bad"),  # only a block lasts until a day
        ({"confirm": "+34 600 000 000"}, "privacy_confirm_mismatch"),
        ({"confirm": "no"}, "privacy_confirm_mismatch"),
    ],
)
def test_forgetting_a_customer_needs_the_form_filled_as_it_must_be(fields: dict[str, str], code: str) -> None:
    form = ForgetForm(**{"mode": "block", "reason": "Lo pidió", "confirm": "+34 600 111 222", **fields})
    with pytest.raises(ConsoleError, match=code):
        form.checked("34600111222", date(2026, 6, 1))


def test_a_block_until_a_day_and_an_erasure() -> None:
    block = ForgetForm(mode="block", reason="x", until="2026-07-01", confirm="0034 600-11 12 22")
    assert block.checked("34600111222", date(2026, 6, 1)) == ("block", date(2026, 7, 1))
    assert ForgetForm(mode="erase", reason="x", confirm="34600111222").checked("34600111222", date(2026, 6, 1)) == (
        "erase",
        None,
    )


def test_a_booking_s_day_and_time_are_the_business_s_wall_time() -> None:
    assert parse_day("2033-04-12") == date(2033, 4, 12)
    assert parse_day("9999-12-31") is None and parse_day("12/04/2033") is None
    start = BookingForm(start_date="2026-03-29", start_time="09:30:45").start("Europe/Madrid")
    assert start.astimezone(UTC) == datetime(2026, 3, 29, 7, 30, tzinfo=UTC)  # CEST from that morning on
    for day, at in (("2033-04-12", "25:00"), ("mañana", "10:00"), ("2033-04-12", "10:00+02:00")):
        with pytest.raises(ConsoleError, match="appt_bad_time"):
            local_start(day, at, "UTC")


def test_the_onboarding_form_keeps_what_was_typed_trimmed() -> None:
    form = OnboardingForm(name=" Clínica ", app_name="Alta1", staff_number=" 34 600 ")
    assert form.typed()["name"] == "Clínica" and form.typed()["staff_number"] == "34 600"


# -- FastAPI hands a post to the form models ------------------------------------------------------
def test_a_post_s_fields_reach_the_form_models_empty_ones_as_their_default() -> None:
    app = FastAPI()
    seen: dict[str, Any] = {}

    @app.post("/reminders")
    def reminders_post(form: Annotated[RemindersForm, Form()]) -> dict[str, str]:
        seen["reminders"] = form
        return {}

    @app.post("/persona")
    def persona_post(form: Annotated[PersonaForm, Form()]) -> dict[str, str]:
        seen["persona"] = form
        return {}

    client = TestClient(app)
    fields = {"enabled": "on", "template_id": "recordatorio", "offset_amount_1": "2", "offset_unit_1": "h"}
    sent = client.post("/reminders", data={**fields, "param_1": "when", "csrf_token": "t"})
    assert sent.status_code == 200
    assert seen["reminders"].settings().template_params == ["when"]  # a numbered field, kept
    answer = client.post("/persona", data={**PERSONA, "tone": "", "csrf_token": "t"})
    assert answer.status_code == 200 and seen["persona"].tone == "" and seen["persona"].settings().tone == ""
    # Nothing sent at all is still a form (every field its default), never a 422.
    assert client.post("/persona", data={}).status_code == 200
