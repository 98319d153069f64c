"""Customer language detection (receptionist/i18n/detection.py) on the labelled set of short
WhatsApp messages, bench/languages/messages.tsv: accuracy per language, how often an ambiguous
message ("ok", "👍", "10:30") is left undecided, import and per-message time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

SET: Final = Path(__file__).with_name("languages") / "messages.tsv"
# The set's labels: a language, or None for a message no reader could place.
LABELS: Final[tuple[str | None, ...]] = ("es", "en", "pt", "ca", None)


@dataclass(frozen=True)
class Labelled:
    language: str | None
    variety: str
    text: str


def load_set(path: Path = SET) -> list[Labelled]:
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    out = []
    for line in rows[1:]:  # the header
        language, variety, text = line.split("\t")
        out.append(Labelled(None if language == "none" else language, variety, text))
    return out
