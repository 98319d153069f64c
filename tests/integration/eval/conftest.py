"""The evaluation's own tests: `eval` is a top-level package of the repository (like `bench`),
importable from its root."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
