"""The console function's settings: where the stage's Gupshup keys live is one of them
(GUPSHUP_KEYS_PATH, or next to its database URL parameter), read once at cold start."""

from __future__ import annotations

from devstack.template import function_env
from receptionist.config import ConsoleSettings, gupshup_keys_prefix


def test_the_gupshup_keys_prefix_comes_from_the_stage() -> None:
    assert gupshup_keys_prefix("", "/receptionist/prod/database-url") == "/receptionist/prod/gupshup/"
    assert gupshup_keys_prefix("", "/receptionist/prod/console-database-url") == "/receptionist/prod/gupshup/"
    assert gupshup_keys_prefix("/receptionist/dev/gupshup", "") == "/receptionist/dev/gupshup/"
    assert gupshup_keys_prefix("", "/elsewhere/database-url") is None
    assert gupshup_keys_prefix("", "") is None


def test_the_console_reads_the_keys_prefix_from_its_environment() -> None:
    env = function_env("ConsoleFunction")
    assert ConsoleSettings.from_env(env).gupshup_keys_prefix == "/receptionist/dev/gupshup/"
    assert ConsoleSettings.from_env({**env, "GUPSHUP_KEYS_PATH": "/receptionist/prod/gupshup"}).gupshup_keys_prefix == (
        "/receptionist/prod/gupshup/"
    )
    derived = {k: v for k, v in env.items() if k != "GUPSHUP_KEYS_PATH"}
    assert (
        ConsoleSettings.from_env(derived).gupshup_keys_prefix == "/receptionist/dev/gupshup/"
    )  # from its database URL's
