"""moto's server with DynamoDB requests serialized: `python -m devstack.moto_server PORT`.

moto's TransactWriteItems is not atomic across threads (it snapshots and restores tables around
each transaction), so two concurrent conditional puts could both "win" on the stock threaded
server. Real DynamoDB serializes conflicting transactions; serializing DynamoDB requests models
that. Other services stay concurrent: an SQS long poll must not block everyone else.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    host, port = "127.0.0.1", int(sys.argv[1])
    app = DomainDispatcherApplication(create_backend_app)
    dynamodb = threading.Lock()

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            with dynamodb:
                return list(app(environ, start_response))  # the whole response, under the lock
        return app(environ, start_response)  # type: ignore[no-any-return]

    run_simple(host, port, dispatch, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
