"""What the local runner, the tests and the bench hand a handler: Lambda's context object, a
function's `app.py` loaded as a module of its own (each under its own name, so tests can load
one handler with different settings), and a fresh interpreter to see what an import pulls in
(a cold start's import path)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType


class LocalContext:
    """The parts of the Lambda context object that Powertools and handlers read."""

    def __init__(
        self,
        function_name: str = "receptionist-dev-function",
        memory_mb: int = 512,
        timeout_s: float = 30.0,
        request_id: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{function_name}"
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_function(app_path: Path, module_name: str) -> ModuleType:
    """Execute a function's app.py (its cold start) as a fresh module named `module_name`."""
    spec = importlib.util.spec_from_file_location(module_name, app_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {app_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_fresh(code: str, *, code_dir: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """Run `code` in a fresh interpreter (this one's executable and environment plus `env`), with
    `code_dir` first on the path like a Lambda's code directory; the last line it printed."""
    script = "import sys\n"
    if code_dir is not None:
        script += f"sys.path.insert(0, {str(code_dir)!r})\n"
    out = subprocess.run(
        [sys.executable, "-c", script + code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{code!r} failed in a fresh interpreter:\n{out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]


def modules_after(code: str, *, code_dir: Path | None = None, env: Mapping[str, str] | None = None) -> set[str]:
    """The modules loaded once `code` has run in a fresh interpreter (see run_fresh)."""
    listed = run_fresh(f"{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))\n", code_dir=code_dir, env=env)
    return set(json.loads(listed))


def import_seconds(statement: str, *, code_dir: Path | None = None, env: Mapping[str, str] | None = None) -> float:
    """How long `statement` (an import) takes in a fresh interpreter: a cold start's import phase."""
    code = f"import time\nstarted = time.perf_counter()\n{statement}\nprint(time.perf_counter() - started)\n"
    return float(run_fresh(code, code_dir=code_dir, env=env))
