"""A business's emergency number (agent_settings.emergency_number): what the assistant gives a
customer whose words suggest an emergency, with a hand-over to a person.

It is the business's own setting because it depends on where its customers are: 112 across
Europe, 106 for an ambulance (SAMU) in Peru. A default is derived from the time zone only where
the zone says the country's number (every Europe/* zone and Spain's and Portugal's Atlantic and
African ones: 112; America/Lima: 106); elsewhere a zone spans countries with different numbers
(America/New_York is the US and also the Bahamas...), so the number must be given."""

from __future__ import annotations

import re
from typing import Final

# The agent_settings check (migration 20261207070000_business_scope.sql): digits, an optional
# leading "+", 2 to 15 of them (short codes such as 15 or 112, or a full number).
_NUMBER: Final = re.compile(r"^\+?[0-9]{2,15}$")
# Spaces, dashes, dots and brackets people type between digits.
_SEPARATORS: Final = re.compile(r"[\s\-.()]")

EUROPE: Final = "112"  # the single European emergency number (Directive (EU) 2018/1972, art. 109)
PERU_AMBULANCE: Final = "106"  # SAMU, Peru's ambulance service
_BY_ZONE: Final[dict[str, str]] = {
    "America/Lima": PERU_AMBULANCE,
    "Atlantic/Canary": EUROPE,
    "Africa/Ceuta": EUROPE,
    "Atlantic/Madeira": EUROPE,
    "Atlantic/Azores": EUROPE,
}


class InvalidEmergencyNumber(ValueError):
    """Not a phone number the assistant can tell a customer to call."""


def default_for(timezone: str) -> str | None:
    """The emergency number a business in this time zone most likely has; None: not derivable."""
    if timezone.startswith("Europe/"):
        return EUROPE
    return _BY_ZONE.get(timezone)


def normalize(raw: str) -> str:
    """The number as stored: separators removed; raises InvalidEmergencyNumber when it is not 2 to
    15 digits (an optional leading "+")."""
    number = _SEPARATORS.sub("", raw)
    if not _NUMBER.fullmatch(number):
        raise InvalidEmergencyNumber(raw)
    return number


def chosen(raw: str | None, timezone: str) -> str | None:
    """The number given (checked), or, when none is given, the time zone's default (None when
    there is none: the caller decides whether that is allowed)."""
    if raw is not None and raw.strip():
        return normalize(raw)
    return default_for(timezone)
