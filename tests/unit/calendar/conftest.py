"""Calendar unit tests: the pure domain of the calendar sync (busy time, our events, conflicts), and
the sync's passes on in-memory implementations of their ports (calendar_sync_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

# The tests import their builders as `busy_kit` and `calendar_sync_kit` (README.md, "Tests").
sys.path.insert(0, str(Path(__file__).parent))
