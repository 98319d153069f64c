"""The WhatsApp rate card (by day, market and category) and the AWS price model per message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receptionist.stats import aws_prices, whatsapp_prices
from receptionist.stats.whatsapp_prices import CARDS, DEFAULT_MARKET, RateCard, Rates, card_on, market_of


@pytest.mark.parametrize(
    ("number", "market"),
    [
        ("34600000001", "ES"),
        ("+34600000001", "ES"),
        ("51912345678", "PE"),
        ("5511987654321", "BR"),
        ("5215512345678", "MX"),
        ("12025550123", "US"),
        ("447700900123", "GB"),
        ("5491112345678", "AR"),
        ("37612345", "REST_WESTERN_EUROPE"),  # Andorra: +376 before +3
        ("8613800138000", DEFAULT_MARKET),  # China: not listed
    ],
)
def test_a_number_belongs_to_its_calling_code_market(number: str, market: str) -> None:
    assert market_of(number) == market


def test_every_required_market_and_a_default_are_priced_in_every_card() -> None:
    for card in CARDS:
        for market in ("ES", "PE", "BR", "MX", "US", "GB", DEFAULT_MARKET):
            rates = card.rates[market]
            assert rates.marketing > rates.utility > 0 and rates.authentication > 0
        assert card.source.startswith("https://")


def test_a_day_is_priced_with_the_card_valid_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    july = CARDS[0]
    october = RateCard(
        "meta-2025-10-01",
        date(2025, 10, 1),
        "https://example.invalid/card",
        {**july.rates, "MX": Rates(Decimal("0.0300"), Decimal("0.0085"), Decimal("0.0085"))},
    )
    monkeypatch.setattr(whatsapp_prices, "CARDS", (july, october))
    assert card_on(date(2025, 9, 30)).id == "meta-2025-07-01"
    assert card_on(date(2025, 10, 1)).id == "meta-2025-10-01"
    assert card_on(date(2026, 12, 7)).price("MX", "marketing") == Decimal("0.0300")
    assert card_on(date(2025, 9, 30)).price("MX", "marketing") == Decimal("0.0436")
    assert card_on(date(2024, 1, 1)).id == "meta-2025-07-01"  # before per-message pricing: the first card


def test_an_unlisted_market_pays_the_default_rates() -> None:
    card = card_on(date(2026, 1, 1))
    assert card.price("NOWHERE", "utility") == card.rates[DEFAULT_MARKET].utility
    assert card.price("ES", "marketing") == Decimal("0.0615")
    assert card.price("PE", "utility") == Decimal("0.0200")


def test_the_aws_estimate_is_the_bench_use_per_message_at_list_prices() -> None:
    per = aws_prices.per_message_usd()
    # bench/results.md: about $0.022 of infrastructure per 1,000 inbound messages.
    assert Decimal("0.000018") < per < Decimal("0.000026")
    assert aws_prices.aws_cost_usd(0) == 0
    assert aws_prices.aws_cost_usd(1000) == (per * 1000).quantize(Decimal("0.000001"))
    assert aws_prices.unit_price("lambda_request") == pytest.approx(0.20 / 1_000_000)
