"""The owner's dashboard on its real parts (Cognito in moto, PostgreSQL as the console's role under
row level security): the period's figures summed from the business's own daily_business_stats
rows (inserted here directly: the roll-up's own tests compute them), never another business's;
the period in the business's local days; owners only; the CSV download; the page's words in the
staff member's language; the charts' script served by the same app. Each test makes its own
businesses; the business clock is frozen."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from console_kit import Console

from receptionist.console.assets import asset_url
from receptionist.stats.latency import FIRST_REPLY_MS_EDGES, STAFF_REPLY_SECONDS_EDGES, histogram

PAGE = "/console/dashboard"
NOW = datetime(2034, 5, 7, 22, 30, tzinfo=UTC)  # 00:30 on 8 May in Madrid, still 7 May in UTC
TODAY = date(2034, 5, 8)  # the Madrid business's today


def business(console: Console) -> str:
    org = str(uuid.uuid4())
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Panel {org[:8]}"))
        conn.execute("insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (org,))
    return org


def day_row(console: Console, org: str, day: date, **figures: object) -> None:
    columns = ["organization_id", "day", "rate_card", *figures]
    values = [org, day, "meta-2025-07-01", *figures.values()]
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            f"insert into daily_business_stats ({', '.join(columns)}) values ({', '.join(['%s'] * len(values))})",  # noqa: S608 - names are the test's
            values,
        )


def figure(page: str, name: str) -> str:
    found = re.search(rf'id="fig-{name}"><span class="value">(.*?)</span>', page)
    assert found, name
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def chart_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page, re.S)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_owner_sees_the_periods_figures_of_their_business_only(console: Console) -> None:
    mine, other = business(console), business(console)
    day_row(
        console,
        mine,
        TODAY,
        conversations=10,
        resolved_alone=6,
        booked_assistant=3,
        booked_reminder=1,
        confirmed=2,
        reminders_sent=4,
        reminders_confirmed=3,
        completed=4,
        no_shows=1,
        escalations=2,
        staff_replies=2,
        staff_reply_seconds=histogram([200, 250], STAFF_REPLY_SECONDS_EDGES),
        first_replies=4,
        first_reply_ms=histogram([1_200, 1_300, 1_400, 9_000], FIRST_REPLY_MS_EDGES),
    )
    day_row(console, mine, TODAY - timedelta(days=6), conversations=5, resolved_alone=4, cancelled=1, moved=2)
    day_row(console, mine, TODAY - timedelta(days=7), conversations=100, booked_console=7)  # 30 days, not 7
    day_row(console, mine, TODAY + timedelta(days=1), conversations=1000)  # tomorrow in Madrid: not shown
    day_row(console, other, TODAY, conversations=555, booked_assistant=44)
    client = console.signed_in(mine)

    with console.parts_changed(now=lambda: NOW):
        week = client.get(PAGE, params={"days": "7"})
        month = client.get(PAGE)
        odd = client.get(PAGE, params={"days": "365"})

    assert week.status_code == 200 and 'data-days="7"' in week.text and 'id="nav-dashboard"' in week.text
    assert "2 may 2034 \u2013 8 may 2034" in week.text  # the business's local days, today included
    assert figure(week.text, "conversations") == "15" and figure(week.text, "resolved") == "67\xa0%"
    assert figure(week.text, "booked") == "4" and figure(week.text, "confirmed") == "2"
    assert figure(week.text, "reminders-confirmed") == "3" and "(de 4 enviados)" in week.text
    assert [figure(week.text, n) for n in ("cancelled", "moved", "completed")] == ["1", "2", "4"]
    assert figure(week.text, "no-shows") == "1" and "No vinieron · 20\xa0%" in week.text
    assert figure(week.text, "escalations") == "2" and figure(week.text, "staff-reply") == "5 min"
    assert figure(week.text, "first-reply-p50") == "1,5 s" and figure(week.text, "first-reply-p95") == "10 s"
    assert 'id="booked-assistant">el asistente: <strong>3</strong>' in week.text
    data = chart_data(week.text)
    series = data["series"]
    assert data["labels"] == [f"{n} may" for n in range(2, 9)]
    assert series["conversations"] == [5, 0, 0, 0, 0, 0, 10] and series["first_reply_p95_s"][-1] == 10.0
    assert chart_data(odd.text)["series"]["conversations"][-1] == 10  # never the other's 555
    assert 'data-days="30"' in month.text and figure(month.text, "conversations") == "115"
    assert figure(month.text, "booked") == "11" and len(chart_data(month.text)["labels"]) == 30
    assert odd.status_code == 200 and 'data-days="30"' in odd.text and 'id="period-30" class="on"' in odd.text
    # Chart.js and the page's script, by the URLs the page names, from the same app.
    for script in (asset_url("vendor/chartjs/chart.umd.min.js"), asset_url("dashboard.js")):
        assert f'src="{script}"' in week.text
        served = console.client().get(script)  # no session needed
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/javascript")


def test_the_csv_has_a_line_per_local_day_of_the_period_and_nothing_of_another_business(console: Console) -> None:
    mine, other = business(console), business(console)
    day_row(console, mine, TODAY - timedelta(days=2), conversations=3, booked_waitlist=2, first_replies=1,
            first_reply_ms=histogram([700], FIRST_REPLY_MS_EDGES))  # fmt: skip
    day_row(console, other, TODAY - timedelta(days=2), conversations=77)
    client = console.signed_in(mine)

    with console.parts_changed(now=lambda: NOW):
        answer = client.get(f"{PAGE}.csv", params={"days": "7"})

    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="dashboard-2034-05-02-2034-05-08.csv"'
    lines = list(csv.DictReader(io.StringIO(answer.text)))
    assert [line["day"] for line in lines] == [f"2034-05-0{n}" for n in range(2, 9)]
    six = lines[4]
    assert (six["day"], six["conversations"], six["booked_waitlist"], six["first_reply_p50_ms"]) == (
        "2034-05-06",
        "3",
        "2",
        "1000",
    )
    assert sum(int(line["conversations"]) for line in lines) == 3


def test_only_the_owner_sees_it_in_their_language(console: Console) -> None:
    org = business(console)
    staff = console.signed_in(org, role="staff")
    operator = console.signed_in(None, role="operator")
    owner = console.signed_in(org)
    owner.cookies.set("rc_lang", "en", domain="testserver.local", path="/console")

    refused = staff.get(PAGE)
    refused_csv = staff.get(f"{PAGE}.csv")
    inbox = staff.get("/console/inbox")
    with console.parts_changed(now=lambda: NOW):
        english = owner.get(PAGE, params={"days": "90"})

    assert refused.status_code == 403 and "Solo la persona propietaria del negocio ve el panel." in refused.text
    assert refused_csv.status_code == 403 and "text/csv" not in refused_csv.headers["content-type"]
    assert inbox.status_code == 200 and 'id="nav-dashboard"' not in inbox.text
    assert operator.get(PAGE).status_code == 403
    assert english.status_code == 200 and "What the assistant did" in english.text and "Download CSV" in english.text
    assert "Feb 8, 2034 \u2013 May 8, 2034" in english.text and figure(english.text, "first-reply-p50") == "no data"
    assert 'href="/console/dashboard.csv?days=90"' in english.text
