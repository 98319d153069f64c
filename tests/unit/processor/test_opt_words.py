"""The written opt-out / opt-in matcher (processor/opt_words.py): the whole message, normalised,
is one of the phrases; never a phrase inside a sentence about something else."""

from __future__ import annotations

import pytest

from receptionist.processor.opt_words import classify, normalised, read_turn


@pytest.mark.parametrize(
    "text",
    [
        "BAJA", "baja", "¡Baja!", "Baja.", "  BAJA  ", "baja por favor", "Por favor, BAJA", "Hola, baja",
        "Quiero darme de baja", "DAME DE BAJA", "me doy de baja", "STOP", "Stop!!!", "stop please", "ok stop",
        "No me escribáis más", "no me escribais mas.", "No me escribáis más, gracias", "Dejad de escribirme",
        "No quiero recibir más mensajes", "unsubscribe", "Unsubscribe me", "Opt out", "STOP ALL",
        "Don't message me", "No more messages", "Baixa", "No m'escriviu més", "Doneu-me de baixa",
        "Não quero mais mensagens", "SAIR", "descadastrar", "buenas tardes, quiero darme de baja",
    ],
)  # fmt: skip
def test_opt_out_phrases_per_language(text: str) -> None:
    assert classify(text) == "out"


@pytest.mark.parametrize(
    "text",
    [
        "ALTA", "alta", "Alta por favor", "Gracias. Alta", "Quiero darme de alta", "START", "Start", "subscribe",
        "UNSTOP", "opt in", "Doneu-me d'alta", "Quero voltar a receber mensagens",
    ],
)  # fmt: skip
def test_opt_in_phrases_per_language(text: str) -> None:
    assert classify(text) == "in"


@pytest.mark.parametrize(
    "text",
    [
        # The words inside sentences about something else.
        "No puedo parar de toser", "para", "parar", "stop the pain", "I can't stop bleeding",
        "Baja la persiana, por favor", "Me ha bajado la fiebre", "Estoy de baja laboral, ¿puedo ir el lunes?",
        "baja médica", "Quiero dar de alta a mi hijo como paciente", "¿Me dais el alta?", "Start time?",
        "When do you start?", "Subscribe to what?", "Quiero cancelar mi cita", "cancelar", "cancel",
        # About opting out, but a question: the assistant answers (its opt_out tool may act on it).
        "¿Cómo me doy de baja?", "How do I unsubscribe?",
        # Long messages are never a phrase.
        "baja " * 30,
        # Anything else.
        "Hola", "¿Abrís el sábado?", "Quiero una limpieza",
    ],
)  # fmt: skip
def test_no_match_inside_other_sentences(text: str) -> None:
    assert classify(text) is None


@pytest.mark.parametrize("text", ["gracias", "Ok", "vale, gracias", "👍", "Thanks!", "perfecto", "...", "ok 👍"])
def test_acknowledgements_ask_for_nothing(text: str) -> None:
    assert classify(text) == "ack"


def test_greetings_alone_open_a_conversation() -> None:
    assert classify("Hola") is None and classify("Buenas tardes") is None


def test_normalised_folds_case_accents_and_punctuation() -> None:
    assert normalised("¡NO me ESCRIBÁIS más!!") == "no me escribais mas"
    assert normalised("No m'escriviu més") == "no m escriviu mes"


def test_a_turn_s_latest_opt_word_decides_and_only_written_text_counts() -> None:
    burst = read_turn([("text", "¿A qué hora abrís?"), ("text", "BAJA")])
    assert (burst.choice, burst.only_acks) == ("out", False)
    assert read_turn([("text", "BAJA"), ("text", "no, espera: ALTA")]).choice == "out"  # not a phrase: BAJA stands
    assert read_turn([("text", "BAJA"), ("text", "ALTA")]).choice == "in"
    assert read_turn([("text", "ALTA"), ("text", "stop")]).choice == "out"
    assert read_turn([("quick_reply", "STOP"), ("audio", None)]).choice is None  # a tap, a voice note
    assert read_turn([("text", "gracias"), ("text", "👍")]).only_acks
    assert not read_turn([("text", "gracias"), ("image", None)]).only_acks
