"""`make chat`: type as a customer into the running local stack (`make local`) and read the replies.

Each line goes to the stack's webhook as a Gupshup text message from one customer number; the
replies are what the notifier sent to that number, read from the local Gupshup server that
`make local` started (its sends are listed at /local/sent). Replies print as they arrive, so a
burst of lines typed within the debounce window is answered once, as on WhatsApp. At the end of
input (Ctrl-D, or a piped file) it waits for the last answer, then exits.

    make chat                          # as +34600111222, to the demo clinic
    CHAT_NUMBER=34600999888 make chat  # as another customer
    CHAT_APP=SalonLima make chat       # to another seeded business (stack.json lists `apps`)
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from devstack.config import ROOT
from devstack.gupshup_events import customer_message, post_callback

DEFAULT_NUMBER = "34600111222"
POLL_SECONDS = 0.3
# After the last line: how long to wait for its answer (debounce + a model turn with tools).
ANSWER_GRACE_SECONDS = 90.0


class ChatError(RuntimeError):
    """The stack is not running or not reachable; the message says what to do."""


def _stack_info(state_dir: Path) -> dict[str, Any]:
    path = state_dir / "stack.json"
    if not path.exists():
        raise ChatError("No running local stack: start `make local` in another shell first.")
    info: dict[str, Any] = json.loads(path.read_text())
    return info


def _post_text(info: dict[str, Any], app: str, number: str, text: str) -> None:
    body = customer_message(app, number, text=text, name="Chat")
    try:
        secret = info.get("webhook_secrets", {}).get(app, info["webhook_secret"])  # each app has its own
        post_callback(info["webhook_url"], secret, body)
    except urllib.error.HTTPError as err:
        raise ChatError(f"the webhook answered {err.code}: {err.read()[:200]!r}") from err
    except urllib.error.URLError as err:
        raise ChatError(f"the webhook is unreachable ({err.reason}); is `make local` still running?") from err


class Replies:
    """Polls the local Gupshup server for what was sent to one number."""

    def __init__(self, gupshup_url: str, number: str) -> None:
        self.url = gupshup_url.rstrip("/")
        self.number = number
        self.next = self._fetch(0)[1]  # only what is sent from now on
        self.count = 0

    def _fetch(self, after: int) -> tuple[list[dict[str, Any]], int]:
        with urllib.request.urlopen(f"{self.url}/local/sent?after={after}", timeout=5) as resp:
            data = json.loads(resp.read())
        return list(data["sent"]), int(data["next"])

    def poll(self) -> list[str]:
        sent, self.next = self._fetch(self.next)
        texts = [m["text"] for m in sent if m["destination"] == self.number and m["kind"] == "session"]
        self.count += len(texts)
        return texts


def chat(
    lines: TextIO,
    out: Callable[[str], None],
    *,
    state_dir: Path,
    number: str = DEFAULT_NUMBER,
    grace_seconds: float = ANSWER_GRACE_SECONDS,
) -> int:
    info = _stack_info(state_dir)
    gupshup_url = info.get("local_gupshup_url")
    if not gupshup_url:
        raise ChatError("This stack sends to a real Gupshup (GUPSHUP_API_URL): replies go to WhatsApp, not here.")
    app = os.environ.get("CHAT_APP") or info.get("demo_app", "ClinicaSonrisa")
    replies = Replies(gupshup_url, number)
    done = threading.Event()
    lock = threading.Lock()
    last_post = [0.0]
    answered_since_post = [True]

    def watch() -> None:
        while not done.is_set():
            try:
                texts = replies.poll()
            except OSError:
                texts = []
            for text in texts:
                with lock:
                    answered_since_post[0] = True
                # A reply of several paragraphs (the AI disclosure, then the answer) reads as one block.
                out(f"{app} > " + text.replace("\n", "\n" + " " * (len(app) + 3)))
            done.wait(POLL_SECONDS)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out(f"Chatting with {app} as +{number} (debounce {info.get('debounce_seconds')} s). Ctrl-D to quit.")
    try:
        for line in lines:
            text = line.strip()
            if not text:
                continue
            _post_text(info, app, number, text)
            with lock:
                last_post[0], answered_since_post[0] = time.monotonic(), False
        deadline = time.monotonic() + grace_seconds
        while time.monotonic() < deadline:
            with lock:
                if answered_since_post[0] and time.monotonic() - last_post[0] > 1.0:
                    break
            time.sleep(POLL_SECONDS)
        else:
            out("(no answer yet; see the logs under .local/logs)")
            return 1
        time.sleep(2 * POLL_SECONDS)  # the other parts of a split answer
    finally:
        done.set()
        watcher.join(timeout=5)
    return 0


def main() -> int:
    state_dir = Path(os.environ.get("LOCAL_STATE_DIR") or ROOT / ".local")
    number = os.environ.get("CHAT_NUMBER") or DEFAULT_NUMBER
    try:
        return chat(sys.stdin, lambda s: print(s, flush=True), state_dir=state_dir, number=number)
    except ChatError as err:
        print(err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
