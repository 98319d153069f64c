"""`make demo`: start the local stack and play a conversation with the demo clinic.

Foundation version: starts the stack, sends one WhatsApp message through the real path
(HTTP webhook -> inbound queue -> processor -> outbound queue -> notifier) and shows where it
went, then stops everything. The scripted Spanish conversation arrives with the demo issue.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

from devstack.stack import LocalConfig, LocalStack, describe


def main() -> int:
    config = LocalConfig.from_env()
    config.debounce_seconds = 0
    config.port = 0
    print("Starting the local stack...", flush=True)
    with LocalStack(config) as stack:
        print(describe(stack.info), flush=True)
        app = stack.info.get("demo_app", "ClinicaSonrisa")
        message = {
            "app": app,
            "timestamp": int(time.time() * 1000),
            "version": 2,
            "type": "message",
            "payload": {
                "id": f"wamid.demo-{int(time.time())}",
                "source": "34600111222",
                "type": "text",
                "payload": {"text": "Hola, ¿cuánto cuesta una limpieza dental?"},
                "sender": {"phone": "34600111222", "name": "Lucía", "country_code": "34", "dial_code": "600111222"},
            },
        }
        url = f"{stack.info['webhook_url']}?token={config.webhook_secret}"
        req = urllib.request.Request(
            url, data=json.dumps(message).encode(), headers={"content-type": "application/json"}
        )
        started = time.monotonic()
        with urllib.request.urlopen(req, timeout=10) as resp:
            print(f"\nCustomer: {message['payload']['payload']['text']}  -> webhook {resp.status}")
        stack.wait_for(lambda: stack.invocations_of("NotifierFunction"), timeout=30)
        for inv in stack.invocations:
            print(f"  {inv.function:18} via {inv.source:18} {inv.duration_ms:7.1f} ms  ok={inv.ok}")
        print(f"Pipeline round trip: {time.monotonic() - started:.2f} s")
        print(
            "\nStill to come: the agent's answers, a burst, a voice note, a booking, a reschedule and a"
            "\nhand-over to a person, printed as a chat (webhook, CRM, agent, processor, notifier issues)."
        )
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
