"""What the local stack takes from the environment (README, "Local stack"), and its defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass
class LocalConfig:
    """Everything the local stack takes from the environment (see README, "Local stack")."""

    debounce_seconds: int = 10
    webhook_secret: str = "local-webhook-secret"  # noqa: S105 - local-only default: every seeded app's
    webhook_secrets: dict[str, str] = field(default_factory=dict)  # per app, over the default
    gupshup_api_url: str = "http://127.0.0.1:9/gupshup-not-configured"
    gupshup_api_key: str = "local-gupshup-key"  # FakeGupshup's default key
    # Gupshup's Partner API (read receipts, "typing…") and the Partner App Token put in SSM for each
    # seeded app (app_token_ref); the local Gupshup server when GUPSHUP_API_URL is unset, else off
    # unless GUPSHUP_PARTNER_API_URL names one.
    gupshup_partner_api_url: str = ""
    gupshup_app_token: str = "local-gupshup-app-token"  # noqa: S105 - FakeGupshup's default token
    openai_base_url: str = "http://127.0.0.1:9/openai-not-configured"
    openai_api_key: str = "local-openai-key"
    openai_model: str = "gpt-4.1-mini"
    gemini_base_url: str = "http://127.0.0.1:9/gemini-not-configured"
    gemini_api_key: str = "local-gemini-key"
    # Google (calendar sync): OAuth and Calendar API endpoints, pointed at devstack's stand-in
    # (fakes/google_calendar.py) by stand_ins.py; the OAuth client is the stand-in's default.
    google_oauth_url: str = "http://127.0.0.1:9/google-oauth-not-configured"
    google_token_url: str = "http://127.0.0.1:9/google-token-not-configured"  # noqa: S105 - a URL
    google_calendar_api_url: str = "http://127.0.0.1:9/google-calendar-not-configured"
    google_client_id: str = "local-google-client"
    google_client_secret: str = "local-google-secret"  # noqa: S105 - FakeGoogleCalendar's default
    # Langfuse (tracing on): its base URL (e.g. a devstack.fakes.langfuse server) and project keys,
    # put in SSM as the template names them; empty: tracing off, as the template's default.
    langfuse_url: str = ""
    langfuse_public_key: str = "pk-lf-local"
    langfuse_secret_key: str = "sk-lf-local"  # noqa: S105 - FakeLangfuse's default key
    # The staff console: one owner account per seeded business, this password (local only).
    console_password: str = "Consola-Local-2026"  # noqa: S105 - local-only default
    console_secret: str = "local-console-secret"  # noqa: S105 - local-only CSRF signing key
    port: int = 3000
    # Fixed defaults so events/env.local.json (sam local invoke) can point at them; tests use 0 (any free port).
    moto_port: int = 4566
    postgres_port: int = 54322
    state_dir: Path = field(default_factory=lambda: ROOT / ".local")
    region: str = "us-east-1"
    stage: str = "dev"
    concurrency: int = 2
    # None: failed SQS records wait out the queue's own visibility timeout, as in AWS.
    retry_after_seconds: int | None = None
    # None: scheduled functions run at their rule's rate (the sweeper every minute).
    schedule_seconds: float | None = None
    # The reminders' rule alone (issue 17: its own clock); None: schedule_seconds, then the rate.
    reminders_seconds: float | None = None
    # The retention's rule alone; None: its own nightly cron, whatever schedule_seconds says (it
    # removes data by age: a stack that speeds up the sweeper must not also run it every second).
    retention_seconds: float | None = None
    # The daily roll-up's rule alone (RemindersFunction, {"pass": "stats"}); None: its own hourly
    # rate, whatever schedule_seconds says (recomputing every business every second is load for nobody).
    stats_seconds: float | None = None
    # Per function (logical id): a Lambda timeout other than the template's (tests: shorter).
    function_timeouts: dict[str, int] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # False: moto (template deployed) and PostgreSQL only, no function workers and no HTTP API
    # (the bench's in-process measurements wire the code themselves).
    runner: bool = True

    @classmethod
    def ephemeral(cls, state_dir: Path, **overrides: Any) -> LocalConfig:
        """A stack for tests and the bench: free ports, its own state, no debounce, the sweeper
        every 2 s, failed records back after 2 s (not the queue's minutes); `overrides` on top."""
        settings: dict[str, Any] = {
            "debounce_seconds": 0,
            "port": 0,
            "moto_port": 0,
            "postgres_port": 0,
            "state_dir": state_dir,
            "schedule_seconds": 2,
            "retry_after_seconds": 2,
        }
        return cls(**(settings | overrides))

    @classmethod
    def from_env(cls) -> LocalConfig:
        d = cls()
        retry = os.environ.get("LOCAL_RETRY_AFTER_SECONDS")
        schedule = os.environ.get("LOCAL_SCHEDULE_SECONDS")
        reminders = os.environ.get("LOCAL_REMINDERS_SECONDS")
        retention = os.environ.get("LOCAL_RETENTION_SECONDS")
        stats = os.environ.get("LOCAL_STATS_SECONDS")
        return cls(
            debounce_seconds=_env_int("DEBOUNCE_SECONDS", d.debounce_seconds),
            webhook_secret=os.environ.get("WEBHOOK_SECRET") or d.webhook_secret,
            webhook_secrets=parse_app_secrets(os.environ.get("WEBHOOK_SECRETS", "")),
            gupshup_api_url=os.environ.get("GUPSHUP_API_URL") or d.gupshup_api_url,
            gupshup_api_key=os.environ.get("GUPSHUP_API_KEY") or d.gupshup_api_key,
            gupshup_partner_api_url=os.environ.get("GUPSHUP_PARTNER_API_URL") or d.gupshup_partner_api_url,
            gupshup_app_token=os.environ.get("GUPSHUP_APP_TOKEN") or d.gupshup_app_token,
            openai_base_url=os.environ.get("OPENAI_BASE_URL") or d.openai_base_url,
            openai_api_key=os.environ.get("OPENAI_API_KEY") or d.openai_api_key,
            openai_model=os.environ.get("OPENAI_MODEL") or d.openai_model,
            gemini_base_url=os.environ.get("GEMINI_BASE_URL") or d.gemini_base_url,
            gemini_api_key=os.environ.get("GEMINI_API_KEY") or d.gemini_api_key,
            console_password=os.environ.get("CONSOLE_PASSWORD") or d.console_password,
            port=_env_int("LOCAL_PORT", d.port),
            moto_port=_env_int("MOTO_PORT", d.moto_port),
            postgres_port=_env_int("POSTGRES_PORT", d.postgres_port),
            state_dir=Path(os.environ.get("LOCAL_STATE_DIR") or d.state_dir),
            concurrency=_env_int("LOCAL_CONCURRENCY", d.concurrency),
            retry_after_seconds=int(retry) if retry else None,
            schedule_seconds=float(schedule) if schedule else None,
            reminders_seconds=float(reminders) if reminders else None,
            retention_seconds=float(retention) if retention else None,
            stats_seconds=float(stats) if stats else None,
        )


def parse_app_secrets(value: str) -> dict[str, str]:
    """WEBHOOK_SECRETS: "appA=s1,appB=s2" -> {"appA": "s1", "appB": "s2"}."""
    out: dict[str, str] = {}
    for pair in value.split(","):
        app, sep, secret = pair.strip().partition("=")
        if not pair.strip():
            continue
        if not sep or not app.strip() or not secret.strip():
            raise ValueError(f"WEBHOOK_SECRETS takes app=secret pairs separated by commas, not {pair.strip()!r}")
        out[app.strip()] = secret.strip()
    return out
