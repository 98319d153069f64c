"""The business's catalogue in the system prompt, for businesses small enough to need no search.

A compact block of every active service (duration, price, whether it can be booked on WhatsApp)
and every knowledge entry (title and text). It sits in the static part of the prompt, so it is
byte-identical across turns and customers and cached with the rest of the prefix. A warm
container keeps one block per business and rebuilds it only when the business's
`catalogue_updated_at` moves (it comes with the organization each turn: no extra query).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime

from receptionist.agent.wording import price
from receptionist.crm import catalogue as crm_catalogue
from receptionist.crm.connection import Database
from receptionist.crm.models import Catalogue, Organization

DEFAULT_BUDGET_TOKENS = 1500
CHARS_PER_TOKEN = 3.5  # Spanish runs ~4 characters a token with OpenAI's tokenizers: err high


def estimated_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def render(catalogue: Catalogue) -> str:
    """The block as the model reads it: one line per service and per entry, sorted by name."""
    lines = ["Servicios (duración, precio):"]
    for s in catalogue.services:
        booking = "" if s.bookable else "; no se reserva por WhatsApp"
        description = f" {s.description.strip()}" if s.description.strip() else ""
        lines.append(f"- {s.name}: {s.duration_minutes} min, {price(s)}{booking}.{description}")
    if not catalogue.services:
        lines.append("- (ninguno)")
    lines.append("Información del negocio:")
    lines.extend(f"- {e.title}: {' '.join(e.body.split())}" for e in catalogue.entries)
    if not catalogue.entries:
        lines.append("- (nada más)")
    return "\n".join(lines)


@dataclass
class CatalogueBlocks:
    """Per warm container: each business's block (None when over budget: the model searches)."""

    budget_tokens: int = DEFAULT_BUDGET_TOKENS
    builds: int = 0  # blocks built (the bench and the tests read it)
    _blocks: dict[str, tuple[datetime | None, str | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def block(self, db: Database, organization: Organization) -> str | None:
        """Call inside the organization's `acting_for`."""
        version = organization.catalogue_updated_at
        with self._lock:
            kept = self._blocks.get(organization.id)
        if kept is not None and version is not None and kept[0] == version:
            return kept[1]
        text = render(crm_catalogue.catalogue(db, organization.id))
        block = text if estimated_tokens(text) <= self.budget_tokens else None
        with self._lock:
            self._blocks[organization.id] = (version, block)
            self.builds += 1
        return block
