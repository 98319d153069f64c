from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from receptionist.notifier.splitting import WHATSAPP_TEXT_LIMIT, split_text


def test_short_text_is_one_part() -> None:
    assert split_text("Hola, ¿qué tal?") == ["Hola, ¿qué tal?"]
    assert split_text("   ") == []


def test_ten_thousand_characters_become_ordered_parts_under_the_limit() -> None:
    sentences = [f"Frase número {i} sobre la clínica y sus servicios." for i in range(220)]
    text = " ".join(sentences)
    assert len(text) > 10_000
    parts = split_text(text)
    assert len(parts) == 3
    assert all(len(p) <= WHATSAPP_TEXT_LIMIT for p in parts)
    assert " ".join(parts) == text  # nothing lost, order kept
    assert all(p.endswith(".") for p in parts)  # cut at sentence boundaries


def test_paragraphs_are_preferred_boundaries() -> None:
    para = "Primera frase. " * 150
    text = f"{para.strip()}\n\n{para.strip()}\n\n{para.strip()}"
    # Two paragraphs do not fit in 4,000 characters: each goes whole, none is cut inside.
    assert split_text(text, limit=4000) == [para.strip()] * 3
    # Two do fit in 5,000: they share a part, joined by their paragraph break.
    assert split_text(text, limit=5000) == [f"{para.strip()}\n\n{para.strip()}", para.strip()]


def test_a_single_huge_word_is_cut() -> None:
    parts = split_text("a" * 9000)
    assert [len(p) for p in parts] == [4096, 4096, 808]


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from("abc .!?\n"), max_size=3000), st.integers(min_value=20, max_value=400))
def test_parts_never_exceed_the_limit_and_keep_every_word(text: str, limit: int) -> None:
    parts = split_text(text, limit=limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_a_reply_goes_out_in_at_most_three_messages() -> None:
    from receptionist.notifier.splitting import CUT_MARK, MAX_PARTS, bounded_parts

    huge = "\n\n".join(f"Párrafo {i}. " + "palabra " * 400 for i in range(20))  # ~65,000 characters
    parts = bounded_parts(huge)
    assert len(parts) == MAX_PARTS == 3
    assert all(len(p) <= WHATSAPP_TEXT_LIMIT for p in parts) and parts[-1].endswith(CUT_MARK)
    assert huge.startswith(parts[0])  # in order, from the beginning
    assert bounded_parts("corto") == ["corto"]
