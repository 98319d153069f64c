"""The words of the console's settings pages, in Spanish and English (merged by i18n.texts)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {"es": {}, "en": {}}
