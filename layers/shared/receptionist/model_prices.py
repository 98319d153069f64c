"""List prices of the OpenAI models this project names, in USD per million tokens: the one table
the tracing (a generation's cost), the evaluation (cost per task) and the bench (price per 1,000
messages) read.

Written down on 2026-11-30 from https://openai.com/api/pricing/ as last read; this machine has no
internet, so they were not re-fetched that day: check them before relying on a figure. A model
not listed is reported with its tokens and no cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class ModelPrice:
    input: float
    cached_input: float  # a prompt token served from the provider's prompt cache
    output: float


PER_TOKENS: Final = 1_000_000
PRICES: Final[dict[str, ModelPrice]] = {
    "gpt-4.1": ModelPrice(2.00, 0.50, 8.00),
    "gpt-4.1-mini": ModelPrice(0.40, 0.10, 1.60),
    "gpt-4.1-nano": ModelPrice(0.10, 0.025, 0.40),
    "gpt-4o": ModelPrice(2.50, 1.25, 10.00),
    "gpt-4o-mini": ModelPrice(0.15, 0.075, 0.60),
    "text-embedding-3-small": ModelPrice(0.02, 0.02, 0.0),
}


def price_of(model: str) -> ModelPrice | None:
    """The price of `model`, or of the listed model a dated version names
    (gpt-4.1-mini-2025-04-14 is gpt-4.1-mini, not gpt-4.1)."""
    if model in PRICES:
        return PRICES[model]
    known = [name for name in PRICES if model.startswith(f"{name}-")]
    return PRICES[max(known, key=len)] if known else None


def cost_usd(model: str, prompt_tokens: float, completion_tokens: float, cached_tokens: float = 0) -> float | None:
    """What the tokens cost at list prices (`cached_tokens` of `prompt_tokens` at the cached rate;
    averages welcome); None for a model not listed."""
    price = price_of(model)
    if price is None:
        return None
    fresh = prompt_tokens - cached_tokens
    total = fresh * price.input + cached_tokens * price.cached_input + completion_tokens * price.output
    return total / PER_TOKENS
