"""Each function's settings are read from its environment at cold start and fail loudly when
the deploy is broken (missing, empty or out of range)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from devstack.template import function_env
from receptionist.config import (
    NotifierSettings,
    ProcessorSettings,
    RemindersSettings,
    SweeperSettings,
    WebhookSettings,
)

SETTINGS = {
    "WebhookFunction": WebhookSettings,
    "ProcessorFunction": ProcessorSettings,
    "NotifierFunction": NotifierSettings,
    "SweeperFunction": SweeperSettings,
    "RemindersFunction": RemindersSettings,
}


@pytest.mark.parametrize("function", SETTINGS)
def test_the_template_gives_every_function_valid_settings(function: str) -> None:
    SETTINGS[function].from_env(function_env(function))


def test_webhook_settings_read_from_environment() -> None:
    settings = WebhookSettings.from_env(function_env("WebhookFunction", INBOUND_QUEUE_URL="https://q/in.fifo"))
    assert settings.inbound_queue_url == "https://q/in.fifo"
    assert settings.webhook_secrets_path == "/receptionist/dev/webhook-secrets"


def test_the_notifier_reads_gupshup_keys_under_their_own_prefix() -> None:
    assert NotifierSettings.from_env(function_env("NotifierFunction")).gupshup_keys_path == "/receptionist/dev/gupshup/"


@pytest.mark.parametrize("function", SETTINGS)
def test_missing_variables_fail_at_cold_start(function: str) -> None:
    env = function_env(function)
    required = [name for name, field in SETTINGS[function].model_fields.items() if field.is_required()]
    assert required
    alias = SETTINGS[function].model_fields[required[0]].alias
    assert alias is not None
    del env[alias]
    with pytest.raises(ValidationError) as err:
        SETTINGS[function].from_env(env)
    assert "Field required" in str(err.value)


@pytest.mark.parametrize("function", SETTINGS)
def test_an_empty_name_fails_at_cold_start(function: str) -> None:
    env = function_env(function)
    name = next(n for n in ("CONVERSATIONS_TABLE", "IDEMPOTENCY_TABLE", "OUTBOUND_QUEUE_URL") if n in env)
    with pytest.raises(ValidationError, match="at least 1 character"):
        SETTINGS[function].from_env({**env, name: "  "})


def test_processor_max_receive_count_must_be_positive() -> None:
    env = function_env("ProcessorFunction")
    assert ProcessorSettings.from_env(env).max_receive_count == 3  # the complete environment is valid
    with pytest.raises(ValidationError, match=r"max_receive_count|MAX_RECEIVE_COUNT"):
        ProcessorSettings.from_env({**env, "MAX_RECEIVE_COUNT": "0"})


def test_the_reminders_lookback_defaults_to_a_day_and_must_be_positive() -> None:
    env = function_env("RemindersFunction")
    assert RemindersSettings.from_env(env).reminder_lookback_hours == 24
    del env["REMINDER_LOOKBACK_HOURS"]
    assert RemindersSettings.from_env(env).reminder_lookback_hours == 24  # the default
    with pytest.raises(ValidationError, match=r"REMINDER_LOOKBACK_HOURS|reminder_lookback_hours"):
        RemindersSettings.from_env({**env, "REMINDER_LOOKBACK_HOURS": "0"})
