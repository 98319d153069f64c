"""The stand-in's embeddings: deterministic vectors, so the vector-search plumbing runs offline.

Feature hashing of the text's folded words (their first five letters, a crude stem) and of each
word's character trigrams (so a misspelt word lands near the right one), signed, L2-normalised.
It knows no synonyms and no other language: retrieval quality with it says nothing about a real
model's (the bench says which one it measured).
"""

from __future__ import annotations

import hashlib
import math
import re

from receptionist.folding import fold  # how the stand-ins compare words, as the agent does

DIMENSIONS = 1536
# Words that carry no meaning for a search (Spanish and English function words).
_STOP = frozenset(
    """de la que el en y a los del se las por un para con no una su al lo como mas pero sus le ya o
    este si porque esta entre cuando muy sin sobre tambien me hasta hay donde quien desde todo nos
    durante todos uno les ni contra otros ese eso ante ellos e esto mi antes algunos que unos yo otro
    otras otra el tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo
    nosotros tu te ti tus tenéis teneis tienen tiene tengo hola buenas buenos dias tardes quería queria
    quiero puedo puede podeis podéis sabe saber gracias vale es son soy sois estais estan
    the a an of to in is are do does you your we our for on at it and or what how much can i my me""".split()  # noqa: SIM905
)


def _features(text: str) -> list[tuple[str, float]]:
    features: list[tuple[str, float]] = []
    for word in re.findall(r"[a-z0-9ñ]+", fold(text)):
        if len(word) < 3 or word in _STOP:
            continue
        features.append((f"w:{word[:5]}", 1.0))
        padded = f" {word} "
        features.extend((f"t:{padded[i : i + 3]}", 0.35) for i in range(len(padded) - 2))
    return features


def stand_in_embedding(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for feature, weight in _features(text):
        digest = hashlib.md5(feature.encode(), usedforsecurity=False).digest()
        index = int.from_bytes(digest[:4], "big") % DIMENSIONS
        vector[index] += weight if digest[4] & 1 else -weight
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:  # nothing to go on: a fixed unit vector far from every real text
        vector[0] = 1.0
        return vector
    return [v / norm for v in vector]
