"""One PostgreSQL database per trial, cloned from a template holding the migrations and the
seed, so trials (in parallel too) never see each other's rows; the task's initial rows are
written into the clone, and its end state read back as normalized rows.

Everything here runs as the server's owner; the agent's turns run as `receptionist_app`, the
functions' role, under row level security (as in the processor).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from devstack.migrate import apply_migrations, apply_seed
from eval.task import ME, Task
from receptionist.crm.connection import Database


def with_database(url: str, name: str, user: str | None = None) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = name
    if user:
        params["user"] = user
    return make_conninfo("", **params)


@dataclass(frozen=True)
class AppointmentRow:
    """An appointment as scoring compares it: no ids, no timestamps."""

    customer: str  # the task's alias for the contact ("me", another customer's alias) or its phone
    service: str
    member: str
    start: str  # local wall time of the business, "YYYY-MM-DD HH:MM"
    status: str


@dataclass(frozen=True)
class WaitlistRow:
    """A waiting entry as scoring compares it (docs/waitlist.md): no ids, no timestamps."""

    customer: str  # as AppointmentRow's
    service: str
    member: str  # "" for anyone who does the service
    first_day: str  # "YYYY-MM-DD"
    last_day: str
    day_part: str


@dataclass(frozen=True)
class EndState:
    appointments: list[AppointmentRow]
    escalations: dict[str, int]  # customer alias -> escalations recorded
    waitlist: list[WaitlistRow] = field(default_factory=list)  # the entries still waiting


class TrialDatabases:
    """Creates the template once (migrations + seed), then a database per trial."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url  # the owner, on any database of the server
        self.template = f"eval_template_{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()  # CREATE DATABASE ... TEMPLATE wants the template idle
        self._admin(sql.SQL("create database {}").format(sql.Identifier(self.template)))
        url = with_database(server_url, self.template)
        apply_migrations(url)
        apply_seed(url)

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(statement)

    def create(self) -> str:
        name = f"eval_trial_{uuid.uuid4().hex[:12]}"
        with self._lock:
            self._admin(
                sql.SQL("create database {} template {}").format(sql.Identifier(name), sql.Identifier(self.template))
            )
        return name

    def owner_url(self, name: str) -> str:
        return with_database(self.server_url, name)

    def app_url(self, name: str) -> str:
        return with_database(self.server_url, name, user="receptionist_app")

    def drop(self, name: str) -> None:
        self._admin(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))

    def close(self) -> None:
        self.drop(self.template)


def _org_id(db: Database, app_name: str) -> tuple[str, ZoneInfo]:
    row = db.fetch_one(
        """
        select o.id::text as id, s.timezone from platform_connections c
        join organizations o on o.id = c.organization_id join agent_settings s on s.organization_id = o.id
        where c.app_name = %s
        """,
        (app_name,),
    )
    assert row is not None, f"no seeded business {app_name}"
    return str(row["id"]), ZoneInfo(str(row["timezone"]))


def _local(text: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def seed_task(db: Database, task: Task) -> dict[str, str]:
    """Write the task's initial rows (as the owner); returns alias -> contact id."""
    org, tz = _org_id(db, task.business)
    people = [(ME, task.customer.name, task.phone)] if task.customer.known else []
    people += [(c.alias, c.name, c.phone) for c in task.initial.contacts]
    contacts: dict[str, str] = {}
    for alias, name, phone in people:
        row = db.fetch_one(
            "insert into contacts (organization_id, name, phone) values (%s, %s, %s) returning id::text as id",
            (org, name, phone),
        )
        assert row is not None
        contacts[alias] = str(row["id"])
        db.execute(
            "insert into chat_identities (organization_id, customer_number, display_name, contact_id)"
            " values (%s, %s, %s, %s)",
            (org, phone, name, row["id"]),
        )
    for a in task.initial.appointments:
        start = _local(a.start, tz)
        row = db.fetch_one(
            """
            insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)
            select %(org)s, %(contact)s, s.id, m.id, %(start)s, %(start)s + make_interval(mins => s.duration_minutes),
                   %(status)s
            from services s, members m
            where s.organization_id = %(org)s and s.name = %(service)s
              and m.organization_id = %(org)s and m.name = %(member)s
            returning id
            """,
            {
                "org": org,
                "contact": contacts[a.customer],
                "start": start,
                "status": a.status,
                "service": a.service,
                "member": a.member,
            },
        )
        assert row is not None, f"{task.id}: unknown service or member in {a}"
    for off in task.initial.time_off:
        db.execute(
            """
            insert into member_time_off (organization_id, member_id, starts_at, ends_at, reason)
            select %s, id, %s, %s, %s from members where organization_id = %s and name = %s
            """,
            (org, _local(off.start, tz), _local(off.end, tz), off.reason, org, off.member),
        )
    return contacts


def end_state(db: Database, task: Task) -> EndState:
    """Every appointment of the trial's database, the escalations per customer and the waiting
    list's entries still waiting (as the owner: the whole tables, so a change to anyone's shows)."""
    org, tz = _org_id(db, task.business)
    aliases = {task.phone: ME, **{c.phone: c.alias for c in task.initial.contacts}}
    rows = db.fetch_all(
        """
        select c.phone, s.name as service, m.name as member, a.starts_at, a.status
        from appointments a join contacts c on c.id = a.contact_id
        join services s on s.id = a.service_id join members m on m.id = a.member_id
        where a.organization_id = %s order by a.starts_at, s.name
        """,
        (org,),
    )
    appointments = [
        AppointmentRow(
            customer=aliases.get(str(r["phone"]), str(r["phone"])),
            service=str(r["service"]),
            member=str(r["member"]),
            start=f"{r['starts_at'].astimezone(tz):%Y-%m-%d %H:%M}",
            status=str(r["status"]),
        )
        for r in rows
    ]
    counted = db.fetch_all(
        """
        select i.customer_number, count(*) as n from escalations e
        join chat_identities i on i.id = e.chat_identity_id
        where e.organization_id = %s group by i.customer_number
        """,
        (org,),
    )
    escalations = {aliases.get(str(r["customer_number"]), str(r["customer_number"])): int(r["n"]) for r in counted}
    waiting = db.fetch_all(
        """
        select c.phone, s.name as service, coalesce(m.name, '') as member, w.first_day, w.last_day, w.day_part
        from waitlist_entries w join contacts c on c.id = w.contact_id join services s on s.id = w.service_id
        left join members m on m.id = w.member_id
        where w.organization_id = %s and w.status = 'waiting' order by w.created_at, w.id
        """,
        (org,),
    )
    waitlist = [
        WaitlistRow(
            aliases.get(str(r["phone"]), str(r["phone"])),
            str(r["service"]),
            str(r["member"]),
            r["first_day"].isoformat(),
            r["last_day"].isoformat(),
            str(r["day_part"]),
        )
        for r in waiting
    ]
    return EndState(appointments, escalations, waitlist)


def initial_rows(task: Task) -> dict[str | None, AppointmentRow]:
    """The task's initial appointments as end-state rows, by ref (None for unnamed ones: one each)."""
    out: dict[str | None, AppointmentRow] = {}
    for i, a in enumerate(task.initial.appointments):
        key = a.ref if a.ref else f"#{i}"
        out[key] = AppointmentRow(a.customer, a.service, a.member, a.start, a.status)
    return out
