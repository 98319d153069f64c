"""What the e2e tests share: the running pipeline and its local third-party servers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI
from devstack.stack import LocalStack


@dataclass
class Pipeline:
    stack: LocalStack
    gupshup: FakeGupshup
    model: FakeOpenAI
    gemini: FakeGemini

    @staticmethod
    def new_customer() -> str:
        return f"346{uuid.uuid4().int % 10**8:08d}"
