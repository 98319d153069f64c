"""No personal data in the logs: a whole conversation (texts, a burst, a voice note, a booking, a
reschedule, a request for a person) through the local stack with every function logging at DEBUG,
then every line of every function's log is scanned for the customer's number and name, what they
wrote, the media URL and the secrets."""

from __future__ import annotations

import re

from e2e_kit import FUNCTION_LOGS, Pipeline, PlayedDemo

from devstack.demo import CONVERSATION


def test_no_phone_number_text_secret_or_media_url_reaches_any_log(
    pipeline: Pipeline, demo_conversation: PlayedDemo
) -> None:
    played = demo_conversation
    assert played.result.appointment is not None  # the whole conversation ran
    assert played.media  # the voice note was downloaded
    logs = pipeline.stack.config.state_dir / "logs"

    written = [content for _, messages in CONVERSATION for kind, content in messages if kind == "text"]
    config = pipeline.stack.config
    forbidden = {
        "customer number": re.escape(played.customer),
        "customer name": re.escape("Lucía Pérez"),
        "webhook secret": re.escape(config.webhook_secret),
        "Gupshup key": re.escape(config.gupshup_api_key),
        "model key": re.escape(config.openai_api_key),
        "Gemini key": re.escape(config.gemini_api_key),
        **{f"media URL {p}": re.escape(p) for p in played.media},
        **{f"text {t[:20]!r}": re.escape(t) for t in written if len(t) > 6},
    }
    lines = 0
    for name in FUNCTION_LOGS:
        path = logs / f"{name}.log"
        with path.open(encoding="utf-8", errors="replace") as fh:
            fh.seek(played.log_offsets[name])
            for line in fh:
                lines += 1
                for what, pattern in forbidden.items():
                    assert not re.search(pattern, line), f"{what} in {name}.log: {line[:300]}"
    assert lines > 50  # the functions did log (at DEBUG), and all of it was read
