"""How much of the thread a model request carries: the earlier turns, bounded by an estimate of
their tokens (`GraphLimits.history_tokens`); what is older is in the summary.

The estimate is characters / 3.5 (`catalogue.estimated_tokens`, erring high: Spanish and English
run about 4 characters a token with OpenAI's tokenizers) plus a few tokens per message for its
role and framing. An exact count would need tiktoken, which is not in the functions' layers,
downloads its BPE files on first use (a network call in a Lambda cold path) and costs CPU on every
request; a bound only has to be safe, and a high estimate is.

Cuts fall on a customer message, so an assistant message asking for tools is never separated
from its results (OpenAI refuses such a history).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from receptionist.agent.catalogue_prompt import estimated_tokens

MESSAGE_OVERHEAD_TOKENS: Final = 4  # role and separators, per message (OpenAI's chat format: 3-4)


def message_tokens(message: BaseMessage) -> int:
    """The estimated tokens of one message as it is sent: its text, and its tool calls' names
    and arguments."""
    content = message.content if isinstance(message.content, str) else json.dumps(message.content)
    calls = ""
    if isinstance(message, AIMessage) and message.tool_calls:
        calls = json.dumps([[c["name"], c.get("args")] for c in message.tool_calls], ensure_ascii=False)
    return estimated_tokens(content + calls) + MESSAGE_OVERHEAD_TOKENS


def tokens(messages: Sequence[BaseMessage]) -> int:
    return sum(message_tokens(m) for m in messages)


def newest_within(messages: Sequence[BaseMessage], budget: int) -> int:
    """Where the newest messages that fit `budget` begin: the earliest customer message from
    which the rest fits; len(messages) when none does."""
    start, total = len(messages), 0
    for index in range(len(messages) - 1, -1, -1):
        total += message_tokens(messages[index])
        if total > budget:
            break
        if isinstance(messages[index], HumanMessage):
            start = index
    return start


def last_customer_message(messages: Sequence[BaseMessage]) -> int:
    """The index of the turn's customer message (len(messages) when there is none)."""
    return max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=len(messages))
