"""One evaluation run, as `make eval` and the harness's tests start it: a PostgreSQL server (the
one given, or an embedded one for the run), the models (real ones from the environment, or a
scripted policy behind a local OpenAI-protocol server), the trials, the transcripts and the
summary."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devstack.fakes.openai import FakeOpenAI
from eval.database import TrialDatabases
from eval.endpoints import EvalRefused, check, host, same_host
from eval.harness import USER_TEMPERATURE, Harness, ModelConfig, TrialResult, UserFactory, llm_users, scripted_users
from eval.policies import POLICIES
from eval.report import RESULTS, RUNS, RunInfo, summary_markdown, write_results, write_transcripts
from eval.task import Task, load_tasks
from receptionist.agent.model import DEFAULT_MODEL, ModelSettings

SCRIPTED_NOTE = (
    "These numbers come from the scripted pair (a rule-based customer replaying each task's script"
    " and the rule-based `{policy}` receptionist policy behind a local OpenAI-protocol server), not"
    " from a real model: they show the harness works, not how good any model is."
)


@dataclass(frozen=True)
class Models:
    assistant: ModelConfig
    user: ModelConfig | None  # None: the scripted customer


def models_from_env(env: Mapping[str, str], model: str | None = None, user_model: str | None = None) -> Models:
    """OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL as the processor reads them, and
    EVAL_USER_BASE_URL / EVAL_USER_API_KEY / EVAL_USER_MODEL for the customer (default: the same).
    The assistant's key stands in for the customer's only on the assistant's own host: raises
    EvalRefused when EVAL_USER_BASE_URL names another host and EVAL_USER_API_KEY is unset."""
    assistant = ModelConfig(
        base_url=env.get("OPENAI_BASE_URL") or "https://api.openai.com/v1",
        api_key=env.get("OPENAI_API_KEY", ""),
        model=model or env.get("OPENAI_MODEL") or DEFAULT_MODEL,
    )
    user_url = env.get("EVAL_USER_BASE_URL") or assistant.base_url
    user_key = env.get("EVAL_USER_API_KEY")
    if not user_key and not same_host(user_url, assistant.base_url):
        raise EvalRefused(
            f"EVAL_USER_BASE_URL is {host(user_url)}, not the assistant's host {host(assistant.base_url)}:"
            f" set EVAL_USER_API_KEY for it (OPENAI_API_KEY is sent only to {host(assistant.base_url)})."
        )
    user = ModelConfig(
        base_url=user_url,
        api_key=user_key or assistant.api_key,
        model=user_model or env.get("EVAL_USER_MODEL") or assistant.model,
    )
    return Models(assistant, user)


def check_endpoints(models: Models) -> None:
    """Each endpoint the run will call answers, the assistant's first (raises EvalRefused at the
    first that does not); an endpoint, key and model already checked is not asked twice."""
    check(models.assistant, "assistant", ModelSettings.temperature)
    user = models.user
    if user is not None and (user.base_url, user.api_key, user.model) != (
        models.assistant.base_url,
        models.assistant.api_key,
        models.assistant.model,
    ):
        check(user, "simulated customer", USER_TEMPERATURE)


@contextmanager
def postgres_server(url: str | None) -> Iterator[str]:
    """The given server (its owner's URL), or an embedded one for this run only."""
    if url:
        yield url
        return
    from devstack.postgres import LocalPostgres

    with tempfile.TemporaryDirectory(prefix="eval-pg-") as tmp:
        server = LocalPostgres(Path(tmp) / "data")
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@dataclass(frozen=True)
class Outcome:
    tasks: list[Task]
    results: dict[str, list[TrialResult]]  # every trial, errored ones too
    transcripts: Path
    summary: str  # "" when every trial errored
    results_path: Path | None  # None: every trial errored, the summary was not written

    @property
    def errored(self) -> list[TrialResult]:
        """Trials that did not run to their end (the model or the customer's model failed): not
        scored, apart from failures."""
        return [r for rs in self.results.values() for r in rs if r.errored]

    @property
    def trials(self) -> int:
        return sum(len(rs) for rs in self.results.values())


def run_eval(
    *,
    tasks: list[Task] | None = None,
    task_filter: str | None = None,
    k: int = 4,
    parallel: int = 4,
    models: Models | None = None,
    scripted_policy: str | None = None,
    database_url: str | None = None,
    results_path: Path = RESULTS,
    runs: Path = RUNS,
) -> Outcome:
    """Real models when `models` is given (each endpoint checked first: EvalRefused), else the
    scripted pair with `scripted_policy` (only the tasks that have a script). Errored trials are
    kept out of pass^k; when every trial errored, `results_path` is left as it was."""
    chosen = tasks if tasks is not None else load_tasks(task_filter)
    started = datetime.now(UTC)
    clock = time.monotonic()
    with ExitStack() as stack:
        if models is None:
            policy = POLICIES[scripted_policy or "correct"]
            fake = stack.enter_context(FakeOpenAI(responder=policy))
            assistant = ModelConfig(base_url=f"{fake.url}/v1", api_key="scripted", model=f"scripted-{policy.name}")
            skipped = [t.id for t in chosen if not t.user.script]
            chosen = [t for t in chosen if t.user.script]
            users: UserFactory = scripted_users
            user_name = "scripted customer"
            note = SCRIPTED_NOTE.format(policy=policy.name)
            if skipped:
                note += f" Left out (no script: for an LLM customer only): {', '.join(skipped)}."
        else:
            check_endpoints(models)
            assistant = models.assistant
            users = llm_users(models.user) if models.user else scripted_users
            user_name = models.user.model if models.user else "scripted customer"
            note = ""
        if not chosen:  # the scripted pair plays only the tasks that have a script
            raise EvalRefused(f"no task to run: --tasks {task_filter!r} matches none the chosen customer can play")
        server = stack.enter_context(postgres_server(database_url))
        databases = TrialDatabases(server)
        stack.callback(databases.close)
        redact = (models.user.api_key,) if models and models.user else ()
        results = Harness(databases, assistant, users, redact).run(chosen, k=k, parallel=parallel)
    info = RunInfo(assistant.model, user_name, k, parallel, note, started, time.monotonic() - clock)
    transcripts = write_transcripts(results, info, runs)
    if all(r.errored for rs in results.values() for r in rs):  # nothing was scored: no summary to replace
        return Outcome(chosen, results, transcripts, "", None)
    summary = summary_markdown(chosen, results, info)
    path = write_results(summary, results_path)
    return Outcome(chosen, results, transcripts, summary, path)


def environment() -> Mapping[str, str]:
    return os.environ
