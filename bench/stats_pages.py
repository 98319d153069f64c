"""The pages that read the daily roll-up, measured whole on the synthetic year `bench/stats_year.py`
generates (no second year): the owner's dashboard (GET /console/dashboard?days=90 and ?days=30)
and the operator's costs page and its CSV (GET /console/operator/costs?month=..., all the
businesses), through the console's own FastAPI app (`console.app.create_app` on
`console.wiring.build`, what the Lambda serves) on moto's Cognito (real sign-ins: password and
second factor) and the year's PostgreSQL as the console's role; plus EXPLAIN (ANALYZE, BUFFERS) of
operator_costs()'s statement as PostgreSQL runs it inside the function (auto_explain with
log_nested_statements, its LOG lines sent to this client).

Requests go through FastAPI's test client in process (ASGI, no socket): a request's time is the
console's whole work (session check, dependencies, the database, the template) without API
Gateway's or Lambda's own. Nothing here imports from tests/.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from devstack import authenticator
from devstack.aws import moto_client
from devstack.stack import MotoServer
from devstack.template import function_env
from receptionist.config import ConsoleSettings
from receptionist.console import wiring
from receptionist.console.app import create_app
from receptionist.crm import budgets
from receptionist.crm.connection import Database

# Only local servers (moto) are spoken to; boto3 clients built inside the parts sign with these.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

REGION = "us-east-1"
PASSWORD = "Banco-Pruebas-2026"  # noqa: S105 - moto's Cognito, the bench's own accounts
REQUESTS = 300  # per dashboard period, each for a business picked at random
COSTS_REQUESTS = 100  # the operator's page, and as many of its CSV


@dataclass(frozen=True)
class Timings:
    """Seconds per request, sorted."""

    what: str
    seconds: Sequence[float]

    def row(self) -> str:
        s = self.seconds
        p95 = s[max(0, int(0.95 * len(s)) - 1)]
        return f"| {self.what} | {len(s)} | {_ms(statistics.median(s))} ms | {_ms(p95)} ms | {_ms(s[-1])} ms |"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


@contextmanager
def _console(owner_url: str, console_url: str, now: datetime) -> Iterator[tuple[Any, Any, str]]:
    """The console app on moto's Cognito and the year's database; its business clock at `now`."""
    with tempfile.TemporaryDirectory(prefix="stats-pages-") as tmp, open(Path(tmp) / "moto.log", "w") as log:
        moto = MotoServer(0, log)
        try:
            moto.wait_ready()
            idp = moto_client("cognito-idp", moto.url, REGION)
            pool = idp.create_user_pool(PoolName="staff-bench", UsernameAttributes=["email"])["UserPool"]["Id"]
            client_id = idp.create_user_pool_client(
                UserPoolId=pool, ClientName="console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
            )["UserPoolClient"]["ClientId"]
            sqs = moto_client("sqs", moto.url, REGION)
            queue_url = sqs.create_queue(
                QueueName="out-bench.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
            )["QueueUrl"]
            env = function_env(
                "ConsoleFunction",
                USER_POOL_ID=pool,
                USER_POOL_CLIENT_ID=client_id,
                COGNITO_JWKS_URL=f"{moto.url}/{pool}/.well-known/jwks.json",
                OUTBOUND_QUEUE_URL=queue_url,
            )
            settings = ConsoleSettings.from_env(env)
            secrets = {
                settings.database_url_param: console_url,
                settings.console_secret_param: "bench-console-secret",
                settings.customer_key_param: "k3y-" + "0123456789abcdef" * 3,
            }
            parts = wiring.build(
                settings,
                cognito=idp,
                sqs=sqs,
                ssm=moto_client("ssm", moto.url, REGION),
                s3=moto_client("s3", moto.url, REGION),
                dynamodb=moto_client("dynamodb", moto.url, REGION),
                secret=secrets.__getitem__,
            )
            app = create_app(replace(parts, now=lambda: now))
            try:
                yield app, idp, pool
            finally:
                parts.db.close()
        finally:
            moto.stop()


def _signed_in(app: Any, idp: Any, pool: str, owner_url: str, organization: str | None, role: str) -> TestClient:
    """A new account (Cognito user + console_users row) signed in as a person does: password, then
    the second factor's enrolment with a code from the authenticator."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@bench.example"
    created = idp.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}],
        MessageAction="SUPPRESS",
    )["User"]
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
    with psycopg.connect(owner_url) as conn:
        conn.execute(
            "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, %s)",
            (sub, organization, email, role),
        )
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(client)})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in refused: {answer.status_code}")
    location = answer.headers["location"]
    if location == "/console/mfa/setup":
        page = client.get(location)
        secret = re.search(r'id="mfa-secret">([^<]+)<', page.text)
        if not secret:
            raise RuntimeError("no second-factor secret on the enrolment page")
        code = authenticator.code(secret.group(1))
        answer = client.post(location, data={"code": code, "csrf_token": _csrf(client, location)})
        if answer.status_code != 303:
            raise RuntimeError(f"second factor refused: {answer.status_code}")
    return client


def _csrf(client: TestClient, path: str = "/console/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    if not found:
        raise RuntimeError(f"no CSRF token on {path}")
    return found.group(1)


def _timed(what: str, times: int, request: Callable[[], Any], check: Callable[[Any], bool]) -> Timings:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        answer = request()
        seconds.append(time.perf_counter() - started)
        if answer.status_code != 200 or not check(answer):
            raise RuntimeError(f"{what}: {answer.status_code}")
    return Timings(what, sorted(seconds))


def _statement_alone(console_url: str, operator_sub: str, month: date, every: int) -> Timings:
    db = Database(console_url)
    try:
        budgets.operator_costs(db, operator_sub, month)  # the connection opened
        seconds = []
        for _ in range(COSTS_REQUESTS):
            started = time.perf_counter()
            got = budgets.operator_costs(db, operator_sub, month)
            seconds.append(time.perf_counter() - started)
            if len(got) != every:
                raise RuntimeError(f"operator_costs: {len(got)} businesses")
    finally:
        db.close()
    return Timings(f"`operator_costs(sub, '{month}')` alone ({every} businesses)", sorted(seconds))


def operator_costs_plan(owner_url: str, operator_sub: str, month: date) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement inside operator_costs() as it runs there
    (SECURITY DEFINER: never inlined; it runs as the function's owner whoever calls it, so the
    superuser's call plans it as the console's does). auto_explain logs it at LOG; the session's
    client_min_messages brings the lines here."""
    lines: list[str] = []
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: lines.append(d.message_primary or ""))
        for setting in (
            "load 'auto_explain'",
            "set auto_explain.log_min_duration = 0",
            "set auto_explain.log_analyze = on",
            "set auto_explain.log_buffers = on",
            "set auto_explain.log_nested_statements = on",
            "set client_min_messages = log",
        ):
            conn.execute(setting)
        rows = conn.execute("select * from operator_costs(%s, %s)", (operator_sub, month)).fetchall()
    nested = [text for text in lines if "operator_costs(" not in text.split("\n", 2)[1]] if lines else []
    plan = nested[0] if nested else "\n".join(lines)
    return [f"-- {len(rows)} rows", *plan.splitlines()]


# Budgets as operators set them (3, 5 or 10 USD: the year's businesses cost about that a month; a
# quarter none) and, for each business whose month reached its budget, the alert the budget pass
# writes: the page shows every state and its joins find rows.
_BUDGETS = """
update organizations o set monthly_budget_usd = b.budget
from (select id, (array[null, 3, 5, 10])[1 + (row_number() over (order by id))::int % 4]::numeric as budget
      from organizations) b
where b.id = o.id;
insert into budget_alerts (organization_id, month, budget_usd, cost_usd, claimed_at, owner_queued_at, ops_published_at)
select o.id, %(month)s, o.monthly_budget_usd, sum(d.model_cost_usd + d.whatsapp_cost_usd + d.aws_cost_usd),
       now(), now(), now()
from organizations o join daily_business_stats d
  on d.organization_id = o.id and d.day >= %(month)s and d.day < (%(month)s + interval '1 month')::date
where o.monthly_budget_usd is not null
group by o.id, o.monthly_budget_usd
having sum(d.model_cost_usd + d.whatsapp_cost_usd + d.aws_cost_usd) >= o.monthly_budget_usd
"""


def _budgets(owner_url: str, month: date) -> tuple[int, int]:
    """The budgets and alerts set; how many businesses have a budget, and how many an alert."""
    with psycopg.connect(owner_url) as conn:
        for statement in _BUDGETS.split(";\n"):
            conn.execute(statement, {"month": month} if "%(month)s" in statement else None)
        budgeted = conn.execute("select count(*) from organizations where monthly_budget_usd is not null").fetchone()
        alerted = conn.execute("select count(*) from budget_alerts where month = %s", (month,)).fetchone()
    return int(budgeted[0]) if budgeted else 0, int(alerted[0]) if alerted else 0


def measure(owner_url: str, console_url: str, organizations: Sequence[str], today: date, month: date) -> list[str]:
    """The report's lines: the pages' times and the costs statement's plan."""
    now = datetime(today.year, today.month, today.day, 18, tzinfo=UTC)  # `today` in every zone of the year
    rng = random.Random(3131)  # noqa: S311 - reproducible picks, not security
    budgeted, alerted = _budgets(owner_url, month)
    with _console(owner_url, console_url, now) as (app, idp, pool):
        started = time.perf_counter()
        owners = {org: _signed_in(app, idp, pool, owner_url, org, "owner") for org in organizations}
        signing_in = time.perf_counter() - started
        operator = _signed_in(app, idp, pool, owner_url, None, "operator")
        with psycopg.connect(owner_url) as conn:
            row = conn.execute("select sub from console_users where role = 'operator'").fetchone()
            conn.execute("analyze organizations, budget_alerts, console_users")  # as autovacuum would by now
        assert row is not None
        operator_sub = str(row[0])

        def page(days: int) -> Callable[[], Any]:
            return lambda: owners[rng.choice(organizations)].get(f"/console/dashboard?days={days}")

        def drawn(answer: Any) -> bool:
            return 'id="dashboard-data"' in answer.text

        owners[organizations[0]].get("/console/dashboard")  # warm: templates compiled, first connection
        dashboards = [_timed(f"`GET /console/dashboard?days={n}`", REQUESTS, page(n), drawn) for n in (90, 30)]
        costs_url = f"/console/operator/costs?month={month:%Y-%m}"
        csv_url = f"/console/operator/costs.csv?month={month:%Y-%m}"
        operator.get(costs_url)
        every = len(organizations)
        costs = [
            _timed(
                f"`GET {costs_url}` (every business)",
                COSTS_REQUESTS,
                lambda: operator.get(costs_url),
                lambda a: a.text.count('class="card business-costs') == every,
            ),
            _timed(
                f"`GET {csv_url}`",
                COSTS_REQUESTS,
                lambda: operator.get(csv_url),
                lambda a: a.text.count("\n") == every + 1,
            ),
        ]
    statement = _statement_alone(console_url, operator_sub, month, every)
    plan = operator_costs_plan(owner_url, operator_sub, month)
    return [
        "### The pages, whole, through the console's app",
        "",
        "How measured: `bench/stats_pages.py`, in the same run on the same year: the console's FastAPI app",
        "(`create_app(wiring.build(settings))`, what ConsoleFunction serves) on moto's Cognito and this",
        f"PostgreSQL as the console's role; {every} owners (one per business) and an operator signed in with",
        f"password and second factor ({signing_in:.0f} s for the owners), the business clock on {today}.",
        "Each request through FastAPI's test client in process (no API Gateway, no Lambda start): the",
        "session check, the dependencies, the database and the template. A dashboard request is for a",
        f"business picked at random; the costs page lists every business ({budgeted} with a monthly budget of",
        f"3, 5 or 10 USD, {alerted} of them over it in {month:%Y-%m} with the budget pass's alert row).",
        "",
        "| request | requests | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|",
        *(t.row() for t in (*dashboards, *costs, statement)),
        "",
        "The last line is the costs page's statement alone (`crm/budgets.operator_costs`, one round trip as",
        "the console's role): the rest of the page's time is its template, a card per business.",
        "",
        f"EXPLAIN (ANALYZE, BUFFERS) of the statement inside `operator_costs(sub, '{month}')` ({every} businesses),",
        "as the function runs it (auto_explain, `log_nested_statements`):",
        "",
        "```",
        *plan,
        "```",
    ]
