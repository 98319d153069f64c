"""Row level security as an in-memory fake CRM keeps it: calls are made inside `acting_for` their
organization, or the test fails (the real database would return nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class ActsForOneTenant:
    """Mixin for fake CRM ports; the dataclass using it declares `acting: list[str]`."""

    acting: list[str]  # the organizations entered, innermost last

    @contextmanager
    def acting_for(self, organization_id: str) -> Iterator[None]:
        self.acting.append(organization_id)
        try:
            yield
        finally:
            self.acting.pop()

    def _tenant(self, organization_id: str) -> None:
        """As row level security would: a tenant call outside acting_for, or for another
        organization, sees nothing; here it fails the test."""
        assert self.acting and self.acting[-1] == organization_id, "CRM call outside its organization"
