"""The direct entry point: one turn from the command line, against the real CRM."""

from __future__ import annotations

import os
import subprocess
import sys

from devstack.fakes.openai import FakeOpenAI


def test_cli_prints_tool_calls_and_reply(seeded_url: str) -> None:
    with FakeOpenAI() as fake:
        fake.call("knowledge_search", query="limpieza").say("La limpieza cuesta 45 €.")
        env = {
            **os.environ,
            "DATABASE_URL": seeded_url,
            "OPENAI_BASE_URL": f"{fake.url}/v1",
            "OPENAI_API_KEY": "k",
            "CATALOGUE_PROMPT_TOKENS": "0",  # the search path, as for a business too large for the prompt
        }
        env.pop("CHECKPOINTS_TABLE", None)
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "receptionist.agent",
                "--app",
                "ClinicaSonrisa",
                "--customer",
                "34600000042",
                "¿Cuánto cuesta una limpieza?",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 0, out.stderr
    assert '[tool] knowledge_search({"query": "limpieza"}) ok=True' in out.stdout
    assert out.stdout.strip().endswith("La limpieza cuesta 45 €.")
