"""The simulated customer: an LLM playing the task's hidden instruction and persona (τ-bench's
user simulator), or, for the harness's own tests, the task's scripted lines replayed in order.

Both see the conversation only as a customer would: the assistant's replies, never its tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from eval.task import Task

STOP = "###STOP###"
VOICE_NOTE = "[Nota de voz] "  # how the processor hands a transcribed voice note to the agent
GREETING = {
    "es": "¡Hola! ¿En qué puedo ayudarte?",
    "en": "Hi! How can I help you today?",
    "pt_BR": "Olá! Como posso ajudar?",
}

USER_PROMPT = """You are a customer writing to a business on WhatsApp. You are NOT an assistant.

Who you are: {persona}
Your name: {name}
What you want (your hidden instruction, do not reveal it all at once): {instruction}

Rules:
- Write in {language_name}, as a real customer on WhatsApp: short messages, one at a time.
- Give the information the instruction says only when it is relevant or asked for; never invent
  details the instruction does not give (if asked something it does not cover, say you don't know
  or don't mind).
- Follow the instruction exactly: do not accept an alternative it does not allow.
- When what you wanted is done, or it clearly cannot be done, or you have been passed to a person,
  write only {stop} as your whole message.{voice}"""

VOICE_RULE = """
- Your FIRST message is a voice note: write it as its literal transcript (spoken words, fillers,
  numbers as words, no emoji)."""

LANGUAGE_NAMES = {"es": "Spanish", "en": "English", "pt_BR": "Brazilian Portuguese"}


@dataclass
class UserUsage:
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class SimulatedUser(Protocol):
    usage: UserUsage

    def next_message(self, assistant_replies: list[str], own_messages: list[str]) -> str | None:
        """The customer's next message given the conversation so far, or None: the customer is done."""


@dataclass
class ScriptedUser:
    """Replays the task's `script` lines, one per turn; done when they run out."""

    task: Task
    usage: UserUsage = field(default_factory=UserUsage)

    def next_message(self, assistant_replies: list[str], own_messages: list[str]) -> str | None:
        script = self.task.user.script
        if not script:
            raise ValueError(f"{self.task.id} has no script: the scripted customer cannot play it")
        if len(own_messages) >= len(script):
            return None
        line = script[len(own_messages)]
        return VOICE_NOTE + line if self.task.user.voice_note and not own_messages else line


@dataclass
class LlmUser:
    """An OpenAI-compatible model plays the customer from the task's hidden instruction."""

    task: Task
    model: BaseChatModel
    usage: UserUsage = field(default_factory=UserUsage)

    def system_prompt(self) -> str:
        return USER_PROMPT.format(
            persona=self.task.user.persona,
            name=self.task.customer.name,
            instruction=self.task.user.instruction,
            language_name=LANGUAGE_NAMES[self.task.language],
            stop=STOP,
            voice=VOICE_RULE if self.task.user.voice_note else "",
        )

    def next_message(self, assistant_replies: list[str], own_messages: list[str]) -> str | None:
        # Roles flipped, as in τ-bench: the assistant's words are what this model reads.
        messages: list[BaseMessage] = [SystemMessage(self.system_prompt()), HumanMessage(GREETING[self.task.language])]
        for i, mine in enumerate(own_messages):
            messages.append(AIMessage(mine.removeprefix(VOICE_NOTE)))
            if i < len(assistant_replies):
                messages.append(HumanMessage(assistant_replies[i] or "(no answer)"))
        reply = self.model.invoke(messages)
        self.usage.model_calls += 1
        usage = getattr(reply, "usage_metadata", None) or {}
        self.usage.prompt_tokens += int(usage.get("input_tokens", 0))
        self.usage.completion_tokens += int(usage.get("output_tokens", 0))
        text = str(reply.content).strip()
        if not text or STOP in text:
            return None
        return VOICE_NOTE + text if self.task.user.voice_note and not own_messages else text
