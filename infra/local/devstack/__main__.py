"""`python -m devstack` (`make local`): run the local stack in the foreground until Ctrl-C/SIGTERM.

Third parties the environment does not provide are local stand-ins (see devstack.stand_ins): a
local Gupshup server unless GUPSHUP_API_URL is set, the scripted model unless OPENAI_API_KEY is
set, a local Gemini unless GEMINI_API_KEY is set. `make chat` reads the local Gupshup's sends.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import ExitStack
from types import FrameType

from devstack.stack import LocalConfig, LocalStack, describe
from devstack.stand_ins import start_stand_ins


def main() -> int:
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    print("Starting the local stack (PostgreSQL, moto, template, runner)...", flush=True)
    started = time.monotonic()
    with ExitStack() as ctx:
        config = LocalConfig.from_env()
        stand_ins = start_stand_ins(config, ctx)
        stack = LocalStack(config)
        ctx.callback(stack.stop)
        stack.start()
        if stand_ins.gupshup is not None:
            stack.publish(local_gupshup_url=stand_ins.gupshup.url)
        print(describe(stack.info), flush=True)
        print("\n" + stand_ins.banner(config), flush=True)
        print(
            f"\nReady in {time.monotonic() - started:.1f} s; wrote .local/stack.json. Ctrl-C stops.",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
        print("\nStopping...", flush=True)
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
