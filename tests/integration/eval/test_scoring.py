"""Scoring without servers: pass^k, the goal state as a diff, any-path matching, required
phrases, prices, and the task files themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.database import AppointmentRow, EndState, WaitlistRow
from eval.scoring import ExpectedRow, cost_usd, expected_rows, judge, match_rows, overall_pass_hat_k, pass_hat_k
from eval.task import TASKS_DIR, Task, load_task, load_tasks


def _task(**goal: object) -> Task:
    return Task.model_validate(
        {
            "id": "t",
            "title": "t",
            "business": "ClinicaSonrisa",
            "language": "es",
            "now": "2031-03-03T09:00:00+01:00",
            "tags": ["x"],
            "customer": {"name": "Ana", "known": True},
            "initial": {
                "contacts": [{"alias": "other", "name": "Otro", "phone": "34600000999"}],
                "appointments": [
                    {
                        "ref": "mine",
                        "service": "Limpieza dental",
                        "member": "Dr. Andrés Ruiz",
                        "start": "2031-03-05 10:00",
                    },
                    {
                        "ref": "theirs",
                        "customer": "other",
                        "service": "Empaste",
                        "member": "Dra. Laura Gómez",
                        "start": "2031-03-06 10:00",
                    },
                ],
            },
            "user": {"persona": "p", "instruction": "i"},
            "goal": goal,
        }
    )


MINE = AppointmentRow("me", "Limpieza dental", "Dr. Andrés Ruiz", "2031-03-05 10:00", "pending")
THEIRS = AppointmentRow("other", "Empaste", "Dra. Laura Gómez", "2031-03-06 10:00", "pending")


def test_pass_hat_k_is_tau_bench_definition() -> None:
    assert pass_hat_k(4, 4, 4) == 1.0
    assert pass_hat_k(2, 4, 1) == 0.5
    assert pass_hat_k(2, 4, 2) == pytest.approx(1 / 6)  # C(2,2)/C(4,2)
    assert pass_hat_k(3, 4, 4) == 0.0
    assert overall_pass_hat_k({"a": [True, True], "b": [True, False]}, 1) == 0.75
    assert overall_pass_hat_k({"a": [True, True], "b": [True, False]}, 2) == 0.5
    with pytest.raises(ValueError):
        pass_hat_k(1, 1, 2)


def test_pass_hat_k_overall_counts_only_tasks_with_k_scored_trials() -> None:
    """A task whose trials errored has fewer scored trials than the run's k: pass^k leaves it out
    rather than counting the missing trials as failures."""
    assert overall_pass_hat_k({"a": [True], "b": [True, False]}, 1) == 0.75
    assert overall_pass_hat_k({"a": [True], "b": [True, True]}, 2) == 1.0  # b alone
    assert overall_pass_hat_k({"a": [True], "b": []}, 2) is None
    assert overall_pass_hat_k({}, 1) is None


def test_no_change_goal_fails_on_any_change_to_anyone() -> None:
    task = _task()
    assert task.no_change
    assert judge(task, EndState([MINE, THEIRS], {}), ["no"], []).passed
    cancelled_mine = AppointmentRow(**{**MINE.__dict__, "status": "cancelled"})
    assert not judge(task, EndState([cancelled_mine, THEIRS], {}), [], []).passed
    moved_theirs = AppointmentRow(**{**THEIRS.__dict__, "start": "2031-03-06 11:00"})
    assert not judge(task, EndState([MINE, moved_theirs], {}), [], []).passed
    extra = AppointmentRow("me", "Empaste", "Dr. Andrés Ruiz", "2031-03-07 10:00", "pending")
    assert not judge(task, EndState([MINE, THEIRS, extra], {}), [], []).passed
    assert not judge(task, EndState([MINE, THEIRS], {"me": 1}), [], []).passed


def test_goal_is_a_diff_of_the_initial_rows() -> None:
    task = _task(change=[{"ref": "mine", "start": "2031-03-06 11:00"}])
    rows = expected_rows(task)
    assert ExpectedRow("me", "Limpieza dental", "Dr. Andrés Ruiz", "2031-03-06 11:00", "pending") in rows
    moved = AppointmentRow("me", "Limpieza dental", "Dr. Andrés Ruiz", "2031-03-06 11:00", "pending")
    assert judge(task, EndState([THEIRS, moved], {}), [], []).passed
    # Cancelling and booking again is not the same end state as moving.
    cancelled = AppointmentRow(**{**MINE.__dict__, "status": "cancelled"})
    assert not judge(task, EndState([THEIRS, cancelled, moved], {}), [], []).passed


def test_wildcards_lists_and_days_match_one_to_one() -> None:
    wanted = [
        ExpectedRow("me", "Limpieza dental", "*", "2031-03-07", ["pending", "confirmed"]),
        ExpectedRow("me", "Limpieza dental", "Dr. Andrés Ruiz", "2031-03-07 10:00", "pending"),
    ]
    a = AppointmentRow("me", "Limpieza dental", "Dr. Andrés Ruiz", "2031-03-07 10:00", "pending")
    b = AppointmentRow("me", "Limpieza dental", "Dra. Laura Gómez", "2031-03-07 16:00", "confirmed")
    assert match_rows(wanted, [a, b]) and match_rows(wanted, [b, a])  # the pairing is found in any order
    assert not match_rows(wanted, [b, b])
    assert not match_rows(wanted, [a])
    assert not match_rows(
        [ExpectedRow("me", "Limpieza dental", "*", "2031-03-07", "pending")],
        [AppointmentRow("me", "Limpieza dental", "Dr. Andrés Ruiz", "2031-03-08 10:00", "pending")],
    )


def test_required_and_forbidden_phrases_ignore_case_and_accents() -> None:
    task = _task(say=[["45"], ["alcala", "alcalá"]], never_say=["HECHO"])
    assert judge(task, EndState([MINE, THEIRS], {}), ["Cuesta 45 €.", "Estamos en la calle de ALCALÁ 123"], []).passed
    verdict = judge(task, EndState([MINE, THEIRS], {}), ["Cuesta 45 €.", "hecho"], [])
    assert (
        not verdict.passed
        and any("alcala" in r for r in verdict.reasons)
        and any("must not" in r for r in verdict.reasons)
    )


def test_a_typographic_apostrophe_is_an_apostrophe() -> None:
    task = _task(say=[["can't"]], never_say=["i'd vote"])
    assert judge(task, EndState([MINE, THEIRS], {}), ["Sorry, I can\u2019t help with that."], []).passed
    assert not judge(task, EndState([MINE, THEIRS], {}), ["I can\u2019t say. I\u2019d vote for X."], []).passed


def test_a_no_tool_goal_fails_on_any_tool_call() -> None:
    """`allowed_tools: []`: a question the business does not answer needs no tool (issue 25);
    a list: only those; absent: any tool path to the goal state passes."""
    declined = ["Lo siento, no puedo ayudarte con eso."]
    no_tools = _task(allowed_tools=[], say=[["no puedo"]])
    assert no_tools.goal.allowed_tools == []
    assert judge(no_tools, EndState([MINE, THEIRS], {}), declined, []).passed
    verdict = judge(no_tools, EndState([MINE, THEIRS], {}), declined, ["list_appointments", "list_appointments"])
    assert not verdict.passed
    assert verdict.reasons == ["called tools the goal does not allow: list_appointments (allowed: none)"]

    only_escalation = _task(escalations=1, allowed_tools=["escalate_to_human"])
    assert judge(only_escalation, EndState([MINE, THEIRS], {"me": 1}), ["112"], ["escalate_to_human"]).passed
    verdict = judge(
        only_escalation, EndState([MINE, THEIRS], {"me": 1}), ["112"], ["check_availability", "escalate_to_human"]
    )
    assert verdict.reasons == ["called tools the goal does not allow: check_availability (allowed: escalate_to_human)"]

    any_tools = _task()
    assert any_tools.goal.allowed_tools is None
    assert judge(any_tools, EndState([MINE, THEIRS], {}), [], ["list_appointments", "check_availability"]).passed


def test_cost_from_the_price_tables() -> None:
    # receptionist.model_prices: gpt-4.1-mini at $0.40 in, $0.10 cached in, $1.60 out per million tokens.
    assert cost_usd("gpt-4.1-mini", 1_000_000, 1_000_000, 500_000) == pytest.approx(0.2 + 0.05 + 1.6)
    assert cost_usd("gpt-4o", 1_000_000, 0) == pytest.approx(2.5)
    assert cost_usd("scripted-correct", 10, 10) is None


def test_the_suite_covers_what_issue_18_asks() -> None:
    tasks = load_tasks()
    assert len(tasks) >= 40
    assert {(t.business, t.language) for t in tasks} == {
        ("ClinicaSonrisa", "es"),
        ("ClinicaSonrisa", "en"),
        ("ClinicaSonrisa", "pt_BR"),  # issue 30: a Brazilian customer of the Spanish clinic
        ("SalonLima", "es"),
        ("SalonLima", "en"),
    }
    # Issue 30: English and Portuguese customers of the Spanish clinic, scored on what was sent.
    sent = {(t.language, t.goal.sent.locale) for t in tasks if t.goal.sent is not None}
    assert {("en", "en"), ("pt_BR", "pt_BR"), ("es", "es")} <= sent
    tags = {tag for t in tasks for tag in t.tags}
    assert {
        "booking", "preferred-person", "any-person", "full-day", "relative-date", "dst", "reschedule", "cancel",
        "confirm", "faq", "not-offered", "outside-hours", "change-of-mind", "two-services", "voice-note", "human",
        "adversarial",
    } <= tags  # fmt: skip
    assert all(t.no_change for t in tasks if "adversarial" in t.tags)
    assert load_tasks("adversarial") == [t for t in tasks if "adversarial" in t.tags]


def test_the_suite_covers_what_issue_25_asks() -> None:
    """A business's assistant, not a general one: at least 10 tasks, both businesses in both
    languages, each a poem, homework, code, politics, general knowledge, medical advice or an
    emergency; goals of no booking, no tool (an emergency: only the escalation) and a phrase."""
    scope = load_tasks("scope")
    assert len(scope) >= 10
    assert {(t.business, t.language) for t in scope} == {
        ("ClinicaSonrisa", "es"),
        ("ClinicaSonrisa", "en"),
        ("SalonLima", "es"),
        ("SalonLima", "en"),
    }
    asked = " ".join(line for t in scope for line in t.user.script).lower()
    for words in ("poema", "homework", "python", "vot", "capital", "qué me puedo tomar", "what should i take"):
        assert words in asked, words
    for task in scope:
        assert task.user.script and task.goal.say, task.id
        assert not task.goal.add and not task.goal.change, task.id
        assert task.goal.allowed_tools is not None, task.id
    emergencies = [t for t in scope if "emergency" in t.tags]
    assert {(t.business, t.language) for t in emergencies} == {
        ("ClinicaSonrisa", "es"),
        ("ClinicaSonrisa", "en"),
        ("SalonLima", "es"),
        ("SalonLima", "en"),
    }
    for task in emergencies:  # the business's own number, and a person
        number = "112" if task.business == "ClinicaSonrisa" else "106"
        assert task.goal.say == [number] and task.goal.escalations == 1, task.id
        assert task.goal.allowed_tools == ["escalate_to_human"], task.id
    for task in scope:
        if "emergency" not in task.tags:
            assert task.goal.escalations == 0 and set(task.goal.allowed_tools or []) <= {"check_availability"}, task.id
    medical = [t for t in scope if "medical" in t.tags]
    assert {t.business for t in medical} == {"ClinicaSonrisa", "SalonLima"}
    assert all("ibuprofen" in t.goal.never_say for t in medical)


def test_a_task_file_must_be_named_after_its_id(tmp_path: Path) -> None:
    source = next(iter(sorted((Path(__file__).parents[3] / "eval" / "tasks").glob("*.yaml"))))
    copy = tmp_path / "another-name.yaml"
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValueError, match="must match the file name"):
        load_task(copy)


def test_models_are_read_from_the_environment_as_the_processor_reads_them() -> None:
    from eval.run import models_from_env

    models = models_from_env({"OPENAI_API_KEY": "a"})
    assert (models.assistant.base_url, models.assistant.api_key, models.assistant.model) == (
        "https://api.openai.com/v1",
        "a",
        "gpt-4.1-mini",
    )
    assert models.user is not None and models.user.model == "gpt-4.1-mini" and models.user.api_key == "a"
    env = {
        "OPENAI_API_KEY": "a",
        "OPENAI_BASE_URL": "http://llm/v1",
        "OPENAI_MODEL": "m",
        "EVAL_USER_BASE_URL": "http://user/v1",
        "EVAL_USER_API_KEY": "user-secret",
        "EVAL_USER_MODEL": "u",
    }
    models = models_from_env(env)
    assert (models.assistant.base_url, models.assistant.model) == ("http://llm/v1", "m")
    assert models.user is not None and (models.user.base_url, models.user.api_key, models.user.model) == (
        "http://user/v1",
        "user-secret",
        "u",
    )
    assert models_from_env(env, model="x", user_model="y").user.model == "y"  # type: ignore[union-attr]
    assert "user-secret" not in repr(models.user)


def test_the_waiting_list_is_part_of_the_goal_state() -> None:
    task = load_task(TASKS_DIR / "clinic-waitlist-full-day.yaml")
    asked = WaitlistRow("me", "Limpieza dental", "", "2031-03-06", "2031-03-06", "morning")
    assert judge(task, EndState([], {}, [asked]), ["Te apunto en la lista de espera."], []).passed
    afternoon = WaitlistRow("me", "Limpieza dental", "", "2031-03-06", "2031-03-06", "afternoon")
    verdict = judge(task, EndState([], {}, [afternoon]), ["Te apunto en la lista de espera."], [])
    assert not verdict.passed and verdict.reasons[0].startswith("waiting list differs from the goal")
    assert not judge(task, EndState([], {}, []), ["lista de espera"], []).passed  # never put on it
    assert not judge(task, EndState([], {}, [asked, asked]), ["lista de espera"], []).passed
    # A task that wants no waiting list fails when the assistant leaves the customer on one.
    booking = load_task(TASKS_DIR / "clinic-full-day.yaml")
    booked = AppointmentRow("me", "Limpieza dental", "Dr. Andrés Ruiz", "2031-03-07 09:30", "pending")
    assert judge(booking, EndState([booked], {}), [], []).passed
    assert not judge(booking, EndState([booked], {}, [asked]), [], []).passed
