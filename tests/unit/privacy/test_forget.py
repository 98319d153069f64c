"""Blocking and erasing on in-memory stores: every store reached in the data map's order, the CRM
last; a crash in every window between two side effects is finished by running the same request
again; erasing twice is harmless; nothing is touched when the request is refused."""

from __future__ import annotations

import pytest
from forget_kit import APPS, KEY, ORG, Crash, FakeLedger, FakeMedia, FakeStore

from receptionist.privacy import keys
from receptionist.privacy.forget import OUTSIDE_CRM, ForgetService, Stores
from receptionist.privacy.ports import Caller, ForgetRefused
from receptionist.privacy.stores import STORE_ORDER, CrmRefs

NUMBER = "34600111222"
OPS = Caller(actor="ops:test")
REF = keys.pseudonym(KEY.encode(), ORG, NUMBER)


class World:
    def __init__(self, *, langfuse: bool = True) -> None:
        folder = keys.media_prefix(APPS[0], NUMBER)
        self.ledger = FakeLedger()
        self.stores = {
            "langfuse": FakeStore({"trace-1", "trace-2"}),
            "idempotency": FakeStore({"notifier.job#a", "notifier.send#b"}),
            "checkpoints": FakeStore({"CHECKPOINT_x\nns#1", "s3:checkpoints/x/1"}),
            "conversations": FakeStore({"CONV#a#n\nMETA", "CONV#a#n\nMSG#1"}),
            "media": FakeMedia({f"{folder}voice", f"{folder}photo"}),
        }
        self.service = ForgetService(
            self.ledger,
            Stores(
                idempotency=self.stores["idempotency"],
                checkpoints=self.stores["checkpoints"],
                conversations=self.stores["conversations"],
                media=self.stores["media"],  # type: ignore[arg-type]
                langfuse=self.stores["langfuse"] if langfuse else None,
            ),
            lambda: KEY,
        )

    def forget(self, mode: str = "erase", reason: str = "Solicitud escrita, art. 17 RGPD"):  # type: ignore[no-untyped-def]
        return self.service.forget(OPS, ORG, f"+{NUMBER[:2]} {NUMBER[2:5]} {NUMBER[5:]}", mode, reason)  # type: ignore[arg-type]

    def left(self) -> dict[str, set[str]]:
        return {name: set(store.items) for name, store in self.stores.items() if store.items}


def test_an_erasure_reaches_every_store_in_the_map_s_order_and_the_crm_last() -> None:
    w = World()
    outcome = w.forget()
    assert w.left() == {}
    assert w.ledger.calls == ["begin", *(f"step:{s}" for s in OUTSIDE_CRM), "finish"]
    assert (*OUTSIDE_CRM, "crm") == STORE_ORDER  # the map's order is the erasure's
    assert {n: (r.found, r.removed) for n, r in outcome.stores.items()} == {n: (2, 2) for n in OUTSIDE_CRM}
    assert outcome.rows == {"chat_messages": 12, "contacts": 1} and outcome.customer_ref == REF
    assert w.ledger.audit == [("customer_erase_requested", REF), ("customer_erased", REF)]


WINDOWS = [
    "begin",  # the request began (audited, conversation held), nothing removed yet
    *(f"delete:{s}" for s in OUTSIDE_CRM),  # a store emptied, not yet recorded as done
    *(f"step:{s}" for s in OUTSIDE_CRM),  # a store recorded as done, the next not started
    "finish",  # every store emptied, the CRM's transaction not committed
]


@pytest.mark.parametrize("window", WINDOWS)
def test_a_run_that_dies_in_any_window_is_finished_by_the_next(window: str) -> None:
    w = World()
    if window.startswith("delete:"):
        w.stores[window.removeprefix("delete:")].crash_after_delete = True
    else:
        w.ledger.crash_after.add(window)
    with pytest.raises(Crash):
        w.forget()
    assert w.ledger.rows  # the CRM's rows are still there: the request is running
    outcome = w.forget()  # the same command again
    assert outcome.resumed
    assert w.left() == {} and w.ledger.rows == {}
    assert w.ledger.calls.count("finish") == 1
    assert [r.status for r in w.ledger.requests] == ["done"]  # one request, finished
    for name in OUTSIDE_CRM:  # every store recorded once, and emptied at most twice (the crashed one)
        assert w.ledger.calls.count(f"step:{name}") == 1
        assert w.stores[name].deletes <= 2
    assert w.ledger.audit.count(("customer_erased", REF)) == 1


def test_erasing_twice_is_harmless() -> None:
    w = World()
    w.forget()
    again = w.forget()
    assert not again.resumed and again.items_removed == 0
    assert [r.status for r in w.ledger.requests] == ["done", "done"]


def test_a_block_keeps_the_media_under_the_pseudonym_and_an_erasure_later_removes_it() -> None:
    w = World()
    outcome = w.forget("block")
    request = w.ledger.requests[0]
    kept = request.steps["media"]["kept"]
    prefix = f"{keys.blocked_prefix(REF)}{request.id}/"
    assert len(kept) == 2 and all(k.startswith(prefix) for k in kept)
    assert w.left() == {"media": set(kept)}  # only the vault's copies; no number in their keys
    assert NUMBER not in " ".join(kept) and outcome.stores["media"].kept == 2 and outcome.until is not None
    w.ledger.refs = CrmRefs(blocked_media=tuple(kept))  # what the vault lists
    w.forget("erase")
    assert w.left() == {}


@pytest.mark.parametrize("mode", ["erase", "block"])
def test_the_customer_s_exports_go_in_either_mode_and_are_never_kept(mode: str) -> None:
    w = World()
    mine = f"{keys.export_prefix(ORG, 'conv-1')}a.zip"  # conv-1: the ledger's identity of the customer
    other = f"{keys.export_prefix(ORG, 'conv-2')}b.zip"  # another customer's archive
    w.stores["media"].items |= {mine, other}
    w.forget(mode)
    left = w.left().get("media", set())
    assert mine not in left and other in left
    assert not any(k.endswith("a.zip") for k in left)  # not copied to the vault by a block


@pytest.mark.parametrize("window", ["after the copies", "after the originals went"])
def test_a_block_that_died_while_moving_its_media_keeps_each_file_once(window: str) -> None:
    w = World()
    media = w.stores["media"]
    assert isinstance(media, FakeMedia)
    if window == "after the copies":
        media.crash_after_keep = True
    else:
        media.crash_after_delete = True  # copied, originals deleted, not yet recorded
    with pytest.raises(Crash):
        w.forget("block")
    w.forget("block")
    kept = w.ledger.requests[0].steps["media"]["kept"]
    assert len(kept) == 2 and w.left() == {"media": set(kept)}


def test_without_tracing_langfuse_is_reported_off() -> None:
    w = World(langfuse=False)
    outcome = w.forget()
    assert outcome.stores["langfuse"].off and "step:langfuse" in w.ledger.calls


@pytest.mark.parametrize(
    ("number", "reason", "key", "code"),
    [
        ("12", "Solicitud escrita", KEY, "invalid"),
        (NUMBER, "   ", KEY, "invalid"),
        (NUMBER, "El cliente +34 600 111 222 lo pidió", KEY, "reason_names_customer"),
        (NUMBER, "Solicitud escrita", "short", "no_key"),
    ],
)
def test_a_refused_request_touches_nothing(number: str, reason: str, key: str, code: str) -> None:
    w = World()
    w.service.customer_key = lambda: key
    with pytest.raises(ForgetRefused) as refused:
        w.service.forget(OPS, ORG, number, "erase", reason)
    assert refused.value.code == code
    assert w.ledger.calls == [] and all(s.items for s in w.stores.values())


def test_an_unreadable_key_refuses_by_its_type_only() -> None:
    w = World()

    def unreadable() -> str:
        raise RuntimeError("parameter /receptionist/dev/trace-user-key value=secret")

    w.service.customer_key = unreadable
    with pytest.raises(ForgetRefused) as refused:
        w.forget()
    assert refused.value.code == "no_key" and "secret" not in str(refused.value)
