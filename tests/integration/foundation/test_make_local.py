"""`python -m devstack` (what `make local` runs): comes up, writes stack.json, and on SIGTERM
stops everything, leaving no PostgreSQL or moto process behind."""

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


def test_local_stack_process_starts_and_stops_cleanly(tmp_path: Path) -> None:
    env = {
        **os.environ,
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
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "Local stack is up." in out and "Stopped." in out
    time.sleep(0.5)
    leftovers = [p for p in _children_named(tmp_path) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert leftovers == []
    moto_left = [
        p
        for p in psutil.process_iter(["cmdline"])
        if f"devstack.moto_server {moto_port}" in " ".join(p.info["cmdline"] or [])
    ]
    assert moto_left == []
