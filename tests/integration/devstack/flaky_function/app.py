"""A test handler for the runner: fails the records whose body says so, as a Lambda would
report them (batchItemFailures), and records what it saw in a file."""

from __future__ import annotations

import json
import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    with open(os.environ["SEEN_FILE"], "a", encoding="utf-8") as fh:
        for record in event["Records"]:
            fh.write(json.dumps({"id": record["messageId"], "body": record["body"]}) + "\n")
            if "fail" in record["body"]:
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
