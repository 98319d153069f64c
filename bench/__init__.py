"""`make bench`: measurements of the system, written to bench/results.md."""
