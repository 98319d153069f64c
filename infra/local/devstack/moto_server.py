"""moto's server with DynamoDB requests serialized: `python -m devstack.moto_server PORT [PARENT_PID]`.

moto's TransactWriteItems is not atomic across threads (it snapshots and restores tables around
each transaction), so two concurrent conditional puts could both "win" on the stock threaded
server. Real DynamoDB serializes conflicting transactions; serializing DynamoDB requests models
that. Other services stay concurrent: an SQS long poll must not block everyone else.

moto's TransactWriteItems deep-copies every table it touches before each transaction, to roll
back on failure: its cost grows with the table (~50 ms of CPU per call once a pipeline run has
filled the conversations table, most of this server's time), which DynamoDB has no equivalent
of. Here a transaction keeps copies of the items it touches instead and puts those back when it
is cancelled: the same all-or-nothing outcome (tests/integration/devstack/test_moto_server.py).

`GET /_devstack/calls` answers what the server did so far, per API action: calls and the CPU
seconds spent serving them (the bench's view of where a local pipeline's time goes).

`GET /_devstack/cognito/mail?email=<address>` answers what Cognito would have e-mailed that
address, from what moto keeps of the user: the invitation's temporary password while the user has
not chosen their own (FORCE_CHANGE_PASSWORD), and the latest "forgot password" code. The local
stand-in for the staff member's mailbox (the README says so); never written to a log.

The server ends when the process that started it ends, however that one ended: the local stack
stops it on every way out it can handle (devstack.stopping), and a SIGKILL runs none, which would
leave it holding its port (4566 for `make local`) for the next start.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


class _NoTableCopies:
    """moto's `copy` module as transact_write_items sees it: tables are not copied (the wrapper
    below keeps the touched items instead); everything else is copied as before."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value)


_transact_write_items = DynamoDBBackend.transact_write_items


def _item_key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any] | None:
    table = backend.tables.get(op.get("TableName", ""))
    if table is None:
        return None
    if op_type != "Put":
        return dict(op["Key"])
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: op["Item"][name] for name in names if name in op["Item"]}


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's transaction, with a rollback that restores the touched items, not whole tables.
    Runs under the server's DynamoDB lock, so nothing interleaves."""
    before: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    for entry in transact_items:
        for op_type, op in entry.items():
            key = _item_key(self, op_type, op)
            if key is not None:
                try:
                    item = self.get_item(op["TableName"], key)
                except Exception:  # noqa: S112 - a bad key: moto's own validation reports it
                    continue
                before.append((op["TableName"], key, copy.deepcopy(item.to_json()["Attributes"]) if item else None))
    dynamodb_models.copy = _NoTableCopies  # type: ignore[assignment,attr-defined]
    try:
        _transact_write_items(self, transact_items)
    except Exception:
        for table_name, key, attributes in reversed(before):
            if attributes is None:
                if self.get_item(table_name, key) is not None:
                    self.delete_item(table_name, key)
            else:
                self.put_item(table_name, attributes, overwrite=True)
        raise
    finally:
        dynamodb_models.copy = copy  # type: ignore[attr-defined]


DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class KeepAliveHandler(MotoRequestHandler):
    """HTTP/1.1, so a client's connection serves many requests, as AWS's endpoints do (the stock
    HTTP/1.0 handler closes each one: a TCP connect and a server thread per API call)."""

    protocol_version = "HTTP/1.1"


def exit_with_parent(parent: int, interval: float = 0.5) -> None:
    """A watcher thread: once `parent` is no longer this process's parent (it ended, and this
    one was re-parented), exit."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def cognito_mail(email: str) -> dict[str, str | None]:
    """What Cognito would have e-mailed `email` (see the module's docstring), from every pool."""
    from moto.cognitoidp.models import UserStatus, cognitoidp_backends

    found: dict[str, str | None] = {"email": email, "temporary_password": None, "reset_code": None}
    for account in cognitoidp_backends.values():
        for backend in account.values():
            for pool in backend.user_pools.values():
                for user in pool.users.values():
                    if user.attribute_lookup.get("email", "").lower() != email.lower():
                        continue
                    if user.status is UserStatus.FORCE_CHANGE_PASSWORD:
                        found["temporary_password"] = user.password
                    found["reset_code"] = user.confirmation_code or found["reset_code"]
    return found


def main() -> None:
    """`python -m devstack.moto_server PORT [PARENT_PID]` (PARENT_PID: the process it ends with)."""
    if len(sys.argv) > 2:
        exit_with_parent(int(sys.argv[2]))
    host, port = "127.0.0.1", int(sys.argv[1])
    app = DomainDispatcherApplication(create_backend_app)
    dynamodb = threading.Lock()
    calls: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])  # action -> [calls, CPU s]
    counting = threading.Lock()

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target.startswith("DynamoDB_"):
            with dynamodb:
                return list(app(environ, start_response))  # the whole response, under the lock
        return list(app(environ, start_response))

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/_devstack/cognito/mail":
            query = urllib.parse.parse_qs(str(environ.get("QUERY_STRING", "")))
            body = json.dumps(cognito_mail(query.get("email", [""])[0]))
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body.encode()]
        if environ.get("PATH_INFO") == "/_devstack/calls":
            with counting:
                body = json.dumps({k: {"calls": int(v[0]), "cpu_seconds": v[1]} for k, v in calls.items()})
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body.encode()]
        action = str(environ.get("HTTP_X_AMZ_TARGET", "")) or f"{environ.get('REQUEST_METHOD')} (REST)"
        started = time.thread_time()
        body_parts = serve(environ, start_response)
        with counting:
            calls[action][0] += 1
            calls[action][1] += time.thread_time() - started
        return body_parts

    run_simple(host, port, dispatch, threaded=True, request_handler=KeepAliveHandler)


if __name__ == "__main__":
    main()
