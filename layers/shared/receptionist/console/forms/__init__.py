"""The console's forms as pydantic models (FastAPI's `Annotated[Model, Form()]`), one module per
section, and the checks every form shares. A form model holds the fields as the browser sends them:
strings ("" when left empty or not sent: FastAPI drops empty values and the default stands in), so
pydantic never refuses a post as a whole (a 422); each model's methods turn them into checked
values, or raise the section's error with the key of the sentence the page shows (400), before
anything is written."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from receptionist.crm.settings.errors import InvalidSetting

_WHOLE = re.compile(r"\d{1,6}")


class FormModel(BaseModel):
    """A form's fields, as typed (the CSRF token and any other field it carries are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def ticked(value: str) -> bool:
    """A checkbox: sent ("on") when ticked, absent when not."""
    return value.strip().lower() in ("on", "true", "1", "yes")


def bounded(value: str, low: int, high: int, code: str) -> str:
    """The text, trimmed, `low` to `high` characters long (else InvalidSetting(code))."""
    text = value.strip()
    if not low <= len(text) <= high:
        raise InvalidSetting(code)
    return text


def whole(value: str, low: int, high: int, code: str) -> int:
    """A whole number from `low` to `high` (else InvalidSetting(code))."""
    raw = value.strip()
    if not _WHOLE.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidSetting(code)
    return int(raw)
