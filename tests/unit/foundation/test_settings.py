from __future__ import annotations

import pytest
from pydantic import ValidationError

from receptionist.config import NotifierSettings, ProcessorSettings, WebhookSettings

BASE = {"STAGE": "dev", "SECRETS_PATH": "/receptionist/dev"}


def test_webhook_settings_read_from_environment() -> None:
    env = {
        **BASE,
        "CONVERSATIONS_TABLE": "t",
        "INBOUND_QUEUE_URL": "https://q/in.fifo",
        "OUTBOUND_QUEUE_URL": "https://q/out.fifo",
        "WEBHOOK_SECRETS_PATH": "/receptionist/dev/webhook-secrets",
    }
    settings = WebhookSettings.from_env(env)
    assert settings.inbound_queue_url == "https://q/in.fifo"
    assert settings.webhook_secrets_path.endswith("webhook-secrets")


@pytest.mark.parametrize("model", [WebhookSettings, ProcessorSettings, NotifierSettings])
def test_missing_variables_fail_at_cold_start(model: type[WebhookSettings]) -> None:
    with pytest.raises(ValidationError) as err:
        model.from_env(BASE)
    assert "Field required" in str(err.value)


def test_processor_max_receive_count_must_be_positive() -> None:
    env = {
        **BASE,
        "CONVERSATIONS_TABLE": "c",
        "CHECKPOINTS_TABLE": "k",
        "MEDIA_BUCKET": "b",
        "OUTBOUND_QUEUE_URL": "q",
        "OPENAI_BASE_URL": "http://x",
        "OPENAI_MODEL": "m",
        "DATABASE_URL_PARAM": "p",
        "OPENAI_API_KEY_PARAM": "p",
        "GEMINI_API_KEY_PARAM": "p",
        "MAX_RECEIVE_COUNT": "0",
    }
    with pytest.raises(ValidationError):
        ProcessorSettings.from_env(env)
