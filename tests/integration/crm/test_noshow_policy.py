"""The no-show policy in the CRM (crm/noshow.py, crm/settings/noshow.py, crm/outcomes.noshow_metrics;
migration 20261210030000_noshow_policy.sql) on a real PostgreSQL: a customer's no-shows counted in
the policy's window in one round trip (its edges, other customers, businesses and outcomes left
out), the kind's default and the owner's choice, the history of what was in force written by the
database whoever changes it, and the no-show rate before and after the policy came on under row
level security. Each test owns its businesses; appointments are written as staff leave them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from crm_kit import DEMO_ORG, OrgFactory

from receptionist.crm import noshow, outcomes
from receptionist.crm.connection import Database
from receptionist.crm.noshow import NoShowPolicy
from receptionist.crm.settings import noshow as settings
from receptionist.crm.settings.errors import InvalidSetting

TZ = "Europe/Madrid"
MADRID = ZoneInfo(TZ)
NOW = datetime(2031, 9, 15, 9, 0, tzinfo=MADRID)  # the window of 6 months starts 15/03/2031 09:00 Madrid


def _contact(db: Database, org: str) -> str:
    row = db.fetch_one(
        "insert into contacts (organization_id, name, phone) values (%s, 'Cliente', %s) returning id::text",
        (org, f"346{uuid.uuid4().int % 10**8:08d}"),
    )
    assert row
    return str(row["id"])


def _appointment(db: Database, org: dict[str, str], contact: str, starts: datetime, status: str) -> str:
    """An appointment as it ends up (no-show / completed / cancelled are outside the overlap rule)."""
    row = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)"
        " values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
        (org["org"], contact, org["service"], org["member"], starts, starts + timedelta(minutes=30), status),
    )
    assert row
    return str(row["id"])


def _history(db: Database, org: str) -> list[tuple[Any, ...]]:
    return [
        (r["kind"], r["enabled"], r["no_show_limit"], r["window_months"])
        for r in db.fetch_all(
            "select kind, enabled, no_show_limit, window_months from noshow_policy_history"
            " where organization_id = %s order by at, id",
            (org,),
        )
    ]


# -- the count ---------------------------------------------------------------------------------------
def test_a_customer_s_no_shows_are_counted_in_the_window_in_one_round_trip(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    org, other = make_org(), make_org()
    o = org["org"]
    customer, neighbour = _contact(db, o), _contact(db, o)
    since = datetime(2031, 3, 15, 9, 0, tzinfo=MADRID)
    _appointment(db, org, customer, since, "no_show")  # exactly the window's first instant: counted
    _appointment(db, org, customer, since - timedelta(minutes=30), "no_show")  # just before: not counted
    _appointment(db, org, customer, datetime(2031, 9, 14, 10, 0, tzinfo=MADRID), "completed")  # came
    _appointment(db, org, customer, datetime(2031, 9, 13, 10, 0, tzinfo=MADRID), "cancelled")
    _appointment(db, org, neighbour, datetime(2031, 9, 1, 10, 0, tzinfo=MADRID), "no_show")  # someone else
    _appointment(db, other, _contact(db, other["org"]), datetime(2031, 9, 1, 10, 0, tzinfo=MADRID), "no_show")

    with app_db.acting_for(o):  # the assistant's role, under row level security
        before = app_db.stats()
        found = noshow.standing(app_db, o, customer, NOW, TZ)
        assert (app_db.stats() - before).round_trips == 1
    assert (found.no_shows, found.since, found.refused) == (1, since, False)
    assert found.policy == NoShowPolicy()  # a new business: a clinic, every default

    _appointment(db, org, customer, NOW - timedelta(hours=1), "no_show")  # the second, today: the limit
    with app_db.acting_for(o):
        assert noshow.standing(app_db, o, customer, NOW, TZ).refused
        # Another business's customer id finds nothing here; no contact (a new customer): none.
        assert noshow.standing(app_db, o, _contact(db, other["org"]), NOW, TZ).no_shows == 0
        assert noshow.standing(app_db, o, None, NOW, TZ).no_shows == 0
    # Two hours earlier the window starts two hours earlier (the 08:30 one is in) and today's
    # 08:00 one is still to come: not counted.
    assert noshow.standing(db, o, customer, NOW - timedelta(hours=2), TZ).no_shows == 2


def test_the_window_and_limit_are_the_business_s_and_a_salon_is_off_by_default(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    o = org["org"]
    customer = _contact(db, o)
    for months_ago in (2, 8, 10):  # one in 6 months, three in 12
        _appointment(db, org, customer, NOW - timedelta(days=30 * months_ago), "no_show")
    assert noshow.standing(db, o, customer, NOW, TZ).no_shows == 1

    with console_db.acting_for(o), console_db.transaction():
        settings.save_noshow_settings(console_db, o, NoShowPolicy("salon", None, 3, 12))
    found = noshow.standing(db, o, customer, NOW, TZ)
    assert (found.no_shows, found.policy.active, found.refused) == (3, False, False)  # a salon: off by default
    with console_db.acting_for(o):
        settings.save_noshow_settings(console_db, o, NoShowPolicy("salon", True, 3, 12))
    assert noshow.standing(db, o, customer, NOW, TZ).refused  # switched on: three in twelve months


# -- settings and their history ------------------------------------------------------------------------
def test_every_change_of_what_is_in_force_is_in_the_history_whoever_makes_it(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    o = make_org()["org"]
    assert _history(db, o) == [("clinic", True, 2, 6)]  # created: the kind's default in force
    assert settings.noshow_settings(db, o).on_since is not None

    with console_db.acting_for(o):
        settings.save_noshow_settings(console_db, o, NoShowPolicy("clinic", True, 2, 6))  # same in force
        assert _history(db, o) == [("clinic", True, 2, 6)]
        settings.save_noshow_settings(console_db, o, NoShowPolicy("salon", None, 2, 6))
        settings.save_noshow_settings(console_db, o, NoShowPolicy("salon", True, 4, 6))
        stored = settings.noshow_settings(console_db, o)
    assert _history(db, o) == [("clinic", True, 2, 6), ("salon", False, 2, 6), ("salon", True, 4, 6)]
    assert stored.policy == NoShowPolicy("salon", True, 4, 6) and stored.changed_at is not None
    switched_on = db.fetch_one(
        "select max(at) as at from noshow_policy_history where organization_id = %s and kind = 'salon' and enabled",
        (o,),
    )
    assert switched_on and stored.on_since == switched_on["at"]  # on again since the last save

    db.execute("update organizations set kind = 'other' where id = %s", (o,))  # ops, by hand
    assert _history(db, o)[-1] == ("other", True, 4, 6)
    with console_db.acting_for(o):
        settings.save_noshow_settings(console_db, o, NoShowPolicy("other", False, 4, 6))
        assert settings.noshow_settings(console_db, o).on_since is None  # off now


def test_values_the_tables_refuse_are_a_sentence_and_nothing_changes(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    o = make_org()["org"]
    with console_db.acting_for(o):
        with pytest.raises(InvalidSetting) as refused:
            settings.save_noshow_settings(console_db, o, NoShowPolicy("clinic", True, 0, 6))
        assert refused.value.code == "noshow_bad_value"
        with pytest.raises(InvalidSetting):
            settings.save_noshow_settings(console_db, o, NoShowPolicy("garage", True, 2, 6))  # type: ignore[arg-type]
    assert settings.noshow_settings(db, o).policy == NoShowPolicy()
    assert _history(db, o) == [("clinic", True, 2, 6)]


def test_the_console_role_sets_only_its_own_business_s_kind(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    mine, theirs = make_org()["org"], make_org()["org"]
    with console_db.acting_for(mine):
        assert console_db.execute("update organizations set kind = 'salon' where id = %s", (theirs,)) == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            console_db.execute("update organizations set name = 'Otro' where id = %s", (mine,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            console_db.execute("delete from noshow_policy_history where organization_id = %s", (mine,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # only the triggers write it
            console_db.execute(
                "insert into noshow_policy_history (organization_id, kind, enabled, no_show_limit, window_months)"
                " values (%s, 'clinic', false, 2, 6)",
                (mine,),
            )
    assert settings.noshow_settings(db, theirs).policy.kind == "clinic"


def test_the_demo_salon_is_a_salon_and_the_clinic_a_clinic(db: Database) -> None:
    kinds = {r["id"]: r["kind"] for r in db.fetch_all("select id::text, kind from organizations")}
    assert kinds[DEMO_ORG] == "clinic" and kinds["00000000-0000-4000-9000-000000000001"] == "salon"


# -- before and after ---------------------------------------------------------------------------------
JUNE = outcomes.local_period(date(2031, 6, 1), date(2031, 6, 30), TZ)  # 30 days


def _history_at(db: Database, org: str, *changes: tuple[datetime, bool]) -> None:
    """The policy's history as it would have been written at those times (the tables' owner)."""
    db.execute("delete from noshow_policy_history where organization_id = %s", (org,))
    for at, enabled in changes:
        db.execute(
            "insert into noshow_policy_history (organization_id, kind, enabled, no_show_limit, window_months, at)"
            " values (%s, 'clinic', %s, 2, 6, %s)",
            (org, enabled, at),
        )


def test_the_no_show_rate_before_and_after_the_policy_came_on(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    org, other = make_org(), make_org()
    o = org["org"]
    on = datetime(2031, 6, 10, 12, 0, tzinfo=UTC)
    _history_at(db, o, (datetime(2031, 1, 1, tzinfo=UTC), False), (on, True))
    c = _contact(db, o)

    def at(month: int, day: int, status: str) -> None:
        _appointment(db, org, c, datetime(2031, month, day, 10, 0, tzinfo=MADRID), status)

    # Before: the 30 days up to the switch (11 May 12:00 UTC - 10 June 12:00 UTC).
    at(5, 12, "no_show")
    at(5, 20, "completed")
    at(6, 2, "no_show")
    at(6, 9, "no_show")
    at(5, 5, "no_show")  # earlier than the span: not counted
    at(6, 5, "cancelled")  # no outcome
    # After: June from the switch on.
    at(6, 11, "completed")
    at(6, 15, "completed")
    at(6, 20, "completed")
    at(6, 28, "no_show")
    at(7, 2, "no_show")  # after the period
    _appointment(db, other, _contact(db, other["org"]), datetime(2031, 6, 20, 10, 0, tzinfo=MADRID), "no_show")

    before = console_db.stats()
    found = outcomes.noshow_metrics(console_db, o, *JUNE)  # the console's role, row level security
    assert (console_db.stats() - before).round_trips == 1
    assert (found.on_at, found.off_at, found.in_force) == (on, None, True)
    assert (found.completed_before, found.no_show_before, found.completed_after, found.no_show_after) == (1, 3, 3, 1)
    assert (found.rate_before, found.rate_after) == (0.75, 0.25)
    assert found.before_from == on - timedelta(days=30)
    assert outcomes.noshow_metrics(db, o, *JUNE) == found  # the tables' owner: the statement's own filter
    as_json = found.as_dict()
    assert as_json["on_at"] == on.isoformat() and as_json["rate_before"] == 0.75 and as_json["no_show_after"] == 1


def test_after_counts_only_while_the_policy_was_on_and_never_on_has_no_comparison(
    db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    o = org["org"]
    on, off = datetime(2031, 6, 5, tzinfo=UTC), datetime(2031, 6, 20, tzinfo=UTC)
    _history_at(db, o, (datetime(2031, 1, 1, tzinfo=UTC), False), (on, True), (off, False))
    c = _contact(db, o)
    for day, status in ((10, "no_show"), (12, "completed"), (25, "no_show"), (27, "no_show")):
        _appointment(db, org, c, datetime(2031, 6, day, 10, 0, tzinfo=MADRID), status)
    found = outcomes.noshow_metrics(db, o, *JUNE)
    assert (found.on_at, found.off_at, found.in_force) == (on, off, False)
    assert (found.completed_after, found.no_show_after) == (1, 1)  # the 25th and 27th: policy off again

    _history_at(db, o, (datetime(2031, 1, 1, tzinfo=UTC), False))
    never = outcomes.noshow_metrics(db, o, *JUNE)
    assert (never.on_at, never.rate_before, never.rate_after, never.in_force) == (None, None, None, False)
    # Switched on after the period: as of the period's end it was never on.
    _history_at(db, o, (datetime(2031, 1, 1, tzinfo=UTC), False), (datetime(2031, 7, 5, tzinfo=UTC), True))
    assert outcomes.noshow_metrics(db, o, *JUNE).on_at is None
