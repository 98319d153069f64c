"""Run tasks: each trial in its own database (the task's initial rows on the seed), a frozen
"now", the real TurnRunner (graph, tools, CRM as `receptionist_app` under row level security,
the business's catalogue in the prompt) with an in-memory LangGraph checkpointer (the thread
lives only as long as the trial; the DynamoDB saver would need AWS or moto and changes nothing
the model sees), and a simulated customer; trials run in parallel, at most `parallel` at once.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from eval.database import TrialDatabases, end_state, seed_task
from eval.scoring import Verdict, cost_usd, judge
from eval.sent import Outbox, expected_disclosure
from eval.task import Task
from eval.user import LlmUser, ScriptedUser, SimulatedUser
from receptionist.agent.catalogue_prompt import CatalogueBlocks
from receptionist.agent.context import Conversation
from receptionist.agent.memory import thread_id
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnRunner
from receptionist.crm import chats, customer_language
from receptionist.crm.connection import Database
from receptionist.crm.models import Organization
from receptionist.crm.organizations import resolve_by_app
from receptionist.i18n.detection import detect, language_update

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelConfig:
    """An OpenAI-compatible chat endpoint (OPENAI_* for the assistant, EVAL_USER_* for the customer)."""

    base_url: str
    api_key: str
    model: str
    temperature: float | None = None  # None: the processor's default (assistant), 0.7 (customer)

    def chat(self, default_temperature: float) -> BaseChatModel:
        temperature = default_temperature if self.temperature is None else self.temperature
        return chat_model(
            ModelSettings(
                base_url=self.base_url, api_key=self.api_key, model=self.model, temperature=temperature, max_retries=2
            )
        )

    def __repr__(self) -> str:
        return f"ModelConfig(base_url={self.base_url!r}, model={self.model!r}, api_key=***)"


@dataclass(frozen=True)
class Turn:
    customer: str
    assistant: str
    tool_calls: list[dict[str, Any]]
    model_calls: int
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    seconds: float


@dataclass
class TrialResult:
    task_id: str
    trial: int
    passed: bool
    reasons: list[str]
    turns: list[Turn] = field(default_factory=list)
    end_state: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    thread: list[dict[str, Any]] = field(default_factory=list)  # the agent's messages, tool results included
    # What the local Gupshup server received (a task whose goal scores what was sent; eval/sent.py)
    sent: list[dict[str, Any]] = field(default_factory=list)
    user_model_calls: int = 0
    user_prompt_tokens: int = 0
    user_completion_tokens: int = 0
    cost_usd: float | None = None
    seconds: float = 0.0

    @property
    def errored(self) -> bool:
        """The conversation did not run to its end (a model endpoint failed, or the agent raised):
        the end state says nothing about the model, so the trial is not scored."""
        return self.error is not None

    @property
    def model_calls(self) -> int:
        return sum(t.model_calls for t in self.turns)

    @property
    def prompt_tokens(self) -> int:
        return sum(t.prompt_tokens for t in self.turns)

    @property
    def completion_tokens(self) -> int:
        return sum(t.completion_tokens for t in self.turns)

    @property
    def cached_tokens(self) -> int:
        return sum(t.cached_tokens for t in self.turns)

    @property
    def tool_path(self) -> list[str]:
        return [c["name"] for t in self.turns for c in t.tool_calls]

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            model_calls=self.model_calls,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cached_tokens=self.cached_tokens,
        )
        return out


UserFactory = Callable[[Task], SimulatedUser]


def _message(message: BaseMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.type, "content": message.content}
    if isinstance(message, AIMessage) and message.tool_calls:
        out["tool_calls"] = [{"name": c["name"], "args": c["args"]} for c in message.tool_calls]
    if isinstance(message, ToolMessage):
        out["name"] = message.name
    return out


def scripted_users(task: Task) -> SimulatedUser:
    return ScriptedUser(task)


def _note_language(db: Database, org: Organization, identity: Any, text: str, now: Any) -> Any:
    """The processor's step at a turn's start (ProcessorService._customer_language): the customer's
    language detected from what they wrote, stored by i18n/detection.py's rule (never over staff's
    choice), so this turn's fixed sentences are already in it."""
    locale = language_update(identity.language, identity.language_source, detect(text))
    if locale is None:
        return identity
    with db.acting_for(org.id):
        customer_language.set_detected(db, org.id, identity.id, locale, now)
    return chats.find_identity(db, org.id, identity.customer_number) or identity


USER_TEMPERATURE = 0.7  # the simulated customer's (varied, as people are)


def llm_users(config: ModelConfig) -> UserFactory:
    def make(task: Task) -> SimulatedUser:
        return LlmUser(task, config.chat(USER_TEMPERATURE))

    return make


@dataclass
class Harness:
    databases: TrialDatabases
    assistant: ModelConfig
    users: UserFactory = scripted_users
    redact: tuple[str, ...] = ()  # the models' keys: never in a trial's error, should a server echo one

    def run_trial(self, task: Task, trial: int) -> TrialResult:
        started = time.monotonic()
        name = self.databases.create()
        owner, app = Database(self.databases.owner_url(name)), Database(self.databases.app_url(name))
        user = self.users(task)
        result = TrialResult(task.id, trial, passed=False, reasons=[])
        outbox = Outbox().start() if task.goal.sent else None
        try:
            seed_task(owner, task)
            try:
                self._converse(task, owner, app, user, result, outbox)
            except Exception as exc:  # the model or the agent failed: the trial errored, the suite goes on
                error = f"{type(exc).__name__}: {exc}"
                for secret in (self.assistant.api_key, *self.redact):
                    error = error.replace(secret, "***") if secret else error
                logger.warning("trial %s/%d errored: %s", task.id, trial, error)
                result.error = error[:500]
            state = end_state(owner, task)
            org = resolve_by_app(owner, task.business)
            expected = expected_disclosure(task.goal.sent.locale, org) if task.goal.sent and org else None
            verdict = judge(task, state, [t.assistant for t in result.turns], result.tool_path, result.sent, expected)
            if result.error:
                verdict = Verdict(False, [f"error: {result.error}", *verdict.reasons])
            result.passed, result.reasons = verdict.passed, verdict.reasons
            result.end_state = {
                "appointments": [asdict(r) for r in state.appointments],
                "escalations": state.escalations,
            }
        finally:
            if outbox is not None:
                outbox.stop()
            owner.close()
            app.close()
            self.databases.drop(name)
        result.user_model_calls = user.usage.model_calls
        result.user_prompt_tokens = user.usage.prompt_tokens
        result.user_completion_tokens = user.usage.completion_tokens
        result.cost_usd = cost_usd(
            self.assistant.model, result.prompt_tokens, result.completion_tokens, result.cached_tokens
        )
        result.seconds = round(time.monotonic() - started, 2)
        return result

    def _converse(
        self,
        task: Task,
        owner: Database,
        app: Database,
        user: SimulatedUser,
        result: TrialResult,
        outbox: Outbox | None = None,
    ) -> None:
        org = resolve_by_app(owner, task.business)
        assert org is not None, f"no business {task.business}"
        saver = InMemorySaver()
        runner = TurnRunner(self.assistant.chat(ModelSettings.temperature), saver, catalogue=CatalogueBlocks())
        try:
            self._turns(task, owner, app, user, result, org, runner, outbox)
        finally:
            config: RunnableConfig = {"configurable": {"thread_id": thread_id(org.id, task.phone)}}
            saved = saver.get_tuple(config)
            messages = saved.checkpoint["channel_values"].get("messages", []) if saved else []
            result.thread = [_message(m) for m in messages]

    def _turns(
        self,
        task: Task,
        owner: Database,
        app: Database,
        user: SimulatedUser,
        result: TrialResult,
        org: Organization,
        runner: TurnRunner,
        outbox: Outbox | None = None,
    ) -> None:
        now = task.now
        customer: list[str] = []
        replies: list[str] = []
        for _ in range(task.max_turns):
            known = chats.find_identity(owner, org.id, task.phone)
            if known is not None and not known.bot_enabled:  # handed to a person: the bot answers no more
                return
            text = user.next_message(replies, customer)
            if text is None:
                return
            identity = chats.touch_identity(owner, org.id, task.phone, task.customer.name, now)
            identity = _note_language(owner, org, identity, text, now)
            turn_id = f"eval-{uuid.uuid4().hex[:12]}"
            conv = Conversation(app, org, identity, turn_id=turn_id, now=lambda: now)
            began = time.monotonic()
            customer.append(text)
            turn = runner.run(conv, text)
            replies.append(turn.reply)
            if outbox is not None:  # sent as the processor and the notifier send it
                result.sent += outbox.send_reply(
                    app, org, task.business, identity, turn_id, turn.reply, turn.choices, now
                )
            s = turn.stats
            result.turns.append(
                Turn(
                    customer=text,
                    assistant=turn.reply,
                    tool_calls=list(s.tool_calls),
                    model_calls=s.model_calls,
                    prompt_tokens=s.prompt_tokens,
                    completion_tokens=s.completion_tokens,
                    cached_tokens=s.cached_tokens,
                    seconds=round(time.monotonic() - began, 2),
                )
            )

    def run(self, tasks: list[Task], k: int, parallel: int) -> dict[str, list[TrialResult]]:
        """k trials of every task, at most `parallel` at a time; results in task order."""
        jobs = [(task, trial) for task in tasks for trial in range(1, k + 1)]
        with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="eval") as pool:
            done = list(pool.map(lambda job: self.run_trial(*job), jobs))
        out: dict[str, list[TrialResult]] = {task.id: [] for task in tasks}
        for r in done:
            out[r.task_id].append(r)
        return out
