"""The evaluation never sends a key to the wrong host and never passes off an outage as a score
(issue 24, point 14): the assistant's key stands in for the customer's only on the assistant's
own host; an endpoint that does not answer stops the run before the first task, naming its host
and never a key, and leaves the summary alone; a trial that errored midway (the model server
failing for it) is reported apart and kept out of pass^k; a run whose every trial errored does not
overwrite the summary and exits non-zero."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from devstack.fakes.openai import FakeOpenAI, text_message
from eval.__main__ import main
from eval.endpoints import PING, EvalRefused
from eval.harness import ModelConfig
from eval.policies import CORRECT
from eval.run import Models, models_from_env, run_eval
from eval.task import load_tasks
from eval.user import STOP

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
KEY = "sk-assistant-0123456789-secret"
PREVIOUS = "# Evaluation results\n\nthe previous run's summary\n"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], tmp_path: Path, postgres_url: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EVAL_USER_"))}
    return subprocess.run(
        [sys.executable, "-m", "eval", "--k", "1", "--tasks", "clinic-faq-price", "--parallel", "1",
         "--database-url", postgres_url, "--results", str(tmp_path / "results.md"), "--runs", str(tmp_path / "runs")],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_assistants_key_is_never_sent_to_another_host(postgres_url: str, tmp_path: Path) -> None:
    (tmp_path / "results.md").write_text(PREVIOUS)
    with FakeOpenAI(responder=CORRECT) as assistant, FakeOpenAI(responder=CORRECT) as other:
        done = _cli(
            {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"{assistant.url}/v1", "EVAL_USER_BASE_URL": f"{other.url}/v1"},
            tmp_path,
            postgres_url,
        )
        assert other.requests == [] and assistant.requests == []  # refused before sending anything
    assert done.returncode == 2, done.stdout + done.stderr
    assert "EVAL_USER_API_KEY" in done.stderr and other.url in done.stderr
    assert KEY not in done.stdout + done.stderr
    assert (tmp_path / "results.md").read_text() == PREVIOUS and not (tmp_path / "runs").exists()


def test_the_assistants_key_stands_in_for_the_customers_on_its_own_host_only() -> None:
    same = models_from_env(
        {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "https://api.openai.com/v1", "EVAL_USER_BASE_URL": "https://api.openai.com:443/v1/"}
    )  # fmt: skip
    assert same.user is not None and same.user.api_key == KEY
    defaulted = models_from_env({"OPENAI_API_KEY": KEY})
    assert defaulted.user is not None and defaulted.user.api_key == KEY
    own = models_from_env(
        {"OPENAI_API_KEY": KEY, "EVAL_USER_BASE_URL": "https://openrouter.ai/api/v1", "EVAL_USER_API_KEY": "sk-or-1"}
    )
    assert own.user is not None and own.user.api_key == "sk-or-1"
    for elsewhere in ("https://openrouter.ai/api/v1", "http://api.openai.com/v1", "https://api.openai.com:8443/v1"):
        with pytest.raises(EvalRefused) as refused:
            models_from_env({"OPENAI_API_KEY": KEY, "EVAL_USER_BASE_URL": elsewhere})
        assert "EVAL_USER_API_KEY" in str(refused.value) and KEY not in str(refused.value)


def test_an_unreachable_model_stops_the_run_before_the_first_task(postgres_url: str, tmp_path: Path) -> None:
    """Both base URLs at a closed local port (the run that used to end 0 with pass^k = 0.000)."""
    (tmp_path / "results.md").write_text(PREVIOUS)
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    done = _cli({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "EVAL_USER_BASE_URL": url}, tmp_path, postgres_url)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"the assistant's model endpoint {url.removesuffix('/v1')} (model gpt-4.1-mini)" in done.stderr
    assert "cannot connect" in done.stderr and KEY not in done.stdout + done.stderr
    assert (tmp_path / "results.md").read_text() == PREVIOUS and not (tmp_path / "runs").exists()


def test_the_customers_unreachable_endpoint_is_named(postgres_url: str, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    with FakeOpenAI(responder=CORRECT) as assistant:
        models = Models(
            ModelConfig(f"{assistant.url}/v1", KEY, "gpt-4.1-mini"), ModelConfig(url, "sk-user", "customer")
        )
        with pytest.raises(EvalRefused) as refused:
            run_eval(
                tasks=load_tasks("clinic-faq-price"),
                k=1,
                models=models,
                database_url=postgres_url,
                results_path=tmp_path / "results.md",
                runs=tmp_path / "runs",
            )
        assert [r.json()["messages"] for r in assistant.completions()] == [[{"role": "user", "content": PING}]]
    message = str(refused.value)
    assert f"the simulated customer's model endpoint {url.removesuffix('/v1')} (model customer)" in message
    assert KEY not in message and "sk-user" not in message
    assert not (tmp_path / "results.md").exists() and not (tmp_path / "runs").exists()


class Outage:
    """The assistant's model server fails every request of the second trial from its second turn
    on (a trial's first request is the one with a single customer message and no reply yet), and
    answers again from the next trial on. Trials run one at a time, in task order."""

    def __init__(self) -> None:
        self.trial = 0
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        roles = [m["role"] for m in body["messages"]]
        with self.lock:
            if roles.count("user") == 1 and "assistant" not in roles and "tools" in body:
                self.trial += 1
            if self.trial == 2 and roles.count("user") >= 2:
                raise RuntimeError("the model server is down")  # FakeServer: HTTP 500
        return CORRECT(body)


def test_trials_that_error_midway_are_reported_apart_and_not_scored(postgres_url: str, tmp_path: Path) -> None:
    tasks = load_tasks("clinic-book-tomorrow,clinic-faq-price")
    assert [t.id for t in tasks] == ["clinic-book-tomorrow", "clinic-faq-price"]
    with FakeOpenAI(responder=Outage()) as assistant:
        outcome = run_eval(
            tasks=tasks,
            k=2,
            parallel=1,
            models=Models(ModelConfig(f"{assistant.url}/v1", KEY, "gpt-4.1-mini"), None),  # the scripted customer
            database_url=postgres_url,
            results_path=tmp_path / "results.md",
            runs=tmp_path / "runs",
        )
    booking = outcome.results["clinic-book-tomorrow"]
    assert [r.errored for r in booking] == [False, True] and booking[0].passed
    assert booking[1].error and "500" in booking[1].error and len(booking[1].turns) == 1  # it got through turn 1
    assert all(r.passed and not r.errored for r in outcome.results["clinic-faq-price"])
    assert len(outcome.errored) == 1 and outcome.trials == 4
    summary = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert summary == outcome.summary
    assert "**1 of 4 trials errored**" in summary
    assert "| **all tasks** | 1.000 | 1.000 |" in summary  # the errored trial is no failure...
    assert "| clinic-book-tomorrow | ClinicaSonrisa | es | 1/1 | 1.00 | - |" in summary  # ...and no score
    assert "| clinic-faq-price | ClinicaSonrisa | es | 2/2 | 1.00 | 1.00 |" in summary
    assert (
        "## Errored trials" in summary and "| clinic-book-tomorrow | 2 | OpenAIAPIError: Error code: 500 |" in summary
    )
    assert KEY not in summary


def test_a_run_whose_every_trial_errored_leaves_the_summary_as_it_was(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make eval` on a server that answers the check, then fails every agent request."""
    task = load_tasks("clinic-faq-price")[0]

    def model(body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        if messages == [{"role": "user", "content": PING}]:
            return text_message("OK")
        if "You are a customer" in str(messages[0]["content"]):  # the simulated customer, same host and key
            said = sum(1 for m in messages if m["role"] == "assistant")
            return text_message(task.user.script[said] if said < len(task.user.script) else STOP)
        raise RuntimeError("the model server is down")

    (tmp_path / "results.md").write_text(PREVIOUS)
    with FakeOpenAI(responder=model) as server:
        for name in [n for n in os.environ if n.startswith(("OPENAI_", "EVAL_USER_"))]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
        code = main(
            ["--k", "1", "--tasks", task.id, "--database-url", postgres_url,
             "--results", str(tmp_path / "results.md"), "--runs", str(tmp_path / "runs")]
        )  # fmt: skip
    out = capsys.readouterr()
    assert code == 1
    assert "all 1 trials errored" in out.err and "was left as it was" in out.err
    assert (tmp_path / "results.md").read_text() == PREVIOUS
    assert list((tmp_path / "runs").rglob("*.trial-1.json"))  # the transcript says what failed
    assert KEY not in out.out + out.err
