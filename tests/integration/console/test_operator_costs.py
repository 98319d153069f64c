"""The operator's costs page on its real parts (Cognito in moto, PostgreSQL as the console's role):
every business with its month's usage and cost from the daily roll-up, its budget and state, the
owner and ops notices once sent; the CSV; the budget form (audited, refused readably with nothing
written); operators only."""

from __future__ import annotations

import csv
import io
import random
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from console_kit import CLINIC, PASSWORD, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient

from receptionist.console.words import words


def month() -> date:
    """A month of the test's own (no other test has roll-up rows in it)."""
    return date(random.randrange(2300, 2900), random.randrange(1, 13), 1)


def business(console: Console, name: str, budget: str | None) -> str:
    org = str(uuid.uuid4())
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "insert into organizations (id, name, monthly_budget_usd) values (%s, %s, %s)", (org, name, budget)
        )
        conn.execute("insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (org,))
    return org


def day(console: Console, org: str, on: date, **figures: Any) -> None:
    """The roll-up's row for that day, as the stats pass writes it."""
    values = {"rate_card": "meta-2025-07-01", **figures}
    names = ", ".join(values)
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            f"insert into daily_business_stats (organization_id, day, {names})"  # noqa: S608 - the test's own names
            f" values (%s, %s, {', '.join(['%s'] * len(values))})",
            (org, on, *values.values()),
        )


def row(console: Console, sql: str, *params: Any) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(sql, params).fetchone()


def card(page: str, org: str) -> str:
    found = re.search(rf'<div class="card business-costs[^"]*" data-organization="{org}".*?</form>', page, re.S)
    assert found, page[:2000]
    return found.group(0)


def cell(card_html: str, name: str) -> str:
    found = re.search(rf'<td class="{name}">(.*?)</td>', card_html, re.S)
    assert found, card_html
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def post_budget(client: TestClient, org: str, budget: str, shown: date) -> Any:
    token = csrf(client, f"/console/operator/costs?month={shown:%Y-%m}")
    return client.post(
        "/console/operator/costs/budget",
        data={"csrf_token": token, "organization_id": org, "budget": budget, "month": f"{shown:%Y-%m}"},
    )


def test_every_business_with_its_month_s_usage_cost_and_budget_state(console: Console) -> None:
    shown = month()
    over = business(console, f"Over {shown}", "100.00")
    near = business(console, f"Near {shown}", "100.00")
    free = business(console, f"Free {shown}", None)
    day(
        console,
        over,
        shown,
        conversations=4,
        inbound_messages=10,
        turns=8,
        prompt_tokens=1000,
        completion_tokens=200,
        wa_service=9,
        wa_utility=2,
        wa_marketing=1,
        model_cost_usd=Decimal("70.5"),
        whatsapp_cost_usd=Decimal("20.25"),
        aws_cost_usd=Decimal("0.75"),
    )
    day(
        console,
        over,
        shown.replace(day=28),
        conversations=1,
        inbound_messages=2,
        turns=2,
        model_cost_usd=Decimal("28.5"),
    )
    day(console, over, date(shown.year - 1, shown.month, 5), conversations=99, model_cost_usd=Decimal("999"))
    day(console, near, shown.replace(day=3), conversations=2, model_cost_usd=Decimal("85"))
    day(console, free, shown.replace(day=3), conversations=1, aws_cost_usd=Decimal("10"))
    with psycopg.connect(console.owner_url) as conn:  # the budget pass told both of the business over it
        conn.execute(
            "insert into budget_alerts (organization_id, month, budget_usd, cost_usd, claimed_at, owner_queued_at,"
            " ops_published_at) values (%s, %s, 100, 120, now(), now(), now())",
            (over, shown),
        )
    client = console.signed_in(None, "operator")
    client.get("/console/lang/en")
    page = client.get(f"/console/operator/costs?month={shown:%Y-%m}")
    assert page.status_code == 200, page.text
    assert f'<h2 id="month-name">{shown:%B %Y}</h2>' in page.text

    o = card(page.text, over)
    assert 'data-state="over"' in o and "Over budget · 120%" in o
    assert (cell(o, "conversations"), cell(o, "inbound"), cell(o, "turns"), cell(o, "tokens")) == (
        "5",
        "12",
        "10",
        "1,200",
    )
    assert cell(o, "wa") == (
        "12 (service (free) 9, utility in the window (free) 0, utility 2, marketing 1, authentication 0)"
    )
    assert (cell(o, "model-cost"), cell(o, "whatsapp-cost"), cell(o, "aws-cost")) == ("$99.00", "$20.25", "$0.75")
    assert (cell(o, "total-cost"), cell(o, "budget"), cell(o, "days")) == ("$120.00", "$100.00", "2")
    assert "to the business" in cell(o, "told") and "to ops" in cell(o, "told")
    assert 'data-state="near"' in card(page.text, near) and "Near budget · 85%" in card(page.text, near)
    f = card(page.text, free)
    assert 'data-state="none"' in f and cell(f, "budget") == "-" and cell(f, "total-cost") == "$10.00"
    assert "told" not in f  # nobody is told without a budget


def test_the_month_s_costs_as_csv(console: Console) -> None:
    shown = month()
    org = business(console, "=HYPERLINK(1)", "50")
    day(
        console,
        org,
        shown,
        conversations=3,
        prompt_tokens=10,
        wa_utility_free=4,
        model_cost_usd=Decimal("0.123456"),
        whatsapp_cost_usd=Decimal("1"),
        aws_cost_usd=Decimal("0.5"),
    )
    client = console.signed_in(None, "operator")
    answer = client.get(f"/console/operator/costs.csv?month={shown:%Y-%m}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == f'attachment; filename="costs-{shown:%Y-%m}.csv"'
    lines = list(csv.DictReader(io.StringIO(answer.text)))
    (mine,) = [line for line in lines if line["organization_id"] == org]
    assert mine == {
        "organization_id": org,
        "business": "'=HYPERLINK(1)",  # a spreadsheet never runs a business's name
        "month": f"{shown:%Y-%m}",
        "budget_usd": "50.00",
        "state": "under",
        "days": "1",
        "conversations": "3",
        "inbound_messages": "0",
        "turns": "0",
        "prompt_tokens": "10",
        "completion_tokens": "0",
        "wa_service": "0",
        "wa_utility_free": "4",
        "wa_utility": "0",
        "wa_marketing": "0",
        "wa_authentication": "0",
        "model_cost_usd": "0.123456",
        "whatsapp_cost_usd": "1.000000",
        "aws_cost_usd": "0.500000",
        "cost_usd": "1.623456",
    }
    assert {line["organization_id"] for line in lines} >= {CLINIC, org}  # every business, one line each
    assert len(lines) == len({line["organization_id"] for line in lines})


def test_the_operator_sets_and_clears_a_budget_audited(console: Console) -> None:
    shown = month()
    org = business(console, f"Budget {shown}", None)
    email = console.user(None, "operator")
    client = console.client()
    signed = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    finish_sign_in(client, signed.headers["location"])

    answer = post_budget(client, org, "150,50", shown)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/operator/costs?month={shown:%Y-%m}&saved={org}"
    assert row(console, "select monthly_budget_usd from organizations where id = %s", org) == (Decimal("150.50"),)
    shown_page = client.get(answer.headers["location"])
    assert words("es")["op_costs_saved"] in shown_page.text
    assert 'value="150.50"' in card(shown_page.text, org)

    assert post_budget(client, org, "", shown).status_code == 303  # empty: no budget
    assert row(console, "select monthly_budget_usd from organizations where id = %s", org) == (None,)
    with psycopg.connect(console.owner_url) as conn:
        audit = conn.execute(
            "select actor, action, target, details from audit_log where organization_id = %s order by id", (org,)
        ).fetchall()
    assert audit == [
        (email, "budget_set", org, {"before": None, "after": 150.50}),
        (email, "budget_set", org, {"before": 150.50, "after": None}),
    ]


@pytest.mark.parametrize("typed", ["0", "-3", "12.345", "mil", "1000001"])
def test_a_budget_that_is_not_an_amount_is_refused_readably_and_nothing_is_written(
    console: Console, typed: str
) -> None:
    shown = month()
    org = business(console, f"Refused {shown}", "80")
    client = console.signed_in(None, "operator")
    answer = post_budget(client, org, typed, shown)
    assert answer.status_code == 400
    assert words("es")["op_budget_bad"].replace("'", "&#39;") in answer.text
    assert f'value="{typed}"' in card(answer.text, org)  # what was typed stays
    assert row(console, "select monthly_budget_usd from organizations where id = %s", org) == (Decimal("80.00"),)
    assert row(console, "select count(*) from audit_log where organization_id = %s", org) == (0,)


def test_an_unknown_business_or_month_is_answered_readably(console: Console) -> None:
    client = console.signed_in(None, "operator")
    client.get("/console/lang/pt_BR")
    gone = post_budget(client, str(uuid.uuid4()), "10", month())
    assert gone.status_code == 404 and words("pt_BR")["op_costs_no_business"] in gone.text
    assert post_budget(client, "not-an-id", "10", month()).status_code == 404
    for bad in ("2026-13", "diciembre", "2026-1"):
        page = client.get(f"/console/operator/costs?month={bad}")
        assert page.status_code == 400 and words("pt_BR")["op_bad_month"] in page.text
        assert client.get(f"/console/operator/costs.csv?month={bad}").status_code == 400


def test_the_page_opens_on_the_console_clock_s_month(console: Console) -> None:
    client = console.signed_in(None, "operator")
    with console.parts_changed(now=lambda: datetime(2431, 2, 28, 23, 0)):
        page = client.get("/console/operator/costs")
    assert page.status_code == 200 and 'id="month" value="2431-02"' in page.text
    assert 'href="/console/operator/costs?month=2431-01" id="previous-month"' in page.text
    assert 'href="/console/operator/costs?month=2431-03" id="next-month"' in page.text


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_only_operators_see_costs_or_set_budgets(console: Console, role: str) -> None:
    shown = month()
    org = business(console, f"Guarded {shown}", "70")
    client = console.signed_in(CLINIC, role)
    assert client.get("/console/operator/costs").status_code == 403
    assert client.get("/console/operator/costs.csv").status_code == 403
    token = csrf(client, "/console/inbox")
    refused = client.post(
        "/console/operator/costs/budget", data={"csrf_token": token, "organization_id": org, "budget": "1"}
    )
    assert refused.status_code == 403
    assert row(console, "select monthly_budget_usd from organizations where id = %s", org) == (Decimal("70.00"),)
    # Nor through the database: the function refuses anyone but an operator account.
    sub = row(console, "select sub from console_users where organization_id = %s and role = %s limit 1", CLINIC, role)
    assert sub is not None
    with psycopg.connect(console.owner_url) as conn:
        assert conn.execute("select count(*) from operator_costs(%s, %s)", (sub[0], shown)).fetchone() == (0,)


def test_signed_out_the_costs_page_asks_to_sign_in_and_a_post_needs_its_csrf_token(console: Console) -> None:
    anonymous = console.client()
    assert anonymous.get("/console/operator/costs").status_code in (302, 303)
    org = business(console, f"Csrf {month()}", "70")
    client = console.signed_in(None, "operator")
    refused = client.post("/console/operator/costs/budget", data={"organization_id": org, "budget": "1"})
    assert refused.status_code == 403
    assert row(console, "select monthly_budget_usd from organizations where id = %s", org) == (Decimal("70.00"),)
