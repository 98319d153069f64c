"""A task: one data file in eval/tasks/ (YAML), read into these models.

    id, title, business (the Gupshup app name of a seeded business), language, now, tags
    customer:  name; `known` when their contact already exists (they have appointments)
    initial:   rows seeded before the conversation (other customers, appointments, time off)
    user:      persona and hidden instruction (the LLM customer), `script` (the scripted customer
               only: its lines, in order), `voice_note` (the first message arrives as a transcript)
    goal:      the end state as a diff of the initial CRM rows (appointments added / changed,
               escalations opened, the waiting list's entries left waiting), what the assistant
               must (never) say, and, optionally, the only tools it may call (`allowed_tools: []`:
               none at all) and what the code's own parts of the SENT messages must be written in
               (`sent`: the customer's locale for the AI disclosure, the list rows' weekdays and
               the list's labels, scored on what the local Gupshup server received; eval/sent.py)

Wall times are the business's local time, "YYYY-MM-DD HH:MM". In a goal a field may be "*" (any),
a list (any of them), or, for `start`, a date alone (any time that day).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

TASKS_DIR = Path(__file__).with_name("tasks")
ME = "me"  # the alias of the task's own customer

Pattern = str | list[str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Model):
    name: str
    phone: str | None = None  # default: one per business (each trial has its own database)
    known: bool = False  # their contact exists before the conversation


class OtherContact(_Model):
    alias: str
    name: str
    phone: str


class InitialAppointment(_Model):
    ref: str | None = None
    customer: str = ME
    service: str
    member: str
    start: str
    status: Literal["pending", "confirmed", "cancelled", "completed"] = "pending"


class TimeOff(_Model):
    member: str
    start: str
    end: str
    reason: str = "agenda completa"


class Initial(_Model):
    contacts: list[OtherContact] = Field(default_factory=list)
    appointments: list[InitialAppointment] = Field(default_factory=list)
    time_off: list[TimeOff] = Field(default_factory=list)


class User(_Model):
    persona: str
    instruction: str
    script: list[str] = Field(default_factory=list)
    voice_note: bool = False


class ExpectedAppointment(_Model):
    customer: str = ME
    service: Pattern
    member: Pattern = "*"
    start: Pattern
    # A new booking is pending; one the customer also confirmed in the conversation is as good.
    status: Pattern = Field(default_factory=lambda: ["pending", "confirmed"])


class Change(_Model):
    ref: str
    service: Pattern | None = None
    member: Pattern | None = None
    start: Pattern | None = None
    status: Pattern | None = None


class ExpectedWaitlist(_Model):
    """A waiting entry the conversation leaves (docs/waitlist.md); member "" is anyone."""

    customer: str = ME
    service: Pattern
    first_day: Pattern = "*"
    last_day: Pattern = "*"
    day_part: Pattern = "*"
    member: Pattern = "*"


class SentGoal(_Model):
    """The code's fixed parts of what was sent, in the customer's `locale` (not the model's words)."""

    locale: Literal["es", "es_PE", "en", "pt_BR", "ca"]
    disclosure: bool = True  # the first message starts with the AI disclosure sentence in `locale`
    # Slots or appointments were offered as a list or buttons: every row naming a day names it in
    # `locale` (Babel's weekday names), and the list's own labels are not another language's.
    choices: bool = False


class Goal(_Model):
    add: list[ExpectedAppointment] = Field(default_factory=list)
    # The waiting list's entries still waiting at the end (none by default: an assistant that puts
    # a customer on the list when the task does not want it fails).
    waitlist: list[ExpectedWaitlist] = Field(default_factory=list)
    change: list[Change] = Field(default_factory=list)
    escalations: int = 0  # escalations the conversation opens for the customer
    say: list[Pattern] = Field(default_factory=list)  # each: a phrase, or a list of alternatives
    never_say: list[str] = Field(default_factory=list)
    # The only tools the assistant may call in the whole conversation: None, any; [], none (a
    # question the business does not answer needs no tool); ["escalate_to_human"], only that.
    allowed_tools: list[str] | None = None
    sent: SentGoal | None = None


class Task(_Model):
    id: str
    title: str
    business: Literal["ClinicaSonrisa", "SalonLima"]
    language: Literal["es", "en", "pt_BR"]  # the customer's
    now: datetime
    tags: list[str]
    customer: Customer
    initial: Initial = Field(default_factory=Initial)
    user: User
    goal: Goal
    max_turns: int = 10  # customer messages, at most

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("now must carry its UTC offset")
        return value

    @property
    def phone(self) -> str:
        if self.customer.phone:
            return self.customer.phone
        return "34600000001" if self.business == "ClinicaSonrisa" else "51900000001"

    @property
    def no_change(self) -> bool:
        return not (self.goal.add or self.goal.change or self.goal.escalations or self.goal.waitlist)


def load_task(path: Path) -> Task:
    task = Task.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    if task.id != path.stem:
        raise ValueError(f"{path.name}: id {task.id!r} must match the file name")
    refs = {a.ref for a in task.initial.appointments if a.ref}
    for change in task.goal.change:
        if change.ref not in refs:
            raise ValueError(f"{task.id}: goal changes unknown appointment {change.ref!r}")
    return task


def load_tasks(pattern: str | None = None, directory: Path = TASKS_DIR) -> list[Task]:
    """Every task, sorted by id; `pattern` keeps those whose id or tags contain one of its
    comma-separated words."""
    tasks = [load_task(p) for p in sorted(directory.glob("*.yaml"))]
    if not pattern:
        return tasks
    words = [w.strip() for w in pattern.split(",") if w.strip()]
    return [t for t in tasks if any(w in t.id or w in t.tags for w in words)]
