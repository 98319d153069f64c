"""Latency histograms: how a day's waits are kept so any period's percentiles can be read back.

A percentile of 30 days cannot be made from 30 daily percentiles, and keeping every wait would
make the dashboard read every message. So each day keeps a count per fixed bucket
(daily_business_stats.first_reply_ms, staff_reply_seconds), days are summed bucket by bucket, and a
percentile is read from the sum. The answer is the upper edge of the bucket the rank falls in: an
upper bound, as precise as the buckets (about a third of the value at most). The last bucket is
open: a percentile there is reported as "over" its lower edge.

The edges are part of the stored data's meaning: change them only with a migration that rewrites
the histograms (the roll-up can: it recomputes whole days).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

# Webhook receipt to Gupshup's acceptance of the first reply, in milliseconds.
FIRST_REPLY_MS_EDGES: Final[tuple[int, ...]] = (
    500,
    1_000,
    1_500,
    2_000,
    3_000,
    4_000,
    5_000,
    7_500,
    10_000,
    15_000,
    20_000,
    30_000,
    60_000,
    120_000,
    300_000,
)
# An escalation to the first staff reply after it, in seconds.
STAFF_REPLY_SECONDS_EDGES: Final[tuple[int, ...]] = (
    60,
    300,
    600,
    900,
    1_800,
    3_600,
    7_200,
    14_400,
    28_800,
    86_400,
)


@dataclass(frozen=True)
class Percentile:
    """`value` is the bucket's upper edge; `over` is True in the open last bucket (then `value`
    is its lower edge: "more than value")."""

    value: int
    over: bool = False


def bucket_of(value: float, edges: Sequence[int]) -> int:
    """The bucket of `value`: the first whose upper edge is >= value (len(edges) for the open one)."""
    for index, edge in enumerate(edges):
        if value <= edge:
            return index
    return len(edges)


def histogram(values: Iterable[float], edges: Sequence[int]) -> list[int]:
    counts = [0] * (len(edges) + 1)
    for value in values:
        counts[bucket_of(value, edges)] += 1
    return counts


def merged(histograms: Iterable[Sequence[int]], edges: Sequence[int]) -> list[int]:
    """Bucket-by-bucket sums; an empty histogram (a day with no wait) adds nothing."""
    total = [0] * (len(edges) + 1)
    for counts in histograms:
        if not counts:
            continue
        if len(counts) != len(total):
            raise ValueError(f"a histogram of {len(counts)} buckets where {len(total)} were expected")
        for index, count in enumerate(counts):
            total[index] += count
    return total


def percentile(counts: Sequence[int], edges: Sequence[int], q: float) -> Percentile | None:
    """The q-th percentile (0 < q <= 1) of a histogram, None when it counts nothing. Nearest rank:
    the smallest bucket whose cumulative count reaches ceil(q * n)."""
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")
    n = sum(counts)
    if n == 0:
        return None
    rank = -(-q * n // 1)  # ceil without floats drifting below an integer
    seen = 0
    for index, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return Percentile(edges[index]) if index < len(edges) else Percentile(edges[-1], over=True)
    raise AssertionError("unreachable: the ranks are within the counts")
