"""No personal data in the logs: a whole conversation (texts, a burst, a voice note, a booking, a
reschedule, a request for a person) through the local stack with every function logging at DEBUG,
then every line of every function's log is scanned for the customer's number and name, what they
wrote, the media URL and the secrets."""

from __future__ import annotations

import re

from e2e_kit import Pipeline

from devstack.demo import CONVERSATION, play

FUNCTION_LOGS = ("webhook", "processor", "notifier", "sweeper")


def _media(p: Pipeline) -> set[str]:
    return {r.path for r in p.gupshup.received() if r.path.startswith("/media/")}


def test_no_phone_number_text_secret_or_media_url_reaches_any_log(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    logs = pipeline.stack.config.state_dir / "logs"
    start = {name: (logs / f"{name}.log").stat().st_size for name in FUNCTION_LOGS if (logs / f"{name}.log").exists()}
    media_before = _media(pipeline)
    result = play(pipeline.stack, pipeline.gupshup, customer=customer, show=lambda s: None)
    assert result.appointment is not None  # the whole conversation ran
    pipeline.stack.wait_idle(timeout=pipeline.bound())
    media = _media(pipeline) - media_before
    assert media  # the voice note was downloaded

    written = [content for _, messages in CONVERSATION for kind, content in messages if kind == "text"]
    config = pipeline.stack.config
    forbidden = {
        "customer number": re.escape(customer),
        "customer name": re.escape("Lucía Pérez"),
        "webhook secret": re.escape(config.webhook_secret),
        "Gupshup key": re.escape(config.gupshup_api_key),
        "model key": re.escape(config.openai_api_key),
        "Gemini key": re.escape(config.gemini_api_key),
        **{f"media URL {p}": re.escape(p) for p in media},
        **{f"text {t[:20]!r}": re.escape(t) for t in written if len(t) > 6},
    }
    lines = 0
    for name in FUNCTION_LOGS:
        path = logs / f"{name}.log"
        with path.open(encoding="utf-8", errors="replace") as fh:
            fh.seek(start.get(name, 0))
            for line in fh:
                lines += 1
                for what, pattern in forbidden.items():
                    assert not re.search(pattern, line), f"{what} in {name}.log: {line[:300]}"
    assert lines > 50  # the functions did log (at DEBUG), and all of it was read
