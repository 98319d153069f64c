"""The chat model: any OpenAI-compatible endpoint (OpenAI, OpenRouter, Ollama, vLLM...)."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_openai import ChatOpenAI
from pydantic import SecretStr

DEFAULT_MODEL = "gpt-4.1-mini"


@dataclass(frozen=True)
class ModelSettings:
    base_url: str
    api_key: str
    model: str = DEFAULT_MODEL
    timeout_seconds: float = 25.0
    # The graph retries within the turn's deadline (graph.call_model); the SQS retry is the outer loop.
    max_retries: int = 0
    temperature: float = 0.2
    # Every call's output is bounded: a WhatsApp answer needs far less (the notifier sends at
    # most 3 messages of a reply), and a customer must not be able to make the model write
    # without limit (cost).
    max_tokens: int = 700

    def __repr__(self) -> str:
        return f"ModelSettings(base_url={self.base_url!r}, model={self.model!r}, api_key=***)"


def chat_model(settings: ModelSettings) -> ChatOpenAI:
    return ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        api_key=SecretStr(settings.api_key),
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
        temperature=settings.temperature,
        max_completion_tokens=settings.max_tokens,
    )
