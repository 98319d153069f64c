"""Calendar unit tests: the passes on in-memory implementations of their ports (calendar_sync_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # calendar_sync_kit, with --import-mode=importlib
