"""The model's context is bounded in tokens (issue 24, point 12): a long burst through the
processor, as its wiring builds it from TURN_HISTORY_TOKENS, never sends the model more than that
bound of earlier turns; what is older reaches it as the conversation's summary."""

from __future__ import annotations

import re
from typing import Any

import pytest

BOUND = 2000  # tokens, estimated at 3.5 characters a token (agent/history.py)


def _responder(body: dict[str, Any]) -> dict[str, Any]:
    """Summaries name the message numbers they were given; answers are short."""
    if str(body["messages"][0]["content"]).startswith("Resume"):
        seen = {int(n) for m in body["messages"] for n in re.findall(r"mensaje (\d+)", str(m["content"]))}
        return {"role": "assistant", "content": "Resumen: " + ", ".join(f"mensaje {n}" for n in sorted(seen))}
    return {"role": "assistant", "content": "Recibido."}


@pytest.mark.processor_env(TURN_HISTORY_TOKENS=str(BOUND))
def test_a_long_burst_sends_at_most_the_bound_of_history_and_summarizes_the_rest(harness: Any) -> None:
    harness.openai.responder = _responder
    messages = 48  # 500 characters each: 8 per turn (TURN_MAX_CHARS 4,000), 6 turns
    tickets = [harness.text(f"mensaje {i}: " + "x" * (500 - len(f"mensaje {i}: "))) for i in range(messages)]
    reports = [harness.handle(t) for t in tickets]
    while carried := harness.tickets():  # the processor's own tickets for what a turn left over
        reports += [harness.handle(t) for t in carried]

    assert [r.outcome for r in reports if r.outcome != "skipped_debounce"] == ["answered"] * 6
    answers = [r.json() for r in harness.openai.completions() if r.json().get("tools")]
    assert len(answers) == 6
    for body in answers:
        system = [i for i, m in enumerate(body["messages"]) if m["role"] == "system"]
        earlier = body["messages"][1 : system[1]]  # between the static prompt and the turn's context
        assert sum(len(str(m.get("content") or "")) for m in earlier) <= BOUND * 3.5
    last = answers[-1]["messages"]
    context = [m["content"] for m in last if m["role"] == "system"][1]
    summarized = {int(n) for n in re.findall(r"mensaje (\d+)", context)}
    sent = {int(n) for m in last if m["role"] == "user" for n in re.findall(r"mensaje (\d+)", str(m["content"]))}
    assert summarized and summarized | sent == set(range(messages))
