"""What the assistant is worth, per business and day (issue 31; docs/stats.md)."""
