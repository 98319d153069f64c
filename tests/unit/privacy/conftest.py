"""The forget service on in-memory stores and an in-memory CRM ledger (forget_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # forget_kit, with --import-mode=importlib
