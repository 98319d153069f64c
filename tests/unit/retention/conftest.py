"""Retention on in-memory stores and an in-memory CRM (retention_run_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # retention_run_kit, with --import-mode=importlib
