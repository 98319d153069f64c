"""`python -m devstack` (`make local`): run the local stack in the foreground until Ctrl-C/SIGTERM.

Third parties the environment does not provide are local stand-ins (see devstack.stand_ins): a
local Gupshup server unless GUPSHUP_API_URL is set, the scripted model unless OPENAI_API_KEY is
set, a local Gemini unless GEMINI_API_KEY is set. `make chat` reads the local Gupshup's sends.

SIGINT and SIGTERM stop it the same way, in any phase (devstack.stopping); so does a failed
start-up: every server it started is stopped before the process exits.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import ExitStack

from devstack.config import LocalConfig
from devstack.stack import LocalStack
from devstack.stack_info import describe
from devstack.stand_ins import start_stand_ins
from devstack.stopping import StopRequested, stop_on_signals


def main() -> int:
    stop_on_signals()
    print("Starting the local stack (PostgreSQL, moto, template, runner)...", flush=True)
    started = time.monotonic()
    try:
        with ExitStack() as ctx:
            config = LocalConfig.from_env()
            stand_ins = start_stand_ins(config, ctx)
            stack = LocalStack(config)
            ctx.callback(stack.stop)
            ctx.callback(print, "\nStopping...", flush=True)  # first on the way out
            stack.start()
            if stand_ins.gupshup is not None:
                stack.publish(local_gupshup_url=stand_ins.gupshup.url)
            if stand_ins.google_calendar is not None:
                stack.publish(local_google_calendar_url=stand_ins.google_calendar.url)
            print(describe(stack.info), flush=True)
            print("\n" + stand_ins.banner(config), flush=True)
            ready = time.monotonic() - started
            print(f"\nReady in {ready:.1f} s; wrote {config.state_dir / 'stack.json'}. Ctrl-C stops.", flush=True)
            threading.Event().wait()  # until SIGINT or SIGTERM raises StopRequested
    except StopRequested:
        pass
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
