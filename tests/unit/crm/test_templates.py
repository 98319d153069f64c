"""render_template: a WhatsApp template's preview with its parameters in place."""

from __future__ import annotations

import pytest

from receptionist.crm.templates import placeholder_count, render_template


def test_each_placeholder_gets_its_parameter() -> None:
    body = "Hola {{1}}, te recordamos tu cita el {{2}}. ¡Hasta el {{2}}, {{1}}!"
    assert render_template(body, ["Lucía", "martes"]) == (
        "Hola Lucía, te recordamos tu cita el martes. ¡Hasta el martes, Lucía!"
    )


def test_a_parameter_is_never_read_for_placeholders() -> None:
    assert render_template("{{1}} y {{2}}", ["{{2}}", "dos"]) == "{{2}} y dos"


def test_a_template_without_placeholders_takes_no_parameters() -> None:
    assert placeholder_count("Gracias por escribirnos.") == 0
    assert render_template("Gracias por escribirnos.", []) == "Gracias por escribirnos."


def test_spaces_inside_the_braces_are_allowed() -> None:
    assert placeholder_count("Hola {{ 1 }}") == 1
    assert render_template("Hola {{ 1 }}", ["Ana"]) == "Hola Ana"


@pytest.mark.parametrize(
    ("body", "params", "message"),
    [
        ("Hola {{1}}", [], "takes 1 parameter, 0 given"),
        ("Hola {{1}}", ["Ana", "Luis"], "takes 1 parameter, 2 given"),
        ("Hola {{1}}, el {{2}}", ["Ana"], "takes 2 parameters, 1 given"),
        ("Gracias", ["Ana"], "takes 0 parameters, 1 given"),
        ("Hola {{0}} {{1}}", ["Ana"], r"numbered from \{\{1\}\}"),
    ],
)
def test_the_wrong_number_of_parameters_is_refused(body: str, params: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_template(body, params)


def test_gaps_count_up_to_the_highest_placeholder() -> None:
    """WhatsApp numbers parameters from 1 without gaps; a body with {{3}} takes three."""
    assert placeholder_count("{{1}} y {{3}}") == 3
    assert render_template("{{1}} y {{3}}", ["a", "b", "c"]) == "a y c"
