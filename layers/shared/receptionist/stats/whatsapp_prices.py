"""What Meta charges per delivered WhatsApp template message, by the recipient's market and the
template's category: the dated rate cards the daily roll-up prices a day with (docs/stats.md).

Meta's per-message pricing (since 2025-07-01, "Pricing on the WhatsApp Business Platform",
https://developers.facebook.com/docs/whatsapp/pricing): a charge only when a TEMPLATE message is
delivered; free-form (service) messages are free; a UTILITY template delivered inside an open
customer service window (the customer wrote less than 24 hours before) is free; marketing and
authentication are always charged. The rate is the market's (the country calling code of the
recipient's number) for the template's category, in USD. Volume tiers (lower utility and
authentication rates past a monthly volume per business) are not modelled: a small business does
not reach them, so the card's list rate is an upper bound.

Card "meta-2025-07-01", written down on 2026-12-07 from the per-country table effective 2025-07-01
at https://docs.sent.dm/docs/guides/whatsapp-pricing (a copy of Meta's card in USD) as this machine
could read it: only the table's first rows were readable here. From them: Argentina and the regions
"rest of Western Europe" (Andorra, Austria), "rest of Latin America" (Anguilla, Aruba, Bahamas) and
"other" (American Samoa, Antarctica), the default for a market not listed. The rows of Spain, Peru,
Brazil, Mexico, the United States (+1, North America) and the United Kingdom could not be read
there; they are taken from a third-party copy of Meta's card from before 2025-07-01 (the July 2025
update kept marketing rates and changed utility and authentication rates in several markets), so
their utility and authentication rates are listed in UNVERIFIED: check them against Meta's card
before relying on a figure, and correct them with a new card, never by editing this one's history.

A new card (Meta revises rates each quarter: January, April, July, October) is a new entry in
CARDS with the date it takes effect: a day is priced with the card valid on that day, so days
already rolled up keep their price when recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

Category = Literal["marketing", "utility", "authentication"]
CATEGORIES: Final[tuple[Category, ...]] = ("marketing", "utility", "authentication")
DEFAULT_MARKET: Final = "OTHER"


@dataclass(frozen=True)
class Rates:
    """USD per delivered template message of each category."""

    marketing: Decimal
    utility: Decimal
    authentication: Decimal

    def of(self, category: Category) -> Decimal:
        return {"marketing": self.marketing, "utility": self.utility, "authentication": self.authentication}[category]


def _rates(marketing: str, utility: str, authentication: str) -> Rates:
    return Rates(Decimal(marketing), Decimal(utility), Decimal(authentication))


@dataclass(frozen=True)
class RateCard:
    id: str
    valid_from: date
    source: str
    rates: dict[str, Rates]  # market -> rates; DEFAULT_MARKET for any market not listed
    unverified: frozenset[str] = frozenset()  # markets whose rates could not be read at the source

    def rates_for(self, market: str) -> Rates:
        return self.rates.get(market, self.rates[DEFAULT_MARKET])

    def price(self, market: str, category: Category) -> Decimal:
        return self.rates_for(market).of(category)


# Country calling code -> market (longest prefix wins). +1 is North America (the US and Canada
# share a rate); a code not listed is priced at the card's default.
MARKETS: Final[dict[str, str]] = {
    "1": "US",
    "34": "ES",
    "44": "GB",
    "51": "PE",
    "52": "MX",
    "54": "AR",
    "55": "BR",
    "43": "REST_WESTERN_EUROPE",  # Austria
    "376": "REST_WESTERN_EUROPE",  # Andorra
    "297": "REST_LATIN_AMERICA",  # Aruba
}

CARDS: Final[tuple[RateCard, ...]] = (
    RateCard(
        id="meta-2025-07-01",
        valid_from=date(2025, 7, 1),
        source="https://docs.sent.dm/docs/guides/whatsapp-pricing (Meta's card effective 2025-07-01, USD)",
        rates={
            "ES": _rates("0.0615", "0.0200", "0.0342"),
            "PE": _rates("0.0703", "0.0200", "0.0377"),
            "BR": _rates("0.0625", "0.0080", "0.0315"),
            "MX": _rates("0.0436", "0.0100", "0.0239"),
            "US": _rates("0.0250", "0.0040", "0.0135"),
            "GB": _rates("0.0529", "0.0220", "0.0358"),
            "AR": _rates("0.0618", "0.0289", "0.0289"),
            "REST_WESTERN_EUROPE": _rates("0.0592", "0.0171", "0.0171"),
            "REST_LATIN_AMERICA": _rates("0.0740", "0.0113", "0.0113"),
            DEFAULT_MARKET: _rates("0.0604", "0.0077", "0.0077"),
        },
        unverified=frozenset({"ES", "PE", "BR", "MX", "US", "GB"}),
    ),
)


def market_of(number: str) -> str:
    """The market of a WhatsApp number (E.164 digits, with or without "+"): its calling code's."""
    digits = number.lstrip("+")
    for length in (3, 2, 1):
        market = MARKETS.get(digits[:length])
        if market is not None:
            return market
    return DEFAULT_MARKET


def card_on(day: date) -> RateCard:
    """The card valid on `day`: the latest that took effect on or before it (the first card for
    days before any: per-message pricing did not exist then, and no earlier day is rolled up)."""
    valid = [card for card in CARDS if card.valid_from <= day]
    return max(valid, key=lambda card: card.valid_from) if valid else min(CARDS, key=lambda card: card.valid_from)
