"""SnapStart: a container restored from a snapshot answers with connections of its own. The
hooks run here on a warm processor (a turn already held a database connection, a model client
and its checkpointer, secrets read); the next turn must open new ones and still answer once."""

from __future__ import annotations

import random
from typing import Any

from receptionist import disclosure
from receptionist.processor import snapshot


def test_after_a_restore_the_next_turn_reconnects_and_answers(harness: Any) -> None:
    assert harness.handle(harness.text("Hola")).outcome == "answered"
    db = harness.connections.db
    connects, reconnects = db.connects, db.reconnects
    reads = len(harness.secret_reads)
    random.seed(7)
    seeded = random.getstate()

    snapshot.after_restore(harness.connections)

    assert random.getstate() != seeded  # this container's own jitter
    assert harness.handle(harness.text("¿Tenéis hueco mañana?")).outcome == "answered"
    told = disclosure.default_text("Sofía", "Clínica Dental Sonrisa", "es")  # a new customer's first reply
    assert [j["text"] for j in harness.jobs()] == [
        disclosure.disclosed(told, "Respuesta a: Hola"),
        "Respuesta a: ¿Tenéis hueco mañana?",
    ]
    assert db.connects == connects + 1  # a new connection, opened on purpose...
    assert db.reconnects == reconnects  # ...not a dead one found and replaced
    # The database URL and the model's key are read again (a rotated secret is picked up), so
    # the model client and the checkpointer were built anew.
    again = harness.secret_reads[reads:]
    assert any(name.endswith("/database-url") for name in again), again
    assert any(name.endswith("/openai-api-key") for name in again), again


def test_before_the_snapshot_nothing_stays_connected(harness: Any) -> None:
    assert harness.handle(harness.text("Hola")).outcome == "answered"
    db = harness.connections.db
    connects = db.connects

    snapshot.before_snapshot(harness.connections)

    assert harness.handle(harness.text("Otra cosa")).outcome == "answered"
    assert db.connects == connects + 1
