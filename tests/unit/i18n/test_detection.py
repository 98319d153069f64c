"""The customer-language detector on the labelled set, and the rule that updates a customer's
stored language (receptionist/i18n/detection.py)."""

from __future__ import annotations

from bench.language_detection import load_set
from receptionist.i18n.detection import Detection, detect, language_update


def test_on_the_labelled_set_confident_detections_are_almost_never_wrong() -> None:
    # The gates' point: what the rule acts on is right. Measured: 133 decided, 1 wrong (docs/languages.md).
    decided = wrong = 0
    for message in load_set():
        if message.language is None:
            continue
        found = detect(message.text)
        if found.confident:
            decided += 1
            wrong += found.language != message.language
    assert decided >= 120 and wrong <= 2


def test_ambiguous_messages_never_set_a_language() -> None:
    ambiguous = [m.text for m in load_set() if m.language is None]
    confident = [t for t in ambiguous if detect(t).confident]
    assert len(ambiguous) >= 30
    assert len(confident) <= 1, confident  # measured: "María López" (a name, read as Spanish)
    for text in ("ok", "sí", "👍", "10:30", "jaja", "?", "no", "vale", "+34 600 123 456"):
        assert not detect(text).confident, text


def test_no_letters_is_no_guess() -> None:
    assert detect("👍🏻 10:30 !!") == Detection(None, 0.0, 0)


def test_each_language_is_recognized_in_a_real_sentence() -> None:
    cases = {
        "hola, quería pedir cita para una limpieza el jueves": "es",
        "hi, can I book a cleaning for tomorrow morning?": "en",
        "oi, tem horário amanhã de manhã para uma limpeza?": "pt",
        "bon dia, voldria demanar hora per a una neteja dijous": "ca",
    }
    for text, language in cases.items():
        found = detect(text)
        assert found.language == language and found.decisive, (text, found)


def _seen(language: str | None, probability: float, letters: int) -> Detection:
    return Detection(language, probability, letters)  # type: ignore[arg-type]


def test_an_unknown_language_is_set_by_one_confident_detection() -> None:
    assert language_update(None, None, _seen("pt", 0.85, 8)) == "pt_BR"
    assert language_update(None, None, _seen("es", 0.99, 20)) == "es"
    assert language_update(None, None, _seen("en", 0.79, 30)) is None  # not confident
    assert language_update(None, None, _seen("en", 0.99, 5)) is None  # too short ("hello")
    assert language_update(None, None, _seen(None, 0.0, 0)) is None


def test_a_known_language_changes_only_on_a_decisive_detection() -> None:
    assert language_update("es", "detected", _seen("en", 0.85, 10)) is None  # confident, not decisive
    assert language_update("es", "detected", _seen("en", 0.95, 11)) is None  # one letter short
    assert language_update("es", "detected", _seen("en", 0.95, 12)) == "en"
    assert language_update("pt_BR", "detected", _seen("pt", 0.99, 40)) is None  # already stored
    assert language_update("es_PE", "detected", _seen("es", 0.99, 40)) is None  # Spanish is Spanish


def test_staff_s_choice_is_never_changed_by_detection() -> None:
    assert language_update("en", "staff", _seen("es", 0.99, 80)) is None
    assert language_update("es_PE", "staff", _seen("pt", 0.99, 80)) is None


def test_one_short_message_never_flips_a_known_language() -> None:
    for text in ("ok", "sí", "obrigado!", "thanks!", "gràcies!", "vale perfecto", "hello"):
        assert language_update("es", "detected", detect(text)) in (None, "es"), text
