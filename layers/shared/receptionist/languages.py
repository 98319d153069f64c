"""The languages the project speaks: a business's assistant (agent_settings.language) and the
staff console, Spanish by default."""

from __future__ import annotations

from typing import Final, Literal

Language = Literal["es", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("es", "en")
DEFAULT_LANGUAGE: Final[Language] = "es"


def language_of(setting: str) -> Language:
    """The language a business's setting names ("en", "en-GB": English); Spanish otherwise."""
    return "en" if setting.lower().startswith("en") else DEFAULT_LANGUAGE
