"""WhatsApp caps a text message at 4,096 characters: longer replies go out as ordered parts,
cut at paragraph, then sentence, then word boundaries (a hard cut only for a single huge word).
A reply goes out in at most MAX_PARTS messages (WhatsApp also rate-limits bursts to one user):
what is longer is cut, and the last part says so."""

from __future__ import annotations

import re

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
    parts: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        # A paragraph that fits is never cut; only a longer one is split into sentences (words).
        units = [paragraph] if len(paragraph) <= limit else _sentences(paragraph, limit)
        for i, unit in enumerate(units):
            sep = "\n\n" if i == 0 else " "
            candidate = f"{current}{sep}{unit}" if current else unit
            if len(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = unit
    if current:
        parts.append(current)
    return parts


def _sentences(paragraph: str, limit: int) -> list[str]:
    units: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        units.extend([sentence] if len(sentence) <= limit else _split_words(sentence, limit))
    return units


def _split_words(sentence: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > limit:  # a single word longer than a message: cut it
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks
