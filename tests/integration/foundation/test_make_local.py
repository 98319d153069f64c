"""`python -m devstack` (what `make local` runs): comes up with its local stand-ins, writes
stack.json, answers `python -m devstack.chat` (what `make chat` runs), and on SIGTERM stops
everything, leaving no PostgreSQL or moto process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil


def _children_named(state_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if str(state_dir) in cmd or ("moto_server" in cmd and str(state_dir) in cmd):
            found.append(proc)
    return found


def test_local_stack_process_starts_chats_and_stops_cleanly(tmp_path: Path) -> None:
    third_parties = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "GEMINI_BASE_URL", "GUPSHUP_API_URL")
    env = {
        **{k: v for k, v in os.environ.items() if k not in third_parties},
        "LOCAL_STATE_DIR": str(tmp_path),
        "LOCAL_PORT": "0",
        "MOTO_PORT": "0",
        "POSTGRES_PORT": "0",
        "DEBOUNCE_SECONDS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    stack_json = tmp_path / "stack.json"
    try:
        deadline = time.monotonic() + 90
        while not stack_json.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert stack_json.exists(), "stack.json was not written"
        info = json.loads(stack_json.read_text())
        assert info["debounce_seconds"] == 1
        moto_port = info["aws_endpoint_url"].rsplit(":", 1)[1]
        req = urllib.request.Request(info["webhook_url"], data=b"{}", method="POST")
        try:
            urllib.request.urlopen(req, timeout=5)
        except urllib.error.HTTPError as err:
            assert err.code == 401
        assert [p for p in _children_named(tmp_path) if "postgres" in " ".join(p.cmdline())]

        chat = subprocess.run(
            [sys.executable, "-m", "devstack.chat"],
            env={**env, "CHAT_NUMBER": "34600555444"},
            input="Hola, ¿cuánto cuesta una limpieza dental?\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert chat.returncode == 0, chat.stdout + chat.stderr
        answers = [line for line in chat.stdout.splitlines() if line.startswith(f"{info['demo_app']} > ")]
        assert answers and "45" in " ".join(answers), chat.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "Local stack is up." in out and "Stopped." in out

    def leftovers() -> list[psutil.Process]:
        return [p for p in _children_named(tmp_path) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

    deadline = time.monotonic() + 10  # the stack's stop waits for its children; this only lets them exit
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftovers() == []
    moto_left = [
        p
        for p in psutil.process_iter(["cmdline"])
        if f"devstack.moto_server {moto_port}" in " ".join(p.info["cmdline"] or [])
    ]
    assert moto_left == []
