"""Accent and case folding: how the project compares words a person wrote ("Gomez" names
"Dra. Laura Gómez", "BAJA" is "baja"). One definition, used by the agent's tools, the opt-out
words, the evaluation and the local protocol stand-ins, so they all hear the same words."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """`text` with its accents dropped (NFKD, combining marks removed) and its case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
