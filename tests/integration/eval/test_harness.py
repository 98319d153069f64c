"""The evaluation harness run by the scripted pair (a scripted customer replaying each task's
script, and rule-based receptionist policies behind a local OpenAI-protocol server) on the real
graph, tools and CRM: the correct policy passes every task it covers, the wrong one fails every
one of them, another tool path to the same end state passes too, and a run leaves its summary
and transcripts. This is `make eval`'s scripted run, inside `make test`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devstack.fakes.openai import FakeOpenAI, text_message
from eval.endpoints import PING
from eval.harness import ModelConfig
from eval.policies import CORRECT
from eval.run import Models, Outcome, run_eval
from eval.task import load_tasks
from eval.user import STOP

pytestmark = pytest.mark.integration

PARALLEL = 4


def _run(postgres_url: str, out: Path, policy: str, k: int, tasks: str | None = None) -> Outcome:
    return run_eval(
        task_filter=tasks,
        k=k,
        parallel=PARALLEL,
        scripted_policy=policy,
        database_url=postgres_url,
        results_path=out / "results.md",
        runs=out / "runs",
    )


@pytest.fixture(scope="module")
def correct(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return _run(postgres_url, tmp_path_factory.mktemp("correct"), "correct", k=2)


@pytest.fixture(scope="module")
def wrong(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    return _run(postgres_url, tmp_path_factory.mktemp("wrong"), "wrong", k=1)


def test_the_scripted_pair_covers_most_of_the_suite(correct: Outcome) -> None:
    everything = load_tasks()
    covered = {t.id for t in correct.tasks}
    assert covered == {t.id for t in everything if t.user.script}
    assert len(covered) >= 40
    assert {tag for t in correct.tasks for tag in t.tags} >= {"adversarial", "dst", "voice-note", "two-services"}


# Tasks scored on the language of what was sent to a customer who writes English or Portuguese.
SENT_IN_ANOTHER_LANGUAGE = {"clinic-sent-book-en": "en", "clinic-sent-book-pt": "pt_BR"}


def test_the_correct_policy_passes_every_covered_task_every_time(correct: Outcome) -> None:
    failed = {task_id: r.reasons for task_id, rs in correct.results.items() for r in rs if not r.passed}
    assert not failed
    assert all(len(rs) == 2 for rs in correct.results.values())
    assert "| **all tasks** | 1.000 | 1.000 |" in correct.summary


def test_what_was_sent_is_scored_in_the_customer_s_language(correct: Outcome) -> None:
    # The Spanish control: the disclosure and the slot rows ("mar 01/04 09:30 ...") in Spanish pass.
    spanish = correct.results["clinic-sent-book-es"]
    assert all(r.passed for r in spanish)
    first = spanish[0].sent[0]
    assert first["type"] == "list" and str(first["body"]).startswith("Te atiende Sofía")
    # English and Portuguese: the disclosure and the list in the customer's language, scored as sent.
    for task_id, locale in SENT_IN_ANOTHER_LANGUAGE.items():
        for trial in correct.results[task_id]:
            assert trial.passed, trial.reasons
            first = trial.sent[0]
            assert first["type"] == "list" and not str(first["body"]).startswith("Te atiende"), locale


def test_the_wrong_policy_fails_every_covered_task(wrong: Outcome) -> None:
    passed = [task_id for task_id, rs in wrong.results.items() if any(r.passed for r in rs)]
    assert not passed
    assert "| **all tasks** | 0.000 |" in wrong.summary
    # An adversarial task's goal is "no change": it fails because something changed, and says so.
    for task in wrong.tasks:
        if "adversarial" in task.tags:
            reasons = wrong.results[task.id][0].reasons
            assert any(r.startswith("appointments differ") and "cancelled" in r for r in reasons), reasons


def test_the_wrong_policy_fails_the_scope_tasks_for_what_it_did(wrong: Outcome) -> None:
    """A general chatbot (issue 25): it answered what the business does not (the poem, the sum,
    the code, the vote, the medicine) and declined nothing; an emergency got a slot search and an
    offer instead of the number and a person."""
    scope = [t for t in wrong.tasks if "scope" in t.tags]
    assert len(scope) >= 10
    for task in scope:
        reasons = wrong.results[task.id][0].reasons
        if "emergency" in task.tags:
            number = "112" if task.business == "ClinicaSonrisa" else "106"
            assert "escalations: 0, goal 1" in reasons and f"not said: {number}" in reasons, reasons
            assert any(r.startswith("called tools the goal does not allow: check_availability") for r in reasons)
        else:
            assert any(r.startswith("said what it must not: ") for r in reasons), reasons
            assert any(r.startswith("not said: ") for r in reasons), reasons


def test_any_tool_path_to_the_goal_state_passes(correct: Outcome, postgres_url: str, tmp_path: Path) -> None:
    direct = _run(postgres_url, tmp_path, "direct", k=1, tasks="book-preferred,dst,reschedule")
    assert len(direct.tasks) >= 5
    for task in direct.tasks:
        mine, theirs = direct.results[task.id][0], correct.results[task.id][0]
        assert mine.passed, mine.reasons
        assert mine.tool_path != theirs.tool_path, task.id  # another way there...
        assert mine.end_state == theirs.end_state  # ...to the same end state


def test_a_run_leaves_its_summary_and_every_transcript(correct: Outcome) -> None:
    text = correct.results_path.read_text(encoding="utf-8")
    assert text.startswith("# Evaluation results")
    assert "not from a real model" in text
    for task in correct.tasks:
        passes = sum(r.passed for r in correct.results[task.id])
        assert passes == 2
        assert f"| {task.id} | {task.business} | {task.language} | {passes}/2 |" in text
    files = sorted(p.name for p in correct.transcripts.iterdir())
    assert len(files) == 2 * len(correct.tasks) + 1 and "summary.json" in files
    trial = json.loads((correct.transcripts / "clinic-two-services.trial-1.json").read_text(encoding="utf-8"))
    assert trial["passed"] and len(trial["turns"]) == 4
    assert [c["name"] for t in trial["turns"] for c in t["tool_calls"]].count("book_appointment") == 2
    assert trial["model_calls"] > 0 and trial["prompt_tokens"] > 0
    assert {a["service"] for a in trial["end_state"]["appointments"]} == {"Limpieza dental", "Empaste"}
    # A task scored on what was sent keeps it in its transcript: the local Gupshup server's payloads.
    sent = json.loads((correct.transcripts / "clinic-sent-book-es.trial-1.json").read_text(encoding="utf-8"))
    assert sent["passed"] and sent["sent"][0]["type"] == "list" and sent["sent"][-1]["type"] == "text"


def test_an_llm_customer_plays_the_task_through_the_model_client(postgres_url: str, tmp_path: Path) -> None:
    """The LLM customer's path (roles flipped, τ-bench's stop word) with a model server that
    answers with the task's script: the same trial as the scripted customer's, and it passes."""
    task = next(t for t in load_tasks("clinic-voice-note"))
    seen: list[list[dict[str, Any]]] = []
    checks: list[list[dict[str, Any]]] = []

    def customer(body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        if messages == [{"role": "user", "content": PING}]:  # the run's endpoint check, before the first task
            checks.append(messages)
            return text_message("OK")
        seen.append(messages)
        said = sum(1 for m in messages if m["role"] == "assistant")
        return text_message(task.user.script[said] if said < len(task.user.script) else STOP)

    with FakeOpenAI(responder=CORRECT) as assistant, FakeOpenAI(responder=customer) as user:
        models = Models(
            ModelConfig(f"{assistant.url}/v1", "k", "gpt-4.1-mini"), ModelConfig(f"{user.url}/v1", "k", "customer")
        )
        outcome = run_eval(
            tasks=[task],
            k=1,
            parallel=1,
            models=models,
            database_url=postgres_url,
            results_path=tmp_path / "results.md",
            runs=tmp_path / "runs",
        )
    trial = outcome.results[task.id][0]
    assert trial.passed, trial.reasons
    assert len(checks) == 1
    assert trial.turns[0].customer.startswith("[Nota de voz] Hola buenas")  # a voice note's transcript
    assert len(seen) == len(task.user.script) + 1  # the last answer was the stop word
    assert task.user.instruction in seen[0][0]["content"] and seen[0][1]["role"] == "user"
    assert seen[-1][-1] == {"role": "user", "content": trial.turns[-1].assistant}
    assert trial.user_model_calls == len(seen) and trial.cost_usd is not None and trial.cost_usd > 0
    assert "$" in outcome.summary
