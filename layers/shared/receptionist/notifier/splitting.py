"""WhatsApp caps a text message at 4,096 characters: longer replies go out as ordered parts,
cut at paragraph, then sentence, then word boundaries (a hard cut only for a single huge word).
A reply goes out in at most MAX_PARTS messages (WhatsApp also rate-limits bursts to one user):
what is longer is cut, and the last part says so."""

from __future__ import annotations

import re
from collections.abc import Iterable

WHATSAPP_TEXT_LIMIT = 4096
MAX_PARTS = 3
CUT_MARK = " […]"


def bounded_parts(text: str, limit: int = WHATSAPP_TEXT_LIMIT, max_parts: int = MAX_PARTS) -> list[str]:
    """The parts that go out: at most `max_parts`, the last one marked when text was cut."""
    parts = split_text(text, limit)
    if len(parts) <= max_parts:
        return parts
    kept = parts[:max_parts]
    last = kept[-1]
    kept[-1] = (last if len(last) + len(CUT_MARK) <= limit else last[: limit - len(CUT_MARK)]) + CUT_MARK
    return kept


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int = WHATSAPP_TEXT_LIMIT) -> list[str]:
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    # A paragraph that fits is never cut; only a longer one is split into sentences (words).
    pieces = (
        ("\n\n" if i == 0 else " ", unit)
        for paragraph in paragraphs
        for i, unit in enumerate([paragraph] if len(paragraph) <= limit else _sentences(paragraph, limit))
    )
    return _pack(pieces, limit)


def _sentences(paragraph: str, limit: int) -> list[str]:
    units: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        units.extend([sentence] if len(sentence) <= limit else _split_words(sentence, limit))
    return units


def _split_words(sentence: str, limit: int) -> list[str]:
    return _pack(((" ", piece) for word in sentence.split(" ") for piece in _hard_cut(word, limit)), limit)


def _hard_cut(word: str, limit: int) -> list[str]:
    """A word longer than a message, cut into pieces that fit (the only cut inside a word)."""
    return [word[i : i + limit] for i in range(0, len(word), limit)] or [word]


def _pack(pieces: Iterable[tuple[str, str]], limit: int) -> list[str]:
    """Join (separator, piece) pairs greedily into chunks of at most `limit` characters; every
    piece fits alone."""
    chunks: list[str] = []
    current = ""
    for sep, piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks
