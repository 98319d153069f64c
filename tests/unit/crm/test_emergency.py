"""A business's emergency number: checked as the table checks it, and defaulted from the time
zone only where the zone says the country's number."""

from __future__ import annotations

import pytest

from receptionist.emergency import InvalidEmergencyNumber, chosen, default_for, normalize


@pytest.mark.parametrize(
    ("zone", "number"),
    [
        ("Europe/Madrid", "112"),
        ("Europe/London", "112"),
        ("Atlantic/Canary", "112"),
        ("Africa/Ceuta", "112"),
        ("America/Lima", "106"),
        ("America/Bogota", None),
        ("America/New_York", None),
        ("UTC", None),
    ],
)
def test_the_default_follows_the_time_zone_only_where_it_can(zone: str, number: str | None) -> None:
    assert default_for(zone) == number


def test_separators_go_and_anything_but_a_number_is_refused() -> None:
    assert normalize(" 1 1 2 ") == "112"
    assert normalize("+51 (1) 411-8000") == "+5114118000"
    for bad in ("", "1", "llama al 112", "112a", "++112", "1234567890123456"):
        with pytest.raises(InvalidEmergencyNumber):
            normalize(bad)


def test_a_given_number_wins_over_the_zones_default() -> None:
    assert chosen("061", "Europe/Madrid") == "061"
    assert chosen("  ", "America/Lima") == "106"
    assert chosen(None, "America/Bogota") is None
    assert chosen("123", "America/Bogota") == "123"
