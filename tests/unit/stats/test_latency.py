"""Latency histograms: days summed bucket by bucket, percentiles read back as bucket upper edges."""

from __future__ import annotations

from itertools import pairwise

import pytest

from receptionist.stats.latency import (
    FIRST_REPLY_MS_EDGES,
    STAFF_REPLY_SECONDS_EDGES,
    Percentile,
    bucket_of,
    histogram,
    merged,
    percentile,
)

EDGES = (100, 200, 400)


def test_a_value_on_an_edge_belongs_to_the_bucket_it_closes() -> None:
    assert [bucket_of(v, EDGES) for v in (0, 100, 101, 200, 400, 401)] == [0, 0, 1, 1, 2, 3]


def test_a_histogram_has_one_bucket_more_than_edges_the_open_last_one() -> None:
    assert histogram([50, 150, 150, 999], EDGES) == [1, 2, 0, 1]
    assert len(histogram([], FIRST_REPLY_MS_EDGES)) == len(FIRST_REPLY_MS_EDGES) + 1
    assert len(histogram([], STAFF_REPLY_SECONDS_EDGES)) == len(STAFF_REPLY_SECONDS_EDGES) + 1


def test_days_sum_bucket_by_bucket_and_an_empty_day_adds_nothing() -> None:
    assert merged([[1, 0, 2, 0], [], [0, 3, 0, 1]], EDGES) == [1, 3, 2, 1]
    with pytest.raises(ValueError):
        merged([[1, 2]], EDGES)


def test_percentiles_are_nearest_rank_upper_edges() -> None:
    counts = histogram([50] * 50 + [150] * 45 + [300] * 5, EDGES)
    assert percentile(counts, EDGES, 0.5) == Percentile(100)
    assert percentile(counts, EDGES, 0.51) == Percentile(200)
    assert percentile(counts, EDGES, 0.95) == Percentile(200)
    assert percentile(counts, EDGES, 0.96) == Percentile(400)


def test_a_percentile_in_the_open_bucket_says_over_its_lower_edge() -> None:
    assert percentile(histogram([50, 5_000], EDGES), EDGES, 0.95) == Percentile(400, over=True)


def test_nothing_counted_has_no_percentile() -> None:
    assert percentile([0, 0, 0, 0], EDGES, 0.5) is None
    with pytest.raises(ValueError):
        percentile([1, 0, 0, 0], EDGES, 0)


def test_the_edges_rise_strictly() -> None:
    for edges in (FIRST_REPLY_MS_EDGES, STAFF_REPLY_SECONDS_EDGES):
        assert all(a < b for a, b in pairwise(edges))
