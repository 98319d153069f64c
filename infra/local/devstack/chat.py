"""`make chat`: type as a customer into the running local stack (`make local`).

Foundation version: posts each line to the webhook of the running stack as a Gupshup text
message and reports the webhook's answer; replies are printed once the notifier and the local
Gupshup server exist (demo issue).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from devstack.stack import ROOT


def main() -> int:
    info_path = Path(ROOT / ".local" / "stack.json")
    if not info_path.exists():
        print("No running local stack: start `make local` in another shell first.", file=sys.stderr)
        return 1
    info = json.loads(info_path.read_text())
    url = f"{info['webhook_url']}?token={info['webhook_secret']}"
    app, number = info.get("demo_app", "ClinicaSonrisa"), "34600111222"
    print(f"Chatting with {app} as +{number}. Ctrl-D to quit.")
    for n, line in enumerate(sys.stdin):
        text = line.strip()
        if not text:
            continue
        body = {
            "app": app,
            "timestamp": int(time.time() * 1000),
            "version": 2,
            "type": "message",
            "payload": {
                "id": f"wamid.chat-{int(time.time())}-{n}",
                "source": number,
                "type": "text",
                "payload": {"text": text},
                "sender": {"phone": number, "name": "Chat"},
            },
        }
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                print(f"  (webhook {resp.status})")
        except urllib.error.URLError as exc:
            print(f"  (webhook unreachable: {exc})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
