"""Calendar unit tests: the pure domain of the calendar sync (busy time, our events, conflicts)."""

from __future__ import annotations

import sys
from pathlib import Path

# The tests import their builders as `busy_kit` (README.md, "Tests").
sys.path.insert(0, str(Path(__file__).parent))
