"""`python -m devstack` (`make local`): run the local stack in the foreground until Ctrl-C/SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType

from devstack.stack import LocalStack, describe


def main() -> int:
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    stack = LocalStack()
    print("Starting the local stack (PostgreSQL, moto, template, runner)...", flush=True)
    started = time.monotonic()
    try:
        stack.start()
        print(describe(stack.info), flush=True)
        print(
            f"\nReady in {time.monotonic() - started:.1f} s; wrote .local/stack.json. Ctrl-C stops.",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
        print("\nStopping...", flush=True)
    finally:
        stack.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
