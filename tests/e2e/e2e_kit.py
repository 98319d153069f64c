"""What the e2e tests share: the running pipeline and its local third-party servers."""

from __future__ import annotations

from dataclasses import dataclass

from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.langfuse import FakeLangfuse
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import new_customer
from devstack.stack import LocalStack


@dataclass
class Pipeline:
    stack: LocalStack
    gupshup: FakeGupshup
    model: FakeOpenAI
    gemini: FakeGemini
    langfuse: FakeLangfuse | None = None  # the stack traces its turns there

    @staticmethod
    def new_customer() -> str:
        return new_customer()

    def bound(self, retries: int = 1) -> float:
        """How long a customer's message may take to be answered here (one retry included), from
        the stack's own timings: what the tests wait with."""
        return self.stack.bound("WebhookFunction", "ProcessorFunction", "NotifierFunction", retries=retries)
