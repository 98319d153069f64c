"""One Lambda "execution environment": a process that imports a function's handler once and
invokes it for each event the runner sends, like a warm Lambda container.

Protocol: one JSON line per invocation on stdin ({"event": ..., "request_id": ...}); one JSON
line back on the protocol pipe ({"ok": true, "result": ...} or {"ok": false, "error": ...}).
The handler's own stdout (Powertools logs, EMF metrics) goes to stderr, which the runner
writes to the function's log file.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
import uuid
from typing import Any

from devstack.lambda_context import LocalContext


def main() -> None:
    code_dir, handler_spec = sys.argv[1], sys.argv[2]
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
    memory_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"))
    timeout_s = int(os.environ.get("LOCAL_FUNCTION_TIMEOUT", "30"))
    # Keep the protocol channel private: everything the handler prints goes to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    module_name, func_name = handler_spec.rsplit(".", 1)
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
    except Exception:
        traceback.print_exc()
        proto.write(json.dumps({"ok": False, "error": {"type": "InitError", "message": "import failed"}}) + "\n")
        raise
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        context = LocalContext(function_name, memory_mb, timeout_s, request.get("request_id") or str(uuid.uuid4()))
        reply: dict[str, Any]
        try:
            reply = {"ok": True, "result": handler(request["event"], context)}
        except Exception as exc:
            traceback.print_exc()
            reply = {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)[:500]}}
        proto.write(json.dumps(reply, default=str) + "\n")
    # End of input: the runner stopped this environment. Lambda discards one without finalizing
    # its interpreter (handlers flush their traces and metrics inside each invocation); doing the
    # same skips tearing down every imported module, measured at 5-8 s of CPU per stack stopped.
    proto.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
