"""A retention run on in-memory stores and an in-memory CRM (retention_run_kit.py): what each
business's windows make due is removed everywhere and nothing else; a second run removes nothing;
a crash in every window is finished by the next run; a customer active again is kept; a run is
bounded by its deadline and the next runs finish; failures stay alone; the report has counts only."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from retention_run_kit import KEY, NOW, STORE_NAMES, Crash, Request, Vault, World

from receptionist.conversation_key import ConversationKey
from receptionist.deadline import Deadline
from receptionist.privacy import keys
from receptionist.retention import telemetry
from receptionist.retention.rules import Windows
from receptionist.retention.service import MIN_SECONDS, RetentionReport
from receptionist.telemetry import Failure

SALON, CLINIC = "org-salon", "org-clinic"
MONTH = timedelta(days=31)
_PREFIX = {SALON: "51900", CLINIC: "34600"}
_LABELS = {"recent": "00001", "11m": "00011", "13m": "00013", "61m": "00061"}


BACK, WAITING, BLOCKING, STILL_DUE, CAME_BACK, RACING = (
    "51911111111",
    "51922222222",
    "51933333333",
    "51944444444",
    "51955555555",
    "51966666666",
)


def n(org: str, label: str) -> str:
    """The number of a customer of `org` (digits, as WhatsApp gives them)."""
    return _PREFIX[org] + _LABELS[label]


def _deadline(world: World, seconds: float = 10_000) -> Deadline:
    return Deadline(world.crm.clock() + seconds, world.crm.clock)


def _run(world: World, seconds: float = 10_000, **overrides: int) -> RetentionReport:
    return world.run_service(**overrides).run(_deadline(world, seconds))


def _ref(org: str, number: str) -> str:
    return keys.pseudonym(KEY.encode(), org, number)


def year() -> World:
    """Two businesses: the salon on the defaults, the clinic keeping chats 5 years (Ley 41/2002),
    media 90 days and usage 5 years; customers, media, usage and blocked customers either side of
    each window."""
    w = World()
    w.crm.business(SALON)
    w.crm.business(CLINIC, Windows(text_months=60, media_days=90, usage_months=60))
    for org in (SALON, CLINIC):
        w.customer(org, n(org, "recent"), timedelta(days=20), media=1)
        w.customer(org, n(org, "11m"), 11 * MONTH)
        w.customer(org, n(org, "13m"), 13 * MONTH, media=2)
        w.customer(org, n(org, "61m"), 61 * MONTH)
        w.media_message(org, n(org, "recent"), timedelta(days=10))
        w.media_message(org, n(org, "recent"), timedelta(days=45))
        w.media_message(org, n(org, "11m"), timedelta(days=200))
        w.crm.usage[org] += [NOW - 3 * MONTH, NOW - 25 * MONTH, NOW - 61 * MONTH]
        for name, until in (("past", date(2026, 12, 1)), ("today", NOW.date()), ("future", date(2027, 6, 1))):
            kept = (f"blocked/c-{org}-{name}/req/media/a", f"blocked/c-{org}-{name}/req/media/b")
            w.crm.vault[org].append(Vault(f"{org}-{name}", until, kept))
            w.bucket.objects |= set(kept)
    return w


def _expected_left(w: World) -> dict[str, object]:
    return {
        "people": {org: sorted(p) for org, p in w.crm.people.items()},
        "usage": {org: len(u) for org, u in w.crm.usage.items()},
        "vault": {org: [v.id for v in vs] for org, vs in w.crm.vault.items()},
    }


def test_a_run_removes_what_each_business_s_windows_make_due_and_nothing_else() -> None:
    w = year()
    media_keys = {m.message_id: m for org in (SALON, CLINIC) for m in w.crm.media[org]}
    report = _run(w)

    # Customers: silent past the window, removed whole (every store, the CRM last); the rest kept.
    assert set(w.crm.people[SALON]) == {n(SALON, "11m"), n(SALON, "recent")}
    assert set(w.crm.people[CLINIC]) == {n(CLINIC, "11m"), n(CLINIC, "13m"), n(CLINIC, "recent")}
    for gone in (n(SALON, "13m"), n(SALON, "61m"), n(CLINIC, "61m")):
        assert w.items_of(gone) == {}, gone
    for kept in (n(SALON, "recent"), n(CLINIC, "13m"), n(CLINIC, "11m")):
        assert set(w.items_of(kept)) >= set(STORE_NAMES), kept
    assert w.crm.removed == {SALON: [n(SALON, "61m"), n(SALON, "13m")], CLINIC: [n(CLINIC, "61m")]}  # oldest first
    assert [a for a in w.crm.audit if a[1] == "customer_erased"] == [
        (SALON, "customer_erased", "retention"),
        (SALON, "customer_erased", "retention"),
        (CLINIC, "customer_erased", "retention"),
    ]
    # Media: copies past the business's days gone (salon 30, clinic 90); newer ones kept.
    left = {m for m in media_keys.values() if keys.media_key(str(ConversationKey("App", m.number)), m.message_id)
            in w.bucket.objects}  # fmt: skip
    assert {(m.number, (NOW - m.received_at).days) for m in left} == {
        (n(SALON, "recent"), 10),
        (n(CLINIC, "recent"), 10),
        (n(CLINIC, "recent"), 45),
    }
    # Usage past the window; the vault at (or past) its date, with the media it kept.
    assert {org: sorted((NOW - at).days // 31 for at in u) for org, u in w.crm.usage.items()} == {
        SALON: [3],
        CLINIC: [3, 25],
    }
    assert {org: [v.id for v in vs] for org, vs in w.crm.vault.items()} == {
        SALON: [f"{SALON}-future"],
        CLINIC: [f"{CLINIC}-future"],
    }
    assert not [k for k in w.bucket.objects if k.startswith("blocked/") and "future" not in k]
    assert (
        report.businesses,
        report.customers_removed,
        report.media_removed,
        report.usage_removed,
        report.vault_removed,
        report.vault_media_removed,
        report.failed,
        report.backlog,
    ) == (2, 3, 3, 3, 4, 8, 0, 0)
    assert report.rows["chat_messages"] == 18 and report.items["langfuse"] == 6 and report.items["media"] == 2


def test_staff_template_sends_past_the_usage_window_go_in_rounds() -> None:
    """Templates sent to staff numbers are usage (docs/stats.md): removed with turn_usage, in as
    many rounds as their batches need, the recent ones kept."""
    w = World()
    w.crm.business(SALON)
    w.crm.staff_sends[SALON] = [NOW - (25 + i) * MONTH for i in range(5)] + [NOW - MONTH]
    report = _run(w, usage_per_round=2)
    assert (report.staff_sends_removed, report.usage_removed, report.backlog) == (5, 0, 0)
    assert w.crm.staff_sends[SALON] == [NOW - MONTH]


def test_a_second_run_removes_nothing() -> None:
    w = year()
    _run(w)
    left = _expected_left(w)
    objects = set(w.bucket.objects)
    again = _run(w)
    assert _expected_left(w) == left and w.bucket.objects == objects
    assert {k: v for k, v in again.counts().items() if v and k != "businesses"} == {}


CRASHES = ["begin", *(f"step:{s}" for s in ("langfuse", "idempotency", "checkpoints", "conversations", "media")),
           "finish", "media_done", "remove_vault"]  # fmt: skip


@pytest.mark.parametrize("window", CRASHES)
def test_a_run_that_dies_in_any_window_is_finished_by_the_next(window: str) -> None:
    done = year()
    _run(done)
    w = year()
    w.crm.crash_after.add(window)
    with pytest.raises(Crash):
        _run(w)
    _run(w)
    assert _expected_left(w) == _expected_left(done)
    assert w.bucket.objects == done.bucket.objects
    assert {n: s.items for n, s in w.stores.items()} == {n: s.items for n, s in done.stores.items()}
    # One request per removed customer did the work; none is left running.
    assert not [r for r in w.crm.requests if r.status == "running"]
    assert sorted(r.ref for r in w.crm.requests if r.status == "done") == sorted(
        _ref(org, n) for org, numbers in done.crm.removed.items() for n in numbers
    )


@pytest.mark.parametrize("store", [*STORE_NAMES, "bucket"])
def test_a_run_that_dies_right_after_a_store_deleted_is_finished_by_the_next(store: str) -> None:
    done = year()
    _run(done)
    w = year()
    target = w.bucket if store == "bucket" else w.stores[store]
    target.crash_after_delete = True
    with pytest.raises(Crash):
        _run(w)
    _run(w)
    assert _expected_left(w) == _expected_left(done) and w.bucket.objects == done.bucket.objects


def test_a_customer_who_writes_while_being_removed_is_kept_and_the_request_cancelled() -> None:
    w = World()
    w.crm.business(SALON)
    back = w.customer(SALON, BACK, 13 * MONTH)
    waiting = w.customer(SALON, WAITING, 14 * MONTH)
    racing = w.customer(SALON, RACING, 15 * MONTH)
    # A message of theirs is buffered, not yet in the CRM: asked first, nothing of theirs is touched.
    w.stores["conversations"].live.add(WAITING)
    before = w.items_of(WAITING)
    # One arrives just after that question, as the run reaches their agent memory: the
    # conversations table's own guard stops the removal there.
    w.stores["checkpoints"].on_find[RACING] = lambda: w.stores["conversations"].live.add(RACING)
    # They write as the run reaches their memory, and the turn records it in the CRM before the end.
    w.stores["checkpoints"].on_find[BACK] = lambda: setattr(back, "last_activity", NOW)
    report = _run(w)
    assert set(w.crm.people[SALON]) == {BACK, WAITING, RACING} and waiting.last_activity < NOW
    assert (report.customers_removed, report.customers_skipped, report.failed) == (0, 3, 0)
    assert w.items_of(WAITING) == before  # never begun: no request, nothing touched
    assert sorted(r.ref for r in w.crm.requests) == sorted([_ref(SALON, BACK), _ref(SALON, RACING)])
    assert [r.status for r in w.crm.requests] == ["cancelled", "cancelled"]
    assert f"conversations:{RACING}:1" in w.stores["conversations"].items[RACING]  # nothing deleted there
    assert racing.last_activity < NOW
    # Once the turns have recorded the messages, they are simply not due.
    w.stores["conversations"].live.clear()
    waiting.last_activity = racing.last_activity = NOW
    assert _run(w).customers_skipped == 0 and set(w.crm.people[SALON]) == {BACK, WAITING, RACING}


def test_a_request_of_someone_else_is_theirs_to_finish() -> None:
    w = World()
    w.crm.business(SALON)
    w.customer(SALON, BLOCKING, 13 * MONTH)
    w.crm.requests.append(Request("owner-req", SALON, _ref(SALON, BLOCKING), "owner@salon.example", NOW))
    report = _run(w)
    assert (report.customers_busy, report.customers_removed) == (1, 0)
    assert BLOCKING in w.crm.people[SALON] and w.crm.requests[0].status == "running"


def test_requests_a_dead_run_left_are_cancelled_and_a_customer_still_due_is_removed() -> None:
    w = World()
    w.crm.business(SALON)
    w.customer(SALON, STILL_DUE, 13 * MONTH)
    w.customer(SALON, CAME_BACK, 1 * MONTH)
    long_ago = NOW - timedelta(hours=3)
    w.crm.requests += [
        Request("old-1", SALON, _ref(SALON, STILL_DUE), "retention", long_ago, {"langfuse": {"found": 0}}),
        Request("old-2", SALON, _ref(SALON, CAME_BACK), "retention", long_ago),
    ]
    report = _run(w)
    assert report.requests_cancelled == 2 and report.customers_removed == 1
    assert set(w.crm.people[SALON]) == {CAME_BACK} and w.items_of(STILL_DUE) == {}
    assert [r.status for r in w.crm.requests] == ["cancelled", "cancelled", "done"]


def test_a_run_is_bounded_by_its_deadline_and_the_next_runs_finish_the_backlog() -> None:
    w = World()
    w.crm.business(SALON)
    w.crm.business(CLINIC)
    for i in range(120):
        w.customer(SALON, f"51900{i:05d}", 13 * MONTH + timedelta(hours=i))
    for i in range(3):
        w.customer(CLINIC, f"34600{i:05d}", 14 * MONTH)
    budget = 40.0  # each removal costs 1 s on the fakes' clock
    first = _run(w, budget, customers_per_round=10)
    # No removal started with less than MIN_SECONDS left; the small business was not held up.
    assert first.customers_removed == budget - MIN_SECONDS
    assert w.crm.removed[CLINIC] == ["3460000000", "3460000001", "3460000002"]
    assert first.backlog == 1
    runs = [first]
    while runs[-1].backlog:
        runs.append(_run(w, budget, customers_per_round=10))
        assert len(runs) < 10
    assert w.crm.people == {SALON: {}, CLINIC: {}}
    assert len(w.crm.removed[SALON]) == len(set(w.crm.removed[SALON])) == 120  # each once, oldest first
    assert w.crm.removed[SALON] == sorted(w.crm.removed[SALON], reverse=True)
    assert sum(r.customers_removed for r in runs) == 123 and runs[-1].backlog == 0
    # The due list (every candidate's activity read) once per run, not once per round.
    assert w.crm.listings[SALON] == len(runs)


def test_without_the_customer_key_no_customer_is_removed_but_the_rest_is() -> None:
    w = year()
    w.key = ""
    report = _run(w)
    assert report.customers_removed == 0 and report.customers_failed == 1 and report.failed == 1
    assert {n(SALON, "13m"), n(SALON, "61m"), n(CLINIC, "61m")} <= set(w.crm.people[SALON]) | set(w.crm.people[CLINIC])
    assert (report.media_removed, report.usage_removed, report.vault_removed) == (3, 3, 4)
    assert not w.crm.requests  # refused before any request began


@pytest.mark.parametrize("failing", ["due_customers", "due_media", "remove_usage"])
def test_a_failing_pass_fails_alone(failing: str) -> None:
    w = year()
    w.crm.fail.add(failing)
    report = _run(w)
    assert report.failed == 2  # that pass, at each business
    assert (report.customers_removed == 0) == (failing == "due_customers")
    assert (report.media_removed == 0) == (failing == "due_media")
    assert (report.usage_removed == 0) == (failing == "remove_usage")
    assert report.vault_removed == 4
    w.crm.fail.clear()
    after = _run(w)
    assert after.failed == 0 and after.customers_removed + report.customers_removed == 3


def test_media_of_a_business_with_two_apps_is_deleted_for_both() -> None:
    w = World()
    w.crm.business(SALON, apps=("SalonLima", "SalonMiraflores"))
    w.crm.person(SALON, "34600000001", timedelta(days=40))
    first = w.media_message(SALON, "34600000001", timedelta(days=40), app="SalonLima")
    message_id = w.crm.media[SALON][0].message_id
    second = keys.media_key(str(ConversationKey("SalonMiraflores", "34600000001")), message_id)
    w.bucket.objects.add(second)
    assert _run(w).media_removed == 1
    assert first not in w.bucket.objects and second not in w.bucket.objects


def test_the_report_and_its_telemetry_carry_counts_only() -> None:
    w = year()
    numbers = [n for org in w.crm.people.values() for n in org]
    report = _run(w)
    event = telemetry.describe(report)
    line = json.dumps({"message": event.message, **event.fields})
    assert not [n for n in numbers if n in line]
    assert event.level == "info" and event.counts[telemetry.CUSTOMERS_REMOVED] == 3
    assert event.counts[telemetry.FAILED] == 0 and event.counts[telemetry.BACKLOG] == 0
    assert all(isinstance(v, int | float) for v in event.fields.values())
    assert telemetry.describe(RetentionReport(failed=1)).level == "error"
    assert telemetry.describe(RetentionReport(backlog=2)).level == "warning"
    failure = telemetry.describe(Failure("OperationalError"))
    assert failure.level == "error" and failure.with_error
