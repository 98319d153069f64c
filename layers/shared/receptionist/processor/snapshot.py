"""Lambda SnapStart for the processor: what runs before Lambda snapshots an initialized
container (when a version is published) and after each new container resumes from it.

Every restored container starts from the same memory, so nothing that must be its own may be
in the snapshot: open connections (sockets the snapshot froze are dead or shared), cached
secrets (the snapshot can be weeks old), the random generator's state (retry jitter would be
the same in every container). Initialization opens no connection and reads no secret, and the
hooks close everything again anyway, so a later change that does cannot leak into a snapshot.

The hooks register through `snapshot_restore_py`, which Lambda's managed Python runtimes ship;
elsewhere (tests, the local stack) there is no snapshot and `register` does nothing.
"""

from __future__ import annotations

import importlib
import random
from typing import Protocol

from receptionist.i18n import detection
from receptionist.secrets import forget_cached

# Imported lazily on a container's first turns; importing them before the snapshot makes
# restored containers skip it (google-genai alone is ~0.4 s, on the first media message).
FIRST_TURN_MODULES = ("receptionist.agent.context", "receptionist.adapters.gemini")


class Closeable(Protocol):
    def close(self) -> None: ...


def before_snapshot(connections: Closeable) -> None:
    for module in FIRST_TURN_MODULES:
        importlib.import_module(module)
    # The customer-language detector (numpy and its model, ~1.5 s to load) runs on every text turn.
    detection.load()
    connections.close()


def after_restore(connections: Closeable) -> None:
    random.seed()  # from os.urandom: each container its own sequence
    forget_cached()
    connections.close()


def register(connections: Closeable) -> bool:
    """Register the hooks with Lambda's runtime; False where there is no SnapStart runtime."""
    try:
        import snapshot_restore_py  # type: ignore[import-untyped]
    except ImportError:
        return False
    snapshot_restore_py.register_before_snapshot(before_snapshot, connections)
    snapshot_restore_py.register_after_restore(after_restore, connections)
    return True
