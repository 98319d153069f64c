"""`python -m devstack` (what `make local` runs): comes up with its local stand-ins, writes
stack.json, answers `python -m devstack.chat` (what `make chat` runs), and on SIGTERM stops
everything, leaving no PostgreSQL or moto process behind; started again on the same data it
comes up with what was stored and the console's accounts signing in (issue 24, point 13).
`python -m devstack.demo` (`make demo`) stops every server it started however it is stopped:
SIGTERM while DEMO_KEEP keeps it running, SIGTERM in the middle of its start-up; and a start-up
that fails midway leaves nothing behind either."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import psutil
import psycopg

from devstack.postgres import LocalPostgres

THIRD_PARTIES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "GEMINI_BASE_URL", "GUPSHUP_API_URL")
START_SECONDS = 120  # generous: a stack starts in 10-40 s on a loaded 2-core machine
STAFF_EMAIL = "staff-kept@clinicasonrisa.example"


def _env(state_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in THIRD_PARTIES and k != "DEMO_KEEP"},
        "LOCAL_STATE_DIR": str(state_dir),
        "LOCAL_PORT": "0",
        "MOTO_PORT": "0",
        "POSTGRES_PORT": "0",
        "DEBOUNCE_SECONDS": "1",
        **extra,
    }


class Output:
    """A child process's output, read as it comes (to wait for a line without blocking on it)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, needle: str, timeout: float = START_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            assert self.proc.poll() is None, f"exited {self.proc.returncode} before {needle!r}:\n{self.text[-3000:]}"
            assert time.monotonic() < deadline, f"no {needle!r} in {timeout:.0f} s:\n{self.text[-3000:]}"
            time.sleep(0.1)

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout)
        self._thread.join(10)
        return code


def _spawn(module: str, env: dict[str, str]) -> Output:
    proc = subprocess.Popen(
        [sys.executable, "-m", module], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return Output(proc)


Server = tuple[psutil.Process, str]  # a process and its command line


def _servers(pid: int, state_dir: Path) -> list[Server]:
    """What a stack process started and could leave behind: its descendants (moto's server, the
    function workers) and the PostgreSQL server pg_ctl detached (its command line names the data
    directory)."""
    found: dict[int, Server] = {}
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    for p in descendants:
        try:
            found[p.pid] = (p, " ".join(p.cmdline()))
        except psutil.NoSuchProcess:
            continue
    for p in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(p.info["cmdline"] or [])
        if str(state_dir) in cmdline:
            found.setdefault(p.pid, (p, cmdline))
    return [server for server in found.values() if server[0].pid != pid]


def _named(servers: list[Server], word: str) -> bool:
    return any(word in cmdline for _, cmdline in servers)


def _postgres_server(servers: list[Server]) -> bool:
    """A PostgreSQL server process (named `postgres`) is among them: not initdb, not pg_ctl."""
    for p, _ in servers:
        try:
            if p.name() == "postgres":
                return True
        except psutil.NoSuchProcess:
            continue
    return False


def _left_running(servers: list[Server]) -> list[str]:
    """The servers still running a few seconds after their stack process exited (its stop waits
    for them; this only lets them finish exiting)."""

    def running() -> list[str]:
        alive = []
        for p, cmdline in servers:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(cmdline)
            except psutil.NoSuchProcess:
                continue
        return alive

    deadline = time.monotonic() + 10
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    return running()


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((parts.hostname or "127.0.0.1", parts.port or 0)) == 0


def _wait_for_json(path: Path, out: Output) -> dict[str, Any]:
    deadline = time.monotonic() + START_SECONDS
    while not path.exists():
        assert out.proc.poll() is None, f"exited {out.proc.returncode}:\n{out.text[-3000:]}"
        assert time.monotonic() < deadline, f"{path} was not written:\n{out.text[-3000:]}"
        time.sleep(0.2)
    out.wait_for("Ready in")
    info: dict[str, Any] = json.loads(path.read_text())
    return info


def _chat(env: dict[str, str], info: dict[str, Any], number: str, text: str) -> list[str]:
    chat = subprocess.run(
        [sys.executable, "-m", "devstack.chat"],
        env={**env, "CHAT_NUMBER": number},
        input=text + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert chat.returncode == 0, chat.stdout + chat.stderr
    prefix = f"{info['demo_app']} > "
    replies: list[str] = []
    for line in chat.stdout.splitlines():
        if line.startswith(prefix):
            replies.append(line.removeprefix(prefix))
        elif replies and line.startswith(" " * len(prefix)):  # the reply's next paragraph
            replies[-1] += "\n" + line.strip()
    return replies


def _sign_in(console_url: str, email: str, password: str) -> tuple[int, str]:
    """The console's sign-in as a browser does it (the login page's CSRF cookie and token, then
    the form): the answer's status and where it sends the browser."""
    url = urlsplit(console_url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        conn.request("GET", f"{url.path}/login")
        page = conn.getresponse()
        body = page.read().decode()
        cookies = "; ".join(c.split(";", 1)[0] for c in page.headers.get_all("Set-Cookie") or [])
        token = re.search(r'name="csrf_token" value="([^"]+)"', body)
        assert token, body[:500]
        form = urlencode({"email": email, "password": password, "csrf_token": token.group(1)})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies}
        conn.request("POST", f"{url.path}/login", body=form, headers=headers)
        answer = conn.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location") or ""
    finally:
        conn.close()


def _add_staff_account(info: dict[str, Any], organization: str, password: str) -> None:
    """A console account made during a session (as the console's operator page or ops.onboard
    make one): a Cognito user in moto's pool and its console_users row."""
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=info["aws_endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    (pool,) = [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]]
    created = idp.admin_create_user(
        UserPoolId=pool,
        Username=STAFF_EMAIL,
        UserAttributes=[{"Name": "email", "Value": STAFF_EMAIL}],
        MessageAction="SUPPRESS",
    )["User"]
    idp.admin_set_user_password(UserPoolId=pool, Username=STAFF_EMAIL, Password=password, Permanent=True)
    sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
    with psycopg.connect(info["database_url"]) as conn:
        conn.execute(
            "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, 'staff')",
            (sub, organization, STAFF_EMAIL),
        )


def _stored_messages(database_url: str, number: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "select count(*) from chat_messages m join chat_identities i on i.id = m.chat_identity_id"
            " where i.customer_number = %s",
            (number,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _stop(out: Output, signum: int, state_dir: Path, info: dict[str, Any]) -> None:
    """Stop a running `python -m devstack` with `signum`: it exits 0 and leaves nothing running,
    no port held."""
    servers = _servers(out.proc.pid, state_dir)
    assert _named(servers, "postgres") and _named(servers, "devstack.moto_server"), servers
    out.proc.send_signal(signum)
    assert out.finish() == 0, out.text[-3000:]
    assert "Local stack is up." in out.text and "Stopped." in out.text
    assert _left_running(servers) == []
    assert not _port_open(info["aws_endpoint_url"]) and not _port_open(info["database_url"])


def _kill(out: Output) -> None:
    """After a failed assertion: stop the process anyway (the test's own clean-up)."""
    if out.proc.poll() is None:
        out.proc.send_signal(signal.SIGTERM)
        out.finish()


def test_local_stack_starts_chats_stops_and_starts_again_with_what_was_stored(tmp_path: Path) -> None:
    env = _env(tmp_path)
    number = "34600555444"
    stack_json = tmp_path / "stack.json"

    out = _spawn("devstack", env)
    try:
        info = _wait_for_json(stack_json, out)
        assert info["debounce_seconds"] == 1
        req = urllib.request.Request(info["webhook_url"], data=b"{}", method="POST")
        try:
            urllib.request.urlopen(req, timeout=5)
        except urllib.error.HTTPError as err:
            assert err.code == 401
        answers = _chat(env, info, number, "Hola, ¿cuánto cuesta una limpieza dental?")
        assert answers and "45" in " ".join(answers)
        password = info["console_users"][0]["password"]
        _add_staff_account(info, info["apps"][info["demo_app"]]["organization_id"], "Otra-Clave-Del-Turno-1")
        _stop(out, signal.SIGTERM, tmp_path, info)
    finally:
        _kill(out)

    # The same data again: PostgreSQL kept everything, moto (and its user pool) is new.
    stack_json.unlink()
    out = _spawn("devstack", env)
    try:
        again = _wait_for_json(stack_json, out)
        assert _stored_messages(again["database_url"], number) >= 2  # the question and its answer
        users = {u["email"]: u for u in again["console_users"]}
        owner = users[f"owner@{info['demo_app'].lower()}.example"]
        # Owners and operators (and the clinic's staff: health data) set up their second factor
        # next: the password was right.
        assert _sign_in(again["console_url"], owner["email"], owner["password"]) == (303, "/console/mfa/setup")
        assert _sign_in(again["console_url"], "operator@local.example", password) == (303, "/console/mfa/setup")
        # An account made during the first session is there again, with the local password.
        assert users[STAFF_EMAIL]["password"] == password
        assert _sign_in(again["console_url"], STAFF_EMAIL, password) == (303, "/console/mfa/setup")
        with psycopg.connect(again["database_url"]) as conn:
            emails = [r[0] for r in conn.execute("select email from console_users order by email").fetchall()]
        assert len(emails) == len(set(emails)) == len(again["console_users"])
        assert _chat(env, again, number, "¿Y cuánto dura?")  # the pipeline answers on the new moto
        _stop(out, signal.SIGINT, tmp_path, again)  # Ctrl-C this time
    finally:
        _kill(out)


def _demo_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The demo makes its state directory with tempfile: under tmp_path here (TMPDIR)."""
    return {**_env(tmp_path), "TMPDIR": str(tmp_path), **extra}


def _demo_dir(tmp_path: Path) -> Path:
    deadline = time.monotonic() + START_SECONDS
    while not (found := sorted(tmp_path.glob("receptionist-demo-*"))):
        assert time.monotonic() < deadline, "the demo made no state directory"
        time.sleep(0.1)
    return found[0]


def test_demo_kept_running_stops_every_server_on_sigterm(tmp_path: Path) -> None:
    """`DEMO_KEEP=1 make demo` stopped with SIGTERM (a service manager, `kill`, an IDE's stop
    button), not Ctrl-C: moto's server and PostgreSQL stop with it and free their ports."""
    out = _spawn("devstack.demo", _demo_env(tmp_path, DEMO_KEEP="1"))
    try:
        out.wait_for("The stack keeps running (DEMO_KEEP)", timeout=240)
        state_dir = _demo_dir(tmp_path)
        info = json.loads((state_dir / "stack.json").read_text())
        servers = _servers(out.proc.pid, state_dir)
        assert _named(servers, "postgres") and _named(servers, "devstack.moto_server"), servers
        out.proc.send_signal(signal.SIGTERM)
        assert out.finish() == 0, out.text[-3000:]  # the demo had booked and confirmed: its own verdict
        assert "Stopping everything..." in out.text and "Done." in out.text
        # The calendar part (docs/calendar.md, "Locally"): an event took slots away, the booking is in the calendar.
        assert "push -> busy block in" in out.text and "slots no longer offered that day: (none)" not in out.text
        assert "@calendar.local: «" in out.text, out.text[-3000:]
        assert _left_running(servers) == []
        assert not _port_open(info["aws_endpoint_url"]) and not _port_open(info["database_url"])
        assert not state_dir.exists()
    finally:
        _kill(out)


def test_demo_stopped_while_it_starts_stops_what_had_started(tmp_path: Path) -> None:
    """SIGTERM as soon as PostgreSQL runs (moto's server is up by then too): the start-up stops
    where it is and stops both."""
    out = _spawn("devstack.demo", _demo_env(tmp_path))
    try:
        state_dir = _demo_dir(tmp_path)
        deadline = time.monotonic() + START_SECONDS
        # The server itself, not initdb (whose command line also says "postgres"): on a loaded
        # machine initdb ran long enough to be taken for it, before moto's server was listed.
        while not (
            _postgres_server(servers := _servers(out.proc.pid, state_dir)) and _named(servers, "devstack.moto_server")
        ):
            assert out.proc.poll() is None and time.monotonic() < deadline, (servers, out.text[-3000:])
            time.sleep(0.05)
        out.proc.send_signal(signal.SIGTERM)
        assert out.finish() == 128 + signal.SIGTERM, out.text[-3000:]
        assert "Stopped (SIGTERM)." in out.text and "Local stack is up." not in out.text
        assert _left_running(servers) == []
        assert not state_dir.exists()
    finally:
        _kill(out)


def test_a_start_up_that_fails_midway_stops_what_had_started(tmp_path: Path) -> None:
    """moto's port is taken (say, by a moto left running elsewhere): its server exits, which the
    stack finds out after PostgreSQL started; `make local` says so, exits non-zero and stops
    PostgreSQL."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out = _spawn("devstack", _env(tmp_path, MOTO_PORT=str(taken.getsockname()[1])))
        try:
            code = out.finish(timeout=START_SECONDS)
        finally:
            _kill(out)
    assert code != 0 and "moto server exited" in out.text, out.text[-3000:]
    log = (tmp_path / "pgdata" / "server.log").read_text()
    assert "database system is ready to accept connections" in log  # PostgreSQL had started...
    assert log.rstrip().endswith("database system is shut down")  # ...and was stopped
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    assert _left_running(_servers(out.proc.pid, tmp_path)) == []


def test_postgres_stops_even_when_its_data_directory_was_deleted(tmp_path: Path) -> None:
    """`make clean` (rm -rf .local) under a running stack: pg_ctl has no postmaster.pid to read,
    and the stop signals the server it started instead of leaving it holding its port."""
    server = LocalPostgres(tmp_path / "pgdata")
    server.start()
    try:
        (postmaster,) = [s for s in _servers(os.getpid(), tmp_path) if "postgres" in s[1]]
        shutil.rmtree(tmp_path / "pgdata")
    finally:
        server.stop()
    assert _left_running([postmaster]) == []
    assert not _port_open(server.url)


def test_motos_server_ends_with_the_process_that_started_it(tmp_path: Path) -> None:
    """A stack process killed with SIGKILL runs no clean-up: moto's server notices it is gone
    and exits instead of holding its port for the next start."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, subprocess, sys\n"
            "moto = subprocess.Popen([sys.executable, '-m', 'devstack.moto_server', '0', str(os.getpid())])\n"
            "print(moto.pid, flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    moto = psutil.Process(int(parent.stdout.readline()))
    # Popen returns once the child is forked; its command line is moto's only after its exec.
    deadline = time.monotonic() + 30
    while "devstack.moto_server" not in " ".join(moto.cmdline()) and time.monotonic() < deadline:
        time.sleep(0.05)
    server: Server = (moto, " ".join(moto.cmdline()))
    assert "devstack.moto_server" in server[1]
    parent.kill()
    parent.wait()
    assert _left_running([server]) == []
