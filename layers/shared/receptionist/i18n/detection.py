"""The customer's language, from what they write: the detector and the rule that updates a
customer's stored language (chat_identities.language; docs/languages.md).

The detector is py3langid (langid.py's model on numpy), restricted to the languages the project
speaks, chosen by measurement on short WhatsApp messages (bench/languages/messages.tsv): among the
candidates that fit a Lambda layer it was the most accurate and, behind its confidence gate, almost
never wrong. It is loaded on first use (numpy and the model cost ~0.2 s + ~1.5 s; the processor's
SnapStart snapshot holds them already loaded), so nothing imports it until a turn needs it.

The rule (`language_update`):
- a staff member's choice is never changed by detection;
- unknown language: set by one CONFIDENT detection (>= 0.8 and >= 6 letters), so "ok", "sí",
  "👍" or "10:30" never set it, and "hola" alone (Spanish or Catalan?) neither;
- known language: changed only by a DECISIVE detection (>= 0.9 and >= 12 letters), so one short or
  ambiguous message never flips it; a detection of the language already stored changes nothing.
Spanish is stored as "es" whatever the country: whether it is Peru's comes from the business
(customer_locale gives an es customer of a Peruvian business es_PE) or from staff choosing es_PE.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from receptionist.i18n.locales import Locale

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

Language = Literal["es", "en", "pt", "ca"]
LANGUAGES: Final[tuple[Language, ...]] = ("es", "en", "pt", "ca")
# The locale a detected language is stored as (Portuguese here is Brazil's; Spanish's country
# comes from the business, see above).
STORED_AS: Final[dict[Language, Locale]] = {"es": "es", "en": "en", "pt": "pt_BR", "ca": "ca"}

# Gates measured on the labelled set (docs/languages.md): at these, 133 of 206 labelled messages are
# decided and 1 wrongly ("hay parking cerca?"); decisive: 103 decided, none wrongly.
CONFIDENT_PROBABILITY: Final = 0.8
CONFIDENT_LETTERS: Final = 6
DECISIVE_PROBABILITY: Final = 0.9
DECISIVE_LETTERS: Final = 12
# Longer texts add nothing to a language guess and cost time: the turn's first characters decide.
MAX_CHARS: Final = 600


@dataclass(frozen=True)
class Detection:
    """The detector's best language among ours, its probability (normalized over our four) and
    how many letters the text had. `language` None: nothing to read (no letters)."""

    language: Language | None
    probability: float
    letters: int

    @property
    def confident(self) -> bool:
        """Enough to set an unknown language."""
        return (
            self.language is not None
            and self.probability >= CONFIDENT_PROBABILITY
            and (self.letters >= CONFIDENT_LETTERS)
        )

    @property
    def decisive(self) -> bool:
        """Enough to change a known one."""
        return (
            self.language is not None
            and self.probability >= DECISIVE_PROBABILITY
            and (self.letters >= DECISIVE_LETTERS)
        )


_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def load() -> LanguageIdentifier:
    """The detector, loaded once per process (the processor's before-snapshot hook calls this)."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(LANGUAGES))
            _identifier = identifier
        return _identifier


def letters(text: str) -> int:
    """Letters in the text (emojis, digits, punctuation and spaces are not)."""
    return sum(1 for c in text if c.isalpha())


def detect(text: str) -> Detection:
    """The language of a customer's text, among the project's; no letters, no guess (and no
    model loaded)."""
    text = text[:MAX_CHARS]
    count = letters(text)
    if count == 0:
        return Detection(None, 0.0, 0)
    language, probability = load().classify(text)
    if language not in LANGUAGES:  # set_languages keeps it to ours; never trust a library blindly
        return Detection(None, 0.0, count)
    return Detection(language, float(probability), count)


def language_update(stored: str | None, source: str | None, detection: Detection) -> Locale | None:
    """The locale to store for a customer after `detection` of what they wrote this turn, or None
    to leave what is stored (`stored`, set by `source`: 'detected' or 'staff')."""
    if source == "staff" or detection.language is None:
        return None
    new = STORED_AS[detection.language]
    if stored is None:
        return new if detection.confident else None
    if stored.split("_")[0] == new.split("_")[0]:  # the same language (es and es_PE are both Spanish)
        return None
    return new if detection.decisive else None
