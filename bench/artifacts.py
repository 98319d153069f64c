"""Unzipped size of each function as deployed (its code + its layers) from .aws-sam/build."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
LIMIT_MB = 250.0
LAYERS = {
    "WebhookFunction": ["SharedLayer", "DepsLightLayer"],
    "NotifierFunction": ["SharedLayer", "DepsLightLayer", "DepsDbLayer"],
    "ProcessorFunction": ["SharedLayer", "DepsLightLayer", "DepsDbLayer", "DepsAgentLayer"],
    "SweeperFunction": ["SharedLayer", "DepsLightLayer"],
}


def _mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1024 / 1024


def measure() -> list[tuple[str, float, str]]:
    """(function, unzipped MB, breakdown)."""
    rows = []
    for function, layers in LAYERS.items():
        parts = {function: _mb(BUILD / function)} | {layer: _mb(BUILD / layer) for layer in layers}
        breakdown = ", ".join(f"{k} {v:.1f}" for k, v in parts.items())
        rows.append((function, sum(parts.values()), breakdown))
    return rows


if __name__ == "__main__":
    for function, total, breakdown in measure():
        print(f"{function:18} {total:6.1f} MB of {LIMIT_MB:.0f} MB  ({breakdown})")
