"""Accent folding exists once (receptionist/folding.py): the agent's tools, the opt-out words, the
evaluation and the local protocol stand-ins fold words the same way."""

from __future__ import annotations

from pathlib import Path

from devstack.scripted_receptionist import fold as policy_fold
from eval.scoring import fold as scoring_fold
from receptionist.folding import fold
from receptionist.processor.opt_words import normalised

ROOT = Path(__file__).resolve().parents[3]
CODE = ("layers/shared/receptionist", "eval", "infra/local/devstack", "functions", "bench")


def test_accents_and_case_are_folded() -> None:
    assert fold("Dra. Laura Gómez") == "dra. laura gomez"
    assert fold("¡BAJA! Añádeme, PINGÜINO") == "¡baja! anademe, pinguino"
    assert fold("Straße") == "strasse"  # case folded, not only lowered


def test_every_reader_folds_the_same_way() -> None:
    said = "No me escribáis MÁS,  Gómez"
    assert policy_fold(said) == fold(said)
    assert scoring_fold(said) == "no me escribais mas, gomez"  # and single spaces
    assert normalised(said) == "no me escribais mas gomez"  # and letters and digits only


def test_no_other_module_folds_accents_itself() -> None:
    folding = [
        str(path.relative_to(ROOT))
        for place in CODE
        for path in sorted((ROOT / place).rglob("*.py"))
        if "unicodedata" in path.read_text() and path.name != "folding.py"
    ]
    assert folding == []
