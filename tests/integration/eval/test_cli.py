"""`make eval` as ops run it without a key: `python -m eval` falls back to the scripted pair, runs
the chosen tasks and writes the summary and transcripts where it is told (the command itself, in
a subprocess, as the Makefile runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def test_make_evals_command_without_a_key_runs_the_scripted_pair(postgres_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EVAL_USER_"))}
    results, runs = tmp_path / "results.md", tmp_path / "runs"
    done = subprocess.run(
        [sys.executable, "-m", "eval", "--k", "1", "--tasks", "cancel", "--parallel", "2",
         "--database-url", postgres_url, "--results", str(results), "--runs", str(runs)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "the scripted pair runs" in done.stdout
    summary = results.read_text(encoding="utf-8")
    assert "not from a real model" in summary
    assert "| **all tasks** | 1.000 |" in summary
    assert any(runs.rglob("*.json"))  # every trial's transcript
