"""Run every measurement in one go and write bench/results.md. Figures are reported, never
asserted: the bench does not fail on timing."""

from __future__ import annotations

import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import artifacts, imports

OUT = Path(__file__).with_name("results.md")


def main() -> int:
    started = time.perf_counter()
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}; figures from one run of `make bench`.",
        "",
        "## Cold-start import time (fresh process, median of 10)",
        "",
        "| module | median ms | max ms |",
        "|---|---:|---:|",
    ]
    for name, median, worst in imports.measure(10):
        lines.append(f"| {name} | {median:.1f} | {worst:.1f} |")
    lines += [
        "",
        "## Built artifact size (unzipped, function + its layers)",
        "",
        "| function | MB | of 250 MB | parts (MB) |",
    ]
    lines.append("|---|---:|---:|---|")
    for function, total, breakdown in artifacts.measure():
        lines.append(f"| {function} | {total:.1f} | {100 * total / artifacts.LIMIT_MB:.0f}% | {breakdown} |")
    lines += ["", f"_Bench took {time.perf_counter() - started:.0f} s._", ""]
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
