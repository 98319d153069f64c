"""Customer language detection (receptionist/i18n/detection.py) on the labelled set of short
WhatsApp messages, bench/languages/messages.tsv: accuracy per language, how often an ambiguous
message ("ok", "👍", "10:30") is left undecided, import and per-message time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

SET: Final = Path(__file__).with_name("languages") / "messages.tsv"
# The set's labels: a language, or None for a message no reader could place.
LABELS: Final[tuple[str | None, ...]] = ("es", "en", "pt", "ca", None)


@dataclass(frozen=True)
class Labelled:
    language: str | None
    variety: str
    text: str


def load_set(path: Path = SET) -> list[Labelled]:
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    out = []
    for line in rows[1:]:  # the header
        language, variety, text = line.split("\t")
        out.append(Labelled(None if language == "none" else language, variety, text))
    return out


@dataclass(frozen=True)
class Row:
    label: str
    messages: int
    top: float  # share whose best guess is the label (None: no letters, or not confident)
    decided: int  # confident detections (what sets an unknown language)
    wrong: int  # of them, not the label
    decisive: int  # detections strong enough to change a known language
    decisive_wrong: int


@dataclass(frozen=True)
class Measured:
    import_ms: float  # `import receptionist.i18n.detection` (py3langid not imported yet)
    first_ms: float  # the first detection: py3langid, numpy and the model loaded
    per_message_ms: float
    rows: list[Row]


_PROBE = """
import json, time
t0 = time.perf_counter()
from receptionist.i18n import detection
t1 = time.perf_counter()
detection.detect("hola, quería pedir cita")
t2 = time.perf_counter()
texts = json.loads(input())
found = [detection.detect(t) for t in texts]
t3 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_ms": (t2 - t1) * 1000,
                  "per_ms": (t3 - t2) * 1000 / len(texts),
                  "found": [[f.language, f.probability, f.confident, f.decisive] for f in found]}))
"""


def measure() -> Measured:
    """In a fresh interpreter (the detector is loaded once per process), on the labelled set."""
    import json
    import subprocess
    import sys

    messages = load_set()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        input=json.dumps([m.text for m in messages]),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for label in LABELS:
        mine = [(m, f) for m, f in zip(messages, out["found"], strict=True) if m.language == label]
        rows.append(
            Row(
                label=label or "ambiguous (none)",
                messages=len(mine),
                top=sum(1 for m, f in mine if (f[0] if f[2] else None) == m.language) / len(mine)
                if label is None
                else sum(1 for m, f in mine if f[0] == m.language) / len(mine),
                decided=sum(1 for _, f in mine if f[2]),
                wrong=sum(1 for m, f in mine if f[2] and f[0] != m.language),
                decisive=sum(1 for _, f in mine if f[3]),
                decisive_wrong=sum(1 for m, f in mine if f[3] and f[0] != m.language),
            )
        )
    return Measured(out["import_ms"], out["first_ms"], out["per_ms"], rows)


def lines(result: Measured | str) -> list[str]:
    head = [
        "## Customer language detection (short WhatsApp messages)",
        "",
        "How measured: `receptionist.i18n.detection` (py3langid restricted to es, en, pt, ca; docs/languages.md)",
        f"in a fresh interpreter on `bench/languages/messages.tsv` ({len(load_set())} labelled messages of 1-8 words:",
        'Spanish of Spain and Peru, English, Brazilian Portuguese, Catalan, and ambiguous ones such as "ok",',
        '"👍", "10:30"). best guess: share whose top language is right (ambiguous: share left undecided);',
        "confident: what sets an unknown language (p >= 0.8, >= 6 letters); decisive: what changes a known one",
        "(p >= 0.9, >= 12 letters). Import: the module alone; first call: py3langid, numpy and the model loaded.",
        "",
    ]
    if isinstance(result, str):
        return [*head, result]
    table = [
        "| language | messages | best guess | confident (wrong) | decisive (wrong) |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {r.label} | {r.messages} | {100 * r.top:.0f}% | {r.decided} ({r.wrong}) |"
            f" {r.decisive} ({r.decisive_wrong}) |"
            for r in result.rows
        ),
        "",
        f"Import {result.import_ms:.1f} ms; first call {result.first_ms:.0f} ms; then"
        f" {result.per_message_ms:.2f} ms per message.",
    ]
    return [*head, *table]
