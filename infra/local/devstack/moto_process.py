"""The moto server process the local stack talks to (devstack.moto_server runs inside it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from typing import IO

from devstack.postgres import free_port


class MotoServer:
    """moto in its own process, ended with the process that started it."""

    def __init__(self, port: int, log: IO[str]) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "devstack.moto_server", str(self.port), str(os.getpid())],  # ends with this one
            stdout=log,
            stderr=subprocess.STDOUT,
            # moto checks TOTP codes only with this on (against its fixed secret): a wrong code
            # is then refused, as Cognito refuses it.
            env={**os.environ, "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"},
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("moto server exited; see .local/logs/moto.log")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto server did not start in time")

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
