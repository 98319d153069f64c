"""Scripted models for the harness's own tests: rule-based receptionists speaking the OpenAI
chat protocol through devstack's FakeOpenAI (so the real model client path is used)."""

from eval.policies.receptionist import CORRECT, DIRECT, WRONG, Policy

POLICIES = {p.name: p for p in (CORRECT, DIRECT, WRONG)}

__all__ = ["CORRECT", "DIRECT", "POLICIES", "WRONG", "Policy"]
