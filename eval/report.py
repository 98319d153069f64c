"""What a run leaves: every trial's transcript (eval/runs/<timestamp>/, git-ignored) and the
summary table (eval/results.md by default)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from eval.harness import TrialResult
from eval.scoring import overall_pass_hat_k, pass_hat_k
from eval.task import Task

RUNS = Path(__file__).with_name("runs")
RESULTS = Path(__file__).with_name("results.md")


@dataclass(frozen=True)
class RunInfo:
    assistant_model: str
    user_model: str
    k: int
    parallel: int
    note: str = ""  # said at the top of results.md (e.g. "scripted: not a real model's numbers")
    started: datetime | None = None
    seconds: float = 0.0


def write_transcripts(results: dict[str, list[TrialResult]], info: RunInfo, runs: Path = RUNS) -> Path:
    stamp = (info.started or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    directory = runs / stamp
    directory.mkdir(parents=True, exist_ok=True)
    for task_id, trials in results.items():
        for r in trials:
            path = directory / f"{task_id}.trial-{r.trial}.json"
            path.write_text(json.dumps(r.as_json(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    summary = {
        "assistant_model": info.assistant_model,
        "user_model": info.user_model,
        "k": info.k,
        "passed": {task_id: [r.passed for r in trials if not r.errored] for task_id, trials in results.items()},
        "errored": {task_id: [r.trial for r in trials if r.errored] for task_id, trials in results.items()},
    }
    (directory / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return directory


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:.4f}"


def _rate(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summary_markdown(tasks: list[Task], results: dict[str, list[TrialResult]], info: RunInfo) -> str:
    """The summary of the scored trials; an errored trial (it did not run to its end) is listed
    apart and left out of pass^k, so an outage never reads as the model's score."""
    k = info.k
    scored = {t.id: [r for r in results[t.id] if not r.errored] for t in tasks}
    errored = [r for t in tasks for r in results[t.id] if r.errored]
    passed = {t.id: [r.passed for r in scored[t.id]] for t in tasks}
    lines = ["# Evaluation results", ""]
    if info.note:
        lines += [f"> {info.note}", ""]
    when = f"{info.started:%Y-%m-%d %H:%M} UTC" if info.started else "-"
    lines += [
        f"Assistant model `{info.assistant_model}`, simulated customer `{info.user_model}`; {len(tasks)} tasks,"
        f" {k} trial(s) each, {info.parallel} in parallel; run {when}, {info.seconds:.0f} s."
        ' How to run and read it: README, "Evaluation".',
        "",
    ]
    if errored:
        total = sum(len(results[t.id]) for t in tasks)
        lines += [
            f"**{len(errored)} of {total} trials errored** (a model endpoint failed, or the agent raised): not"
            ' scored, not in pass^k (see "Errored trials"); a task has a pass^i only with i scored trials (else "-").',
            "",
        ]
    lines += [
        "| | " + " | ".join(f"pass^{i}" for i in range(1, k + 1)) + " |",
        "|---|" + "---:|" * k,
        "| **all tasks** | " + " | ".join(_rate(overall_pass_hat_k(passed, i), 3) for i in range(1, k + 1)) + " |",
    ]
    groups: list[str] = sorted({t.business for t in tasks}) + sorted({t.language for t in tasks})
    groups += sorted({tag for t in tasks for tag in t.tags})
    for tag in groups:
        subset = {t.id: passed[t.id] for t in tasks if tag in (t.business, t.language, *t.tags)}
        lines.append(
            f"| {tag} ({len(subset)}) | "
            + " | ".join(_rate(overall_pass_hat_k(subset, i), 3) for i in range(1, k + 1))
            + " |"
        )
    all_trials = [r for t in tasks for r in scored[t.id]]
    costs = [r.cost_usd for t in tasks for r in results[t.id]]  # what the run cost, errored trials too
    total_cost = None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)
    lines += [
        "",
        f"Per scored trial on average: {_mean([len(r.turns) for r in all_trials]):.1f} customer turns,"
        f" {_mean([r.model_calls for r in all_trials]):.1f} assistant model calls,"
        f" {_mean([r.prompt_tokens for r in all_trials]):.0f} prompt"
        f" + {_mean([r.completion_tokens for r in all_trials]):.0f} completion tokens"
        f" ({_mean([r.cached_tokens for r in all_trials]):.0f} of them cached); assistant cost of the whole run"
        f" {_money(total_cost)}. The simulated customer: {sum(r.user_model_calls for r in all_trials)} model calls,"
        f" {sum(r.user_prompt_tokens + r.user_completion_tokens for r in all_trials)} tokens (not in the cost).",
        "",
        "## Per task",
        "",
        "| task | business | lang | passed | "
        + " | ".join(f"pass^{i}" for i in range(1, k + 1))
        + " | turns | model calls | tokens in / out | cost / trial | errored | why a trial failed |",
        "|---|---|---|---:|" + "---:|" * k + "---:|---:|---:|---:|---:|---|",
    ]
    for t in tasks:
        rs = scored[t.id]
        c = sum(r.passed for r in rs)
        cost = [r.cost_usd for r in rs]
        per_trial = None if any(x is None for x in cost) else _mean([x or 0.0 for x in cost])
        why = next((r.reasons[0] for r in rs if not r.passed and r.reasons), "")
        why = why.replace("|", "/")[:140]
        lines.append(
            f"| {t.id} | {t.business} | {t.language} | {c}/{len(rs)} | "
            + " | ".join(_rate(pass_hat_k(c, len(rs), i) if i <= len(rs) else None, 2) for i in range(1, k + 1))
            + f" | {_mean([len(r.turns) for r in rs]):.1f} | {_mean([r.model_calls for r in rs]):.1f}"
            f" | {_mean([r.prompt_tokens for r in rs]):.0f} / {_mean([r.completion_tokens for r in rs]):.0f}"
            f" | {_money(per_trial)} | {len(results[t.id]) - len(rs)} | {why} |"
        )
    if errored:
        lines += ["", "## Errored trials", "", "| task | trial | error |", "|---|---:|---|"]
        lines += [f"| {r.task_id} | {r.trial} | {(r.error or '').replace('|', '/')[:200]} |" for r in errored]
    return "\n".join(lines) + "\n"


def write_results(text: str, path: Path = RESULTS) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
