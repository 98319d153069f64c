"""Scoring, as τ-bench does it: a trial passes only when the CRM ends in the task's goal state
(whatever tools got it there, unless the goal names the only tools allowed) and the assistant
conveyed the required information; pass^k per task is C(c, k) / C(n, k) for c passes in n
trials, and overall the mean over tasks."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import comb
from typing import Any, TypeVar

from eval.database import AppointmentRow, EndState, WaitlistRow, initial_rows
from eval.task import ME, ExpectedWaitlist, Pattern, SentGoal, Task
from receptionist import folding, model_prices

E = TypeVar("E")
A = TypeVar("A")


# -- the goal state --------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpectedRow:
    customer: Pattern
    service: Pattern
    member: Pattern
    start: Pattern
    status: Pattern


def expected_rows(task: Task) -> list[ExpectedRow]:
    """The initial appointments with the goal's changes applied, plus the goal's additions."""
    rows: dict[str | None, ExpectedRow] = {
        key: ExpectedRow(r.customer, r.service, r.member, r.start, r.status) for key, r in initial_rows(task).items()
    }
    for change in task.goal.change:
        before = rows[change.ref]
        rows[change.ref] = ExpectedRow(
            before.customer,
            change.service if change.service is not None else before.service,
            change.member if change.member is not None else before.member,
            change.start if change.start is not None else before.start,
            change.status if change.status is not None else before.status,
        )
    added = [ExpectedRow(a.customer, a.service, a.member, a.start, a.status) for a in task.goal.add]
    return [*rows.values(), *added]


def _matches(pattern: Pattern, value: str) -> bool:
    options = [pattern] if isinstance(pattern, str) else pattern
    for option in options:
        if option == "*" or option == value:
            return True
        if len(option) == 10 and value.startswith(option + " "):  # a date alone: any time that day
            return True
    return False


def row_matches(expected: ExpectedRow, actual: AppointmentRow) -> bool:
    return (
        _matches(expected.customer, actual.customer)
        and _matches(expected.service, actual.service)
        and _matches(expected.member, actual.member)
        and _matches(expected.start, actual.start)
        and _matches(expected.status, actual.status)
    )


def match_rows(expected: list[ExpectedRow], actual: list[AppointmentRow]) -> bool:
    """A one-to-one pairing of expected and actual rows exists (bipartite matching)."""
    return _one_to_one(expected, actual, row_matches)


def _one_to_one(expected: Sequence[E], actual: Sequence[A], matches: Callable[[E, A], bool]) -> bool:
    """A one-to-one pairing of expected and actual items exists (bipartite matching)."""
    if len(expected) != len(actual):
        return False
    owner: dict[int, int] = {}  # actual index -> expected index

    def place(e: int, seen: set[int]) -> bool:
        for a, item in enumerate(actual):
            if a in seen or not matches(expected[e], item):
                continue
            seen.add(a)
            if a not in owner or place(owner[a], seen):
                owner[a] = e
                return True
        return False

    return all(place(e, set()) for e in range(len(expected)))


# -- the waiting list --------------------------------------------------------------------------
def waitlist_matches(expected: ExpectedWaitlist, actual: WaitlistRow) -> bool:
    return (
        _matches(expected.customer, actual.customer)
        and _matches(expected.service, actual.service)
        and _matches(expected.member, actual.member)
        and _matches(expected.first_day, actual.first_day)
        and _matches(expected.last_day, actual.last_day)
        and _matches(expected.day_part, actual.day_part)
    )


def match_waitlist(task: Task, actual: list[WaitlistRow]) -> bool:
    """The entries left waiting pair one-to-one with the goal's (order of asking aside)."""
    return _one_to_one(task.goal.waitlist, actual, waitlist_matches)


# -- what the assistant said -----------------------------------------------------------------
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def fold(text: str) -> str:
    """Lower case, no accents, single spaces, typographic apostrophes (U+2019 and its kin) as
    "'", since a model writes either: how required phrases are looked for."""
    return re.sub(r"\s+", " ", folding.fold(text.translate(_APOSTROPHES)))


def missing_phrases(task: Task, replies: list[str]) -> list[str]:
    said = fold("\n".join(replies))
    missing = []
    for item in task.goal.say:
        options = [item] if isinstance(item, str) else item
        if not any(fold(o) in said for o in options):
            missing.append(" | ".join(options))
    return missing


def forbidden_phrases(task: Task, replies: list[str]) -> list[str]:
    said = fold("\n".join(replies))
    return [p for p in task.goal.never_say if fold(p) in said]


def disallowed_tools(task: Task, tools_called: Sequence[str]) -> list[str]:
    """The tools called that the goal does not allow (none when it allows any), each once, in order."""
    allowed = task.goal.allowed_tools
    if allowed is None:
        return []
    return list(dict.fromkeys(t for t in tools_called if t not in allowed))


# -- one trial ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: list[str] = field(default_factory=list)


def judge(
    task: Task,
    state: EndState,
    replies: list[str],
    tools_called: Sequence[str],
    sent: list[dict[str, Any]] | None = None,
    disclosure: str | None = None,
) -> Verdict:
    """The trial's verdict from the CRM's end state, the assistant's replies, the names of the
    tools it called, in order, and (a goal with `sent`) the payloads the local Gupshup server
    received, with the disclosure sentence expected in the customer's locale."""
    reasons: list[str] = []
    expected = expected_rows(task)
    if not match_rows(expected, state.appointments):
        got = "; ".join(f"{r.customer} {r.service} {r.member} {r.start} {r.status}" for r in state.appointments)
        reasons.append(f"appointments differ from the goal (got: {got or 'none'})")
    if not match_waitlist(task, state.waitlist):
        got = "; ".join(
            f"{w.customer} {w.service} {w.first_day}..{w.last_day} {w.day_part} {w.member or '*'}"
            for w in state.waitlist
        )
        reasons.append(f"waiting list differs from the goal (got: {got or 'none'})")
    escalated = state.escalations.get(ME, 0)
    if escalated != task.goal.escalations:
        reasons.append(f"escalations: {escalated}, goal {task.goal.escalations}")
    others = {k: v for k, v in state.escalations.items() if k != ME and v}
    if others:
        reasons.append(f"escalations for other customers: {others}")
    missing = missing_phrases(task, replies)
    if missing:
        reasons.append("not said: " + "; ".join(missing))
    forbidden = forbidden_phrases(task, replies)
    if forbidden:
        reasons.append("said what it must not: " + "; ".join(forbidden))
    extra = disallowed_tools(task, tools_called)
    if extra:
        allowed = ", ".join(task.goal.allowed_tools or []) or "none"
        reasons.append(f"called tools the goal does not allow: {', '.join(extra)} (allowed: {allowed})")
    if task.goal.sent is not None:
        reasons += [f"sent: {p}" for p in sent_problems(task.goal.sent, sent or [], disclosure)]
    return Verdict(not reasons, reasons)


# -- pass^k ------------------------------------------------------------------------------------
def pass_hat_k(successes: int, trials: int, k: int) -> float:
    """τ-bench's pass^k: the chance that k trials drawn from the n run all pass."""
    if k > trials:
        raise ValueError(f"pass^{k} needs at least {k} trials")
    return comb(successes, k) / comb(trials, k)


def overall_pass_hat_k(results: dict[str, list[bool]], k: int) -> float | None:
    """The mean of pass^k over the tasks with at least k scored trials (an errored trial is not
    scored, so a task can have fewer than the run's k); None when no task has."""
    scored = [r for r in results.values() if len(r) >= k]
    if not scored:
        return None
    return sum(pass_hat_k(sum(r), len(r), k) for r in scored) / len(scored)


# -- cost ----------------------------------------------------------------------------------------
def cost_usd(model: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float | None:
    """What the tokens cost at list prices (receptionist.model_prices); None for a model not listed."""
    return model_prices.cost_usd(model, prompt_tokens, completion_tokens, cached_tokens)


# -- what was sent (eval/sent.py): the code's fixed parts in the customer's language -------------------
# The list message's own labels as Spanish writes them: a customer of another language never gets these.
SPANISH_LIST_LABELS = ("ver opciones", "opciones")
_DAY_LOCALES = ("es", "en", "pt_BR", "ca")


def day_words(locale: str) -> set[str]:
    """The words that name a weekday in `locale` (CLDR's wide, abbreviated and short names, both
    contexts; "segunda-feira" also as "segunda"), folded, without their final dot."""
    from babel.dates import get_day_names  # only a run that scores sent messages needs Babel

    words: set[str] = set()
    for width in ("wide", "abbreviated", "short"):
        for context in ("format", "stand-alone"):
            for name in get_day_names(width, context, locale=locale).values():
                folded = fold(name).rstrip(".")
                words |= {folded, folded.split("-")[0]}
    return words


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", fold(text)))


def option_titles(payload: dict[str, Any]) -> list[str]:
    """An interactive message's buttons' or list rows' titles (none for a text)."""
    if payload.get("type") == "quick_reply":
        return [str(o.get("title", "")) for o in payload.get("options") or [] if isinstance(o, dict)]
    if payload.get("type") == "list":
        return [
            str(o.get("title", ""))
            for section in payload.get("items") or []
            if isinstance(section, dict)
            for o in section.get("options") or []
            if isinstance(o, dict)
        ]
    return []


def sent_text(payload: dict[str, Any]) -> str:
    """What the customer reads of a message: a text's text, an interactive message's body."""
    if payload.get("type") == "list":
        return str(payload.get("body", ""))
    if payload.get("type") == "quick_reply":
        content = payload.get("content")
        return str(content.get("text", "")) if isinstance(content, dict) else ""
    return str(payload.get("text", ""))


def sent_problems(goal: SentGoal, sent: list[dict[str, Any]], disclosure: str | None) -> list[str]:
    """Where the code's own parts of what was sent are not in the customer's locale: the first
    message's disclosure (`disclosure`: the sentence expected in that locale, None when the catalogue
    has none), the weekday each offered row names, and a list's own labels."""
    problems: list[str] = []
    if not sent:
        return ["nothing was sent"]
    if goal.disclosure:
        first = sent_text(sent[0])
        if disclosure is None:
            problems.append(f"no AI disclosure sentence in {goal.locale} to send")
        elif not fold(first).startswith(fold(disclosure)):
            problems.append(f"the AI disclosure is not the {goal.locale} sentence (sent: {first[:80]!r})")
    if goal.choices:
        mine = day_words(goal.locale)
        others = set().union(*(day_words(loc) for loc in _DAY_LOCALES if loc != goal.locale)) - mine
        dated = [t for p in sent for t in option_titles(p) if _tokens(t) & (mine | others)]
        if not dated:
            problems.append("no slot or appointment was offered as a list or buttons")
        wrong = [t for t in dated if not _tokens(t) & mine or _tokens(t) & others]
        if wrong:
            problems.append(f"rows name the day in another language than {goal.locale}: {'; '.join(wrong[:3])}")
        if not goal.locale.startswith("es"):
            labels = [
                fold(str(label.get("title", "")))
                for p in sent
                if p.get("type") == "list"
                for label in [*(p.get("globalButtons") or []), *(p.get("items") or [])]
                if isinstance(label, dict)
            ]
            spanish = [label for label in labels if label in SPANISH_LIST_LABELS]
            if spanish:
                problems.append(f"the list's labels are Spanish: {', '.join(spanish)}")
    return problems
